"""Event names, the ``StreamMessage`` every data handler receives, and the payloads
of lifecycle and diagnostic events.

Event names are ``kind`` (``"ticker"``) or ``kind:SYMBOL`` (``"ticker:BTCUSDT"``).
A :class:`Channel` is one server subscription; :func:`channel_for_event` says which
channel (if any) an event name needs.

Imports: ``errors``, ``kinds``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .errors import ConfigError
from .kinds import BOOK_DEPTHS, KINDS, KLINE_INTERVALS, MARKET_KINDS, PRIVATE_KINDS

__all__ = [
    "BOOK_DEPTHS",
    "KLINE_INTERVALS",
    "LIFECYCLE_EVENTS",
    "MARKET_KINDS",
    "PRIVATE_KINDS",
    "BookLevel",
    "Channel",
    "ConnectionEvent",
    "Endpoint",
    "ErrorEvent",
    "RecoveryEvent",
    "ResyncEvent",
    "SlowConsumerEvent",
    "StaleEvent",
    "StreamMessage",
    "SubscriptionEvent",
    "channel_for_event",
    "split_event",
]

#: Events raised by the client itself rather than by market data.
LIFECYCLE_EVENTS = frozenset(
    {
        "connected",
        "disconnected",
        "reconnecting",
        "reconnected",
        "subscribed",
        "unsubscribed",
        "subscription_failed",
        "resync",
        "recovering",
        "recovered",
        "slow_consumer",
        "stale",
        "error",
    }
)

BookLevel = tuple[Any, Any]
"""One order book level: ``(price, size)`` in the configured number type."""


class Endpoint(enum.StrEnum):
    """Which WebSocket endpoint an event concerns."""

    PUBLIC = "public"
    PRIVATE = "private"


class Channel(NamedTuple):
    """One server subscription, independent of the protocol generation.

    Attributes:
        kind: ``ticker``, ``trade``, ``book``, ``kline`` or a private kind.
        symbol: upper-case symbol (``BTCUSDT``); ``None`` for private channels.
        arg: the channel's parameter: the book depth (``"15"``/``"200"``) or the
            kline interval (``"1m"``); ``None`` otherwise.
    """

    kind: str
    symbol: str | None = None
    arg: str | None = None

    @property
    def private(self) -> bool:
        """Whether the channel lives on the signed endpoint."""
        return self.kind in PRIVATE_KINDS

    def __str__(self) -> str:
        parts = [self.kind]
        if self.symbol:
            parts.append(self.symbol)
        if self.arg:
            parts.append(self.arg)
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One normalized market or private update, as handlers and streams see it.

    Attributes:
        event: the specific event name, ``"ticker:BTCUSDT"`` (or ``"account"``).
        kind: the event kind, ``"ticker"``.
        symbol: the symbol in user form (``"BTCUSDT"``), or ``None``.
        data: normalized fields (DESIGN §3); prices and sizes in ``number_type``.
        timestamp: exchange event time in seconds since the epoch when the frame
            carries one, else the receive time.
        received_at: local receive time, seconds since the epoch.
        raw: the exchange's item, untouched.
        recovered: ``True`` only for a private event delivered by recovery
            over REST (DESIGN §5), not pushed.
    """

    event: str
    kind: str
    symbol: str | None
    data: dict[str, Any]
    timestamp: float
    received_at: float
    raw: Any = field(repr=False, compare=False)
    recovered: bool = False


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """Payload of ``connected``, ``disconnected``, ``reconnecting``, ``reconnected``.

    Attributes:
        event: which of the four.
        endpoint: ``public`` or ``private``.
        url: the endpoint URL.
        reason: why (``None`` for a normal connect).
        delay: seconds until the next attempt (``reconnecting`` only).
        attempt: the attempt number since the last healthy connection.
        close_code: WebSocket close code when the server closed.
    """

    event: str
    endpoint: Endpoint
    url: str
    reason: str | None = None
    delay: float | None = None
    attempt: int = 0
    close_code: int | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionEvent:
    """Payload of ``subscribed``, ``unsubscribed`` and ``subscription_failed``.

    Attributes:
        event: which of the three.
        channel: the channel concerned.
        param: the channel's wire name (``"BTCUSDT@ticker"``).
        reason: the server's message (``subscription_failed`` only).
    """

    event: str
    channel: Channel
    param: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """Payload of ``error``: a handler raised, or the server sent a bad frame.

    Attributes:
        source: ``"handler"``, ``"decode"``, ``"protocol"``, ``"connection"`` or
            ``"recovery"`` (private-state recovery over REST gave up).
        message: a one-line description.
        event: the event the failing handler was handling (handler errors).
        handler: the handler's qualified name (handler errors).
        exception: the exception, if any.
        traceback: the formatted traceback (handler errors).
        frame: a truncated excerpt of the offending frame (decode errors).
    """

    source: str
    message: str
    event: str | None = None
    handler: str | None = None
    exception: BaseException | None = field(default=None, compare=False)
    traceback: str | None = field(default=None, repr=False)
    frame: str | None = None


