"""What the V3 and V2 codecs do alike: :class:`BaseCodec`.

Both generations carry the same facts: the same private channels, the same
channel arguments, trades with a maker flag and a time, kline bars whose closed
flag must be derived, private items normalized by the same rules. The base class
holds that logic once: construction (the :class:`~.normalize.Normalizer`, the
shared mark prices, the :class:`~.klines.KlineTracker`), the checks of
``channel_param``, the names of malformed frames, and the messages built from
trade, kline and private items once a subclass has read them off its own wire
format. Each generation keeps its own parsing, commands and control frames,
and its own hot paths (the V3 ticker and depth decoders call nothing here).

Channel names and the table of push decoders come from the kinds registry
(:mod:`weex_events.kinds`), read once when a codec is built.

Imports: ``errors``, ``events``, ``kinds``, ``protocol`` (:func:`new_message`),
``.klines``, ``.normalize``, ``.numbers``, ``.symbols``, orjson.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import orjson

from ..errors import ConfigError, DecodeError
from ..events import Channel, StreamMessage
from ..kinds import BOOK_DEPTHS, KINDS
from . import new_message
from .klines import Bar, KlineTracker, split_kline_arg
from .normalize import Field, Normalizer
from .numbers import to_bool, to_int
from .symbols import normalize as user_symbol

__all__ = ["MALFORMED", "PRIVATE_KINDS", "PRIVATE_PARAMS", "BaseCodec", "dumps"]

#: The exceptions malformed input raises inside a decoder; codecs catch exactly these.
MALFORMED = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError)

# WEEX-WS.md §1.6 and §2: private channels are bare names in both generations
# (the registry's V3 name); kinds are the SDK's event kinds.
PRIVATE_PARAMS = {k.name: k.wire["v3"] for k in KINDS.values() if k.private}
PRIVATE_KINDS = {param: kind for kind, param in PRIVATE_PARAMS.items()}
_DEPTHS = tuple(str(depth) for depth in BOOK_DEPTHS)


def _refused_private(msg: Any, received_at: float) -> Any:
    """The decoder of a private push on a socket that is not private."""
    raise DecodeError(
        "private push on a non-private socket (refused: only the private "
        "endpoint may send orders, fills, positions or account data)",
        orjson.dumps(msg),
    )


def dumps(obj: dict[str, Any]) -> str:
    """A command as JSON text."""
    return orjson.dumps(obj).decode()


class BaseCodec(ABC):
    """The part of a codec both WEEX generations share (see the module doc).

    Args:
        number_type: type of prices, sizes and amounts in ``data``: ``str``
            (exact wire text), ``decimal.Decimal`` or ``float``.
        marks: a dict shared by a client's public and private codecs: ticker
            frames store the latest mark price text per symbol in it, position
            frames read it to compute ``unrealized_pnl``.

    Raises:
        ConfigError: ``number_type`` is not one of the three.
    """

    #: ``"V3"`` or ``"V2"``, for error messages.
    generation: ClassVar[str]
    #: The frame key that names a frame in DecodeError reasons, and its width.
    _FRAME_LABEL: ClassVar[tuple[str, int]]
    #: Wire keys of an account item's coin and of a private item's symbol.
    _COIN_KEY: ClassVar[str]
    _SYMBOL_KEY: ClassVar[str]
    #: Wire keys of a trade's maker flag and of its time.
    _MAKER_KEY: ClassVar[str]
    _TRADE_TIME_KEY: ClassVar[str]

    # Set by the subclass: ``(output key, wire key, converter)`` of trades and
    # bars; the bar fields include "start".
    _trade_fields: tuple[Field, ...]
    _kline_fields: tuple[Field, ...]

    def __init__(
        self,
        *,
        number_type: type = str,
        marks: dict[str, str] | None = None,
        market: str = "contract",
    ) -> None:
        self.market = market
        norm = self._norm = Normalizer(number_type, marks)
        self.marks = norm.marks
        self._klines = KlineTracker()
        #: The account version ``v`` of the last private frame decoded (WEEX-WS.md
        #: §1.6), or ``None``: its items are delivered before the next decode.
        self.private_version: int | None = None
        self._private_items = {
            "account": self._account,
            "position": norm.position,
            "order": norm.order,
            "fill": norm.fill,
        }

    # -- channels ----------------------------------------------------------------

    def channel_param(self, channel: Channel) -> str:
        """The wire name of ``channel`` in this generation (its registry record).

        Raises:
            ConfigError: the channel has no wire form (unknown kind, missing or
                bad symbol, bad depth or interval).
        """
        kind, symbol, arg = channel
        spec = KINDS.get(kind)
        if spec is None:
            raise ConfigError("kind", f"no {self.generation} channel for {kind!r}")
        template = spec.wire_name(self.generation.lower(), self.market)
        if spec.private:
            return template
        if symbol is None:
            raise ConfigError("symbol", f"channel {kind!r} needs a symbol")
        sym = self._wire_symbol(symbol)
        arg = arg or spec.default_arg
        if kind == "book" and arg not in _DEPTHS:
            raise ConfigError("level", f"WEEX serves 15 or 200 levels, not {arg!r}")
        extra: dict[str, str] = {}
        if kind == "kline":
            split = split_kline_arg(arg or "")
            if split is None:
                raise ConfigError("interval", f"not a WEEX kline interval: {arg!r}")
            extra = self._kline_parts(*split)
        return template.format(sym=sym, arg=arg, **extra)

    def refuse_private(self) -> None:
        """Make private pushes (orders, fills, positions, account) a
        :class:`DecodeError`: they come only from the private, authenticated
        endpoint (WEEX-WS.md §1.2), so on any other socket they are spoofed.
        Costs nothing per frame: the push table itself changes."""
        generation = self.generation.lower()
        for spec in KINDS.values():
            if spec.private:
                for push in spec.pushes.get(generation, ()):
                    self._handlers[push] = _refused_private  # type: ignore[attr-defined]

    def _push_table(self, handlers: dict[str, Any]) -> dict[str, Any]:
        """Push type -> decode method, from the registry's ``pushes`` and
        ``decoder`` for this generation and market (built once, per codec); a
        kind the market does not serve has no entry (its pushes are unknown)."""
        generation = self.generation.lower()
        return {
            push: handlers[spec.decoder]
            for spec in KINDS.values()
            if self.market in spec.markets
            for push in spec.pushes.get(generation, ())
        }

    @staticmethod
    @abstractmethod
    def _wire_symbol(symbol: str) -> str:
        """The wire spelling of a user symbol; raises ConfigError if invalid."""

    def _kline_parts(self, interval: str, basis: str) -> dict[str, str]:
        """Extra fields of a kline wire name (V2: the interval's wire name)."""
        return {}

    # -- decoding ----------------------------------------------------------------

    def _why(self, msg: Any, exc: BaseException) -> str:
        """A short reason for a malformed frame, naming it by type or channel."""
        if type(msg) is not dict:
            return "not a JSON object"
        key, width = self._FRAME_LABEL
        label = msg.get(key)
        what = f"{label!s:.{width}} frame" if label is not None else "frame"
        if isinstance(exc, KeyError):
            return f"malformed {what}: missing field {exc}"
        return f"malformed {what}: {type(exc).__name__}: {exc!s:.100}"

    def _trade_messages(
        self, symbol: str, items: Any, frame_time: float, received_at: float
    ) -> list[StreamMessage]:
        """One message per trade item, stamped with the trade's own time if any."""
        event = "trade:" + symbol
        pick = self._norm.pick
        fields = self._trade_fields
        maker_key = self._MAKER_KEY
        time_key = self._TRADE_TIME_KEY
        out = []
        for item in items:
            data: dict[str, Any] = {"symbol": symbol}
            pick(data, item, fields)
            maker = item.get(maker_key)
            if maker is not None:
                # DESIGN.md §3: side is the taker's; buyer is maker -> taker sold.
                data["side"] = "sell" if to_bool(maker) else "buy"
            when = item.get(time_key)
            timestamp = frame_time
            if when is not None:
                data["time"] = when = to_int(when)
                timestamp = when / 1000  # the trade's own time
            out.append(
                new_message(event, "trade", symbol, data, timestamp, received_at, item)
            )
        return out

    def _kline_messages(
        self,
        symbol: str,
        interval: str | None,
        basis: Any,
        items: Any,
        snapshot: bool,
        timestamp: float,
        received_at: float,
    ) -> list[StreamMessage]:
        """The bars of one frame, with the closed flag (WEEX-WS.md §1.5).

        ``interval`` is the series' interval if the items do not carry it. A
        snapshot's bars are all closed but the latest of each series; a live
        bar first reports the bar it closes.
        """
        pick = self._norm.pick
        fields = self._kline_fields
        bars = []
        for item in items:
            data: dict[str, Any] = (
                {"symbol": symbol}
                if interval is None
                else {"symbol": symbol, "interval": interval}
            )
            pick(data, item, fields)
            if "start" not in data:
                raise KeyError(next(src for out, src, _ in fields if out == "start"))
            bars.append(((symbol, data.get("interval"), basis), data, item))
        closed: list[Bar]
        if snapshot:
            closed = self._klines.snapshot(bars)
        else:
            closed = []
            for series, data, item in bars:
                closed += self._klines.update(series, data, item)
        event = "kline:" + symbol
        return [
            new_message(event, "kline", symbol, data, timestamp, received_at, item)
            for data, item in closed
        ]

    def _account(self, item: Any, symbol: str | None) -> dict[str, Any]:
        return self._norm.account(item, self._COIN_KEY)

    def _private_messages(
        self,
        kind: str,
        items: list[Any],
        reason: Any,
        timestamp: float,
        received_at: float,
    ) -> list[StreamMessage]:
        """One message per private item, in list order (DESIGN.md §3).

        ``reason`` (the frame's ``msgEvent``, already checked) ends each item's
        data when present.
        """
        normalize = self._private_items[kind]
        symbol_key = self._SYMBOL_KEY
        out = []
        for item in items:
            if type(item) is not dict:
                raise TypeError("private item is not an object")
            raw_symbol = item.get(symbol_key)
            symbol = user_symbol(raw_symbol) if raw_symbol else None
            data = normalize(item, symbol)
            if reason is not None:
                data["reason"] = reason
            event = kind if symbol is None else f"{kind}:{symbol}"
            out.append(
                new_message(event, kind, symbol, data, timestamp, received_at, item)
            )
        return out
