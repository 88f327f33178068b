"""Pure (sans-I/O) codecs for the WEEX WebSocket protocol generations.

A codec turns :class:`~weex_events.events.Channel` objects into commands and turns
frames into either a list of :class:`~weex_events.events.StreamMessage` (data) or a
single control item defined here. A data item may instead be a
:class:`DeferredMessage`, whose message is built when read (only for events the
codec was told no one needs at once). Codecs never await, sleep or read the clock: the
caller passes ``received_at``. They keep only the small state the wire format
requires (the last mark price per symbol, the open kline bar per series).
:func:`new_message` builds the messages on the hot paths (codecs, book keeper).

Imports: ``errors``, ``events``, orjson.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, TypeAlias

import orjson

from ..errors import DecodeError
from ..events import Channel, StreamMessage

__all__ = [
    "Codec",
    "Decoded",
    "DeferredMessage",
    "DepthUpdate",
    "Greeting",
    "Reply",
    "ServerPing",
    "UnknownPush",
    "new_message",
    "parse_server_time",
]


@dataclass(frozen=True, slots=True)
class Greeting:
    """The server's unprompted hello on open (WEEX-WS.md §1.1)."""

    cid: str | None
    time: int | None


@dataclass(frozen=True, slots=True)
class ServerPing:
    """A protocol-level ping; answer with :meth:`Codec.encode_pong`.

    Attributes:
        time: the ping's time field, as sent (V2 echoes it back).
        private: whether it had the private shape ``{"type":"ping"}``.
    """

    time: str | None
    private: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    """A command reply: ack (``ok``) or reject.

    Attributes:
        id: the request id as echoed (int or str); ``None`` for rejects of an
            unparseable message, and for V2 replies (which carry a channel).
        ok: ``True`` for an ack.
        message: the server's message for rejects.
        channel: the wire channel named by the reply (V2), if any.
        action: ``"subscribe"``/``"unsubscribe"`` when the reply says so (V2).
    """

    id: int | str | None
    ok: bool
    message: str | None = None
    channel: str | None = None
    action: str | None = None


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and
# the codecs build one of these per depth frame. Nothing mutates it after.
@dataclass(slots=True)
class DepthUpdate:
    """One depth frame, for the local order book (WEEX-WS.md §1.5).

    Attributes:
        symbol: user-form symbol.
        level: the channel depth (15 or 200).
        snapshot: ``True`` for a snapshot, ``False`` for a delta.
        first: first update id (V3 ``U``, V2 ``startVersion``).
        last: last update id (V3 ``u``, V2 ``endVersion``).
        bids: ``[price, size]`` rows of exact wire text, best first or in any
            order; size ``"0"`` deletes. The V3 codec hands over the frame's
            own lists unchecked (the order book checks each row it applies,
            see :mod:`weex_events.book_side`); other codecs build tuples.
        asks: same for asks.
        timestamp: exchange time in seconds (or ``received_at``).
        received_at: local receive time.
        raw: the frame's item.
    """

    symbol: str
    level: int
    snapshot: bool
    first: int
    last: int
    bids: Sequence[Sequence[str]]
    asks: Sequence[Sequence[str]]
    timestamp: float
    received_at: float
    raw: Any = field(repr=False, compare=False)


def _message_builder() -> Callable[..., StreamMessage]:
    """The cheapest way to make a :class:`StreamMessage` from its seven data
    fields (``recovered`` is ``False``: the codecs decode pushes).

    StreamMessage is a frozen dataclass, so its ``__init__`` stores each field
    through ``object.__setattr__``: about 0.5 µs a message, on the hottest path.
    Storing through the slot descriptors directly is what that ``__init__`` ends
    up doing, at half the cost, and gives the same object (same class, same
    fields, equal to ``StreamMessage(...)``). Should the dataclass ever gain a
    field or a ``__post_init__``, this falls back to the real constructor.
    """
    names = (
        "event",
        "kind",
        "symbol",
        "data",
        "timestamp",
        "received_at",
        "raw",
        "recovered",
    )
    if tuple(f.name for f in fields(StreamMessage)) != names or hasattr(
        StreamMessage, "__post_init__"
    ):
        return StreamMessage
    slots = StreamMessage.__dict__
    (
        set_event,
        set_kind,
        set_symbol,
        set_data,
        set_timestamp,
        set_received,
        set_raw,
        set_recovered,
    ) = (slots[name].__set__ for name in names)
    new = object.__new__

    def new_message(
        event: str,
        kind: str,
        symbol: str | None,
        data: dict[str, Any],
        timestamp: float,
        received_at: float,
        raw: Any,
    ) -> StreamMessage:
        msg: StreamMessage = new(StreamMessage)
        set_event(msg, event)
        set_kind(msg, kind)
        set_symbol(msg, symbol)
        set_data(msg, data)
        set_timestamp(msg, timestamp)
        set_received(msg, received_at)
        set_raw(msg, raw)
        set_recovered(msg, False)
        return msg

    return new_message