@dataclass(frozen=True, slots=True)
class ResyncEvent:
    """Payload of ``resync``: a book gap was found and a fresh snapshot requested.

    Attributes:
        symbol: the book's symbol.
        reason: ``"gap"``, ``"crossed"``, ``"no_snapshot"``, ``"reconnect"``…
        detail: a human-readable description (expected/got versions).
        level: the book depth subscribed (15 or 200).
    """

    symbol: str
    reason: str
    detail: str = ""
    level: int = 15


@dataclass(frozen=True, slots=True)
class SlowConsumerEvent:
    """Payload of ``slow_consumer``: a handler or stream fell behind.

    Attributes:
        consumer: the handler's qualified name or ``stream(...)`` description.
        event: the event it was consuming.
        pending: items waiting in its queue.
        dropped: items dropped so far for this consumer.
        policy: what was done: ``"drop_oldest"``, ``"conflate"``, ``"keep"``
            (private data is never dropped silently), or ``"recover"``: a
            private backlog passed ``private_backlog``; it was dropped (a
            stream fails with :class:`~weex_events.SlowConsumerError`) and the
            state is recovered over REST instead; ``"report"`` for a sync
            handler that held the read loop.
        seconds: how long a sync handler held the read loop (``None`` for a
            queue that fell behind).
    """

    consumer: str
    event: str
    pending: int
    dropped: int
    policy: str
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class RecoveryEvent:
    """Payload of ``recovering`` and ``recovered``: private state read over REST.

    Attributes:
        event: which of the two.
        endpoint: always ``private``.
        reason: why: ``"seed"`` (the first private subscription),
            ``"reconnect"``, ``"request"`` (``recover_private()``),
            ``"reconcile"`` (``reconcile_interval``) or ``"overflow"`` (a
            private backlog passed its limit).
        window: ``(start_ms, end_ms)`` of the order history and fills read,
            exchange time; ``None`` when none was read (``recovering``, a seed).
        counts: items delivered with ``recovered=True``, by kind (``recovered``).
        seconds: how long the recovery took, retries included (``recovered``).
        attempts: passes over REST it took (``recovered``).
    """

    event: str
    endpoint: Endpoint
    reason: str
    window: tuple[int, int] | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    seconds: float | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class StaleEvent:
    """Payload of ``stale``: a channel sent no data for longer than configured.

    Attributes:
        channel: the quiet channel.
        silent_for: seconds since its last message.
    """

    channel: Channel
    silent_for: float


def split_event(event: str) -> tuple[str, str | None]:
    """Split ``"ticker:BTCUSDT"`` into ``("ticker", "BTCUSDT")``.

    The symbol is upper-cased; a bare kind gives ``(kind, None)``.

    Raises:
        ConfigError: the name is empty or has an empty part.
    """
    kind, sep, symbol = event.partition(":")
    if not kind or (sep and not symbol):
        raise ConfigError("event", f"not an event name: {event!r}")
    return kind, (symbol.upper() if sep else None)


def channel_for_event(event: str) -> Channel | None:
    """The channel an event handler needs, or ``None`` if it needs none.

    ``ticker:BTCUSDT`` needs the BTCUSDT ticker; ``order`` and ``order:BTCUSDT``
    need the private ``order`` channel; bare market kinds (``ticker``) and
    lifecycle events need nothing (they observe whatever is subscribed).
    ``book:SYMBOL`` uses 15 levels and ``kline:SYMBOL`` the 1m interval.
    """
    kind, symbol = split_event(event)
    spec = KINDS.get(kind)
    if spec is None:
        return None
    if spec.private:
        return Channel(kind)
    if symbol is None:
        return None
    return Channel(kind, symbol, spec.default_arg)