#: ``new_message(event, kind, symbol, data, timestamp, received_at, raw)``: a
#: :class:`StreamMessage`, built for the hot paths (see :func:`_message_builder`).
new_message: Callable[
    [str, str, str | None, dict[str, Any], float, float, Any], StreamMessage
] = _message_builder()


class DeferredMessage:
    """A checked data item whose :class:`StreamMessage` is built when read.

    A codec hands one out instead of the message for an event whose every
    listener is a conflating stream (the dispatcher keeps the set of such
    events, see ``Dispatcher.deferred``): the frame is checked on arrival as
    for a message, and whatever the codec keeps from it (a ticker's mark
    price) is kept then; only building the normalized ``data`` and the message
    waits. A stream that conflates the item away never builds it (DESIGN §2).

    Attributes:
        event, kind, symbol, timestamp, received_at, raw: as the message's.
        extra: what the codec computed while checking, for ``build``.
    """

    __slots__ = (
        "_build",
        "_message",
        "event",
        "extra",
        "kind",
        "raw",
        "received_at",
        "symbol",
        "timestamp",
    )

    def __init__(
        self,
        event: str,
        kind: str,
        symbol: str | None,
        timestamp: float,
        received_at: float,
        raw: Any,
        extra: Any,
        build: Callable[[DeferredMessage], StreamMessage],
    ) -> None:
        self.event = event
        self.kind = kind
        self.symbol = symbol
        self.timestamp = timestamp
        self.received_at = received_at
        self.raw = raw
        self.extra = extra
        self._build = build
        self._message: StreamMessage | None = None

    def __repr__(self) -> str:
        return f"<DeferredMessage {self.event} at {self.received_at}>"

    def message(self) -> StreamMessage:
        """The message, built on the first call (``build(self)``)."""
        msg = self._message
        if msg is None:
            msg = self._message = self._build(self)
        return msg


@dataclass(frozen=True, slots=True)
class UnknownPush:
    """A well-formed push of a type the codec does not know; reported, not fatal."""

    type: str
    raw: Any = field(repr=False)


Decoded: TypeAlias = (
    "list[StreamMessage] | list[DeferredMessage] | DepthUpdate | Greeting"
    " | ServerPing | Reply | UnknownPush"
)


class Codec(Protocol):
    """What the connection layer needs from a protocol generation."""

    #: The account version ``v`` of the last private frame decoded, if any.
    private_version: int | None

    def channel_param(self, channel: Channel) -> str:
        """The wire name of ``channel`` (``"BTCUSDT@ticker"``)."""

    def encode_subscribe(self, params: Sequence[str], req_id: int) -> str:
        """A SUBSCRIBE command for ``params``."""

    def encode_unsubscribe(self, params: Sequence[str], req_id: int) -> str:
        """An UNSUBSCRIBE command for ``params``."""

    def encode_pong(self, ping: ServerPing, req_id: int) -> str:
        """The answer to a server ping."""

    def decode(self, frame: str | bytes, received_at: float) -> Decoded:
        """Decode one text frame.

        Raises:
            DecodeError: the frame is not valid JSON or misses required fields.
        """


def parse_server_time(body: bytes) -> int:
    """Server time in ms from a REST time answer (WEEX-WS.md §3).

    Accepts V3 ``{"serverTime": ms}`` and V2 ``{"timestamp": ms, ...}``.

    Raises:
        DecodeError: the body is not one of those shapes.
    """
    try:
        data = orjson.loads(body)
        value = data["serverTime"] if "serverTime" in data else data["timestamp"]
        return int(value)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DecodeError(f"not a server time answer ({exc})", body) from None
