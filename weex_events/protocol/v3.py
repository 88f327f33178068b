"""The V3 codec: WEEX's current WebSocket generation (WEEX-WS.md §1).

Commands are JSON-RPC-like (``{"method":"SUBSCRIBE","params":[..],"id":n}``) and
carry several channels each. Pushes have ``e`` (type), ``E`` (ms) and ``s``
(symbol); private pushes add ``v`` and ``msgEvent``. :class:`V3Codec` decodes by
value, dispatching on ``e`` through a table of bound methods. The ticker and
depth paths are the hottest code in the SDK and are written out here in full;
trades, bars and private items are read here and turned into messages by
:class:`~.codec.BaseCodec`.

Imports: ``errors``, ``events``, ``protocol`` (its types), ``.codec``,
``.control``, ``.klines``, ``.normalize``, ``.numbers``, ``.symbols``,
``.v3_ticker``, orjson.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import orjson

from ..errors import DecodeError
from . import Decoded, DeferredMessage, DepthUpdate, ServerPing, new_message
from .codec import MALFORMED, PRIVATE_KINDS, BaseCodec, dumps
from .control import v3_control
from .normalize import Field
from .numbers import (
    MAX_NUMBER_TEXT,
    NEGATIVE_HEADS,
    POSITIVE_HEADS,
    number_text,
    percent_text,
    to_int,
    to_text,
)
from .symbols import normalize as user_symbol
from .v3_ticker import TICKER_NUMBERS, TICKER_WIRE, ticker_message

__all__ = ["V3Codec"]

# Wire symbol -> (user symbol, ticker event name); bounded like symbols._normalize.
_SYMBOL_CACHE_LIMIT = 4096
# A depth side missing from the frame (distinct from an explicit null).
_ABSENT: Any = object()

_Handler = Callable[[dict[str, Any], float], Decoded]
_loads = orjson.loads


def _rows(rows: Any) -> list[Any]:
    """A depth side as the frame has it: ``[[price, size], ...]`` (WEEX-WS.md §1.5).

    The rows are passed through unchecked: the order book checks each level
    where it applies it (:mod:`weex_events.book_side`), which costs less than
    checking and copying every row here first. ``_ABSENT`` (the side is not in
    the frame) gives no levels.
    """
    if rows.__class__ is list:
        return rows
    if rows is _ABSENT:
        return []
    raise TypeError("depth side is not a list")


class V3Codec(BaseCodec):
    """Encode V3 commands and decode V3 frames.

    Arguments, attributes and errors as for :class:`~.codec.BaseCodec`.
    """

    generation = "V3"
    _FRAME_LABEL = ("e", 30)
    _COIN_KEY = "coin"
    _SYMBOL_KEY = "symbol"
    _MAKER_KEY = "m"
    _TRADE_TIME_KEY = "T"
    _wire_symbol = staticmethod(user_symbol)

    def __init__(
        self,
        *,
        number_type: type = str,
        marks: dict[str, str] | None = None,
        market: str = "contract",
    ) -> None:
        super().__init__(number_type=number_type, marks=marks, market=market)
        norm = self._norm
        self._symbols: dict[str, tuple[str, str]] = {}
        #: Ticker events (``"ticker:BTCUSDT"``) that only conflating streams
        #: listen to: a complete contract ticker of one of them is checked and
        #: handed out as a :class:`DeferredMessage`. The client shares its
        #: dispatcher's set here (kept current as listeners come and go).
        self.deferred: AbstractSet[str] = frozenset()
        num = norm.num
        self._text = number_type is str
        self._percent = norm.percent
        self._trade_fields: tuple[Field, ...] = (
            ("trade_id", "t", None),
            ("price", "p", num),
            ("size", "q", num),
            ("value", "v", num),
        )
        self._kline_fields: tuple[Field, ...] = (
            ("interval", "i", to_text),
            ("start", "t", to_int),
            ("end", "T", to_int),
            ("open", "o", num),
            ("high", "h", num),
            ("low", "l", num),
            ("close", "c", num),
            ("volume", "v", num),
            ("quote_volume", "q", num),
            ("trades", "n", to_int),
        )
        # Push type ("e") -> decoder, from the kinds registry.
        self._handlers: dict[str, _Handler] = self._push_table(self._decoders())

    def _decoders(self) -> dict[str, _Handler]:
        """The registry's decoder names -> this codec's decode methods."""
        return {
            "ticker": self._ticker,
            "depth": self._depth,
            "trades": self._trades,
            "kline": self._kline,
            "private": self._private,
        }

    # -- channels and commands -------------------------------------------------

    def encode_subscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"method":"SUBSCRIBE","params":[..],"id":n}`` (WEEX-WS.md §1.4)."""
        return dumps({"method": "SUBSCRIBE", "params": list(params), "id": req_id})

    def encode_unsubscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"method":"UNSUBSCRIBE","params":[..],"id":n}`` (WEEX-WS.md §1.4)."""
        return dumps({"method": "UNSUBSCRIBE", "params": list(params), "id": req_id})

    def encode_pong(self, ping: ServerPing, req_id: int) -> str:
        """``{"method":"PONG","id":n}``; V3 does not echo the ping's time (§1.3)."""
        return dumps({"method": "PONG", "id": req_id})

    # -- decoding --------------------------------------------------------------

    def decode(self, frame: str | bytes, received_at: float) -> Decoded:
        """Decode one text frame.

        Returns:
            A list of :class:`StreamMessage` for ticker, trade, kline and private
            pushes (one per trade, bar or item, in wire order); a
            :class:`DepthUpdate` for depth; a :class:`Greeting`,
            :class:`ServerPing` or :class:`Reply` for control frames; an
            :class:`UnknownPush` for well-formed objects of an unknown type.

        Raises:
            DecodeError: invalid JSON, not a JSON object, or a known push with a
                missing or wrongly typed field. Nothing else escapes.
        """
        try:
            msg = _loads(frame)
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise DecodeError(f"invalid JSON: {exc!s:.100}", frame) from None
        try:
            # A non-object has no .get (AttributeError); an unhashable "e" is a
            # TypeError: both become DecodeError below.
            handler = self._handlers.get(msg.get("e"))
            if handler is not None:
                return handler(msg, received_at)
            return v3_control(msg)
        except MALFORMED as exc:
            raise DecodeError(self._why(msg, exc), frame) from exc

    def _names(self, wire: Any) -> tuple[str, str]:
        """The user symbol and ticker event name of a wire ``s`` (cached)."""
        names = self._symbols.get(wire) if type(wire) is str else None
        if names is None:
            symbol = user_symbol(wire)  # raises on a bad symbol: nothing cached
            names = (symbol, "ticker:" + symbol)
            if len(self._symbols) >= _SYMBOL_CACHE_LIMIT:
                self._symbols.clear()
            self._symbols[wire] = names
        return names

    def _ticker(self, msg: dict[str, Any], received_at: float) -> Decoded:
        # The hottest path of the SDK. For str number_type a complete ticker is
        # read with one itemgetter and its ten text fields checked with one join
        # (it raises TypeError unless every one is a str); anything else (spot
        # tickers without mark/index, counts as text, bad values) takes
        # _ticker_data, which also raises the precise error.
        s = msg["s"]
        try:
            symbol, event = self._symbols[s]
        except (KeyError, TypeError):
            symbol, event = self._names(s)
        item = msg["d"][0]
        data = None
        if self._text:
            try:
                last, mark, index, open_, high, low, vol, qvol, delta, change, n = (
                    TICKER_WIRE(item)
                )
                joined = "".join(
                    (last, mark, index, open_, high, low, vol, qvol, delta, change)
                )
            except (KeyError, TypeError):
                pass
            else:
                # Plain decimals of sane length only on the fast path: anything
                # else is checked field by field (number_text) below. The ten
                # length checks are written out: a call to max() or map() over
                # them costs twice as much, on every ticker.
                if (
                    n.__class__ is int
                    and "e" not in joined
                    and "E" not in joined
                    and len(last) <= MAX_NUMBER_TEXT
                    and len(mark) <= MAX_NUMBER_TEXT
                    and len(index) <= MAX_NUMBER_TEXT
                    and len(open_) <= MAX_NUMBER_TEXT
                    and len(high) <= MAX_NUMBER_TEXT
                    and len(low) <= MAX_NUMBER_TEXT
                    and len(vol) <= MAX_NUMBER_TEXT
                    and len(qvol) <= MAX_NUMBER_TEXT
                    and len(delta) <= MAX_NUMBER_TEXT
                    and len(change) <= MAX_NUMBER_TEXT
                ):
                    # percent_text's common case, inline: "[-]0.dd" + digits.
                    if change[:1] == "-":
                        head = NEGATIVE_HEADS.get(change[:5])
                        tail = change[5:]
                    else:
                        head = POSITIVE_HEADS.get(change[:4])
                        tail = change[4:]
                    if head is not None and tail.isdigit() and tail.isascii():
                        change = head + tail
                    else:
                        change = percent_text(change)
                    self.marks[symbol] = mark
                    if event in self.deferred:
                        # Only conflating streams listen: checked and its mark
                        # kept now, normalized if and when a stream reads it.
                        stamp = msg.get("E")
                        timestamp = received_at if stamp is None else stamp / 1000
                        return [
                            DeferredMessage(
                                event,
                                "ticker",
                                symbol,
                                timestamp,
                                received_at,
                                item,
                                change,
                                ticker_message,
                            )
                        ]
                    # Written out, not a call to ticker_message: that would
                    # cost every handled ticker a call and a DeferredMessage.
                    # tests/protocol/test_deferred_tickers.py keeps the two equal.
                    data = {
                        "symbol": symbol,
                        "last": last,
                        "mark": mark,
                        "index": index,
                        "open": open_,
                        "high": high,
                        "low": low,
                        "volume": vol,
                        "quote_volume": qvol,
                        "change_abs": delta,
                        "change": change,
                        "trades": n,
                    }
        if data is None:
            data = self._ticker_data(item, symbol)
        stamp = msg.get("E")
        return [
            new_message(
                event,
                "ticker",
                symbol,
                data,
                received_at if stamp is None else stamp / 1000,
                received_at,
                item,
            )
        ]

    def _ticker_data(self, item: Any, symbol: str) -> dict[str, Any]:
        """A ticker field by field: keys may be missing, any number_type.

        Stores the mark price, like the fast path.
        """
        get = item.get
        data: dict[str, Any] = {"symbol": symbol}
        if self._text:
            for out, src in TICKER_NUMBERS:
                value = get(src)
                if value is not None:
                    data[out] = number_text(value)
        else:
            num = self._norm.num
            for out, src in TICKER_NUMBERS:
                value = get(src)
                if value is not None:
                    data[out] = num(value)
        change = get("P")
        if change is not None:
            data["change"] = self._percent(change)
        trades = get("n")
        if trades is not None:
            data["trades"] = trades if type(trades) is int else to_int(trades)
        mark = data.get("mark")
        if mark is not None:
            self.marks[symbol] = get("m")
        return data

    def _trades(self, msg: dict[str, Any], received_at: float) -> Decoded:
        symbol = self._names(msg["s"])[0]
        stamp = msg.get("E")
        frame_time = received_at if stamp is None else stamp / 1000
        return self._trade_messages(symbol, msg["d"], frame_time, received_at)

    def _kline(self, msg: dict[str, Any], received_at: float) -> Decoded:
        # WEEX-WS.md §1.5: the price basis is "p"; each bar names its interval.
        symbol = self._names(msg["s"])[0]
        basis = msg.get("p")
        if basis is not None:
            to_text(basis)
        stamp = msg.get("E")
        timestamp = received_at if stamp is None else stamp / 1000
        snapshot = msg["e"] == "klineSnapshot"
        return self._kline_messages(
            symbol, None, basis, msg["d"], snapshot, timestamp, received_at
        )

    def _depth(self, msg: dict[str, Any], received_at: float) -> Decoded:
        # Fields are read and checked in the order the frame's faults have
        # always been reported in: s, l, e/d, U, u, b, a, E.
        s = msg["s"]
        try:
            symbol = self._symbols[s][0]
        except (KeyError, TypeError):
            symbol = self._names(s)[0]
        level = msg.get("l")
        if level is None:
            level = 15
        elif type(level) is not int:
            level = to_int(level)
        # WEEX-WS.md §1.5: the first frame is depthSnapshot with d == "SNAPSHOT".
        snapshot = msg["e"] == "depthSnapshot" or msg.get("d") == "SNAPSHOT"
        first = msg["U"]
        if type(first) is not int:
            first = to_int(first)
        last = msg["u"]
        if type(last) is not int:
            last = to_int(last)
        bids = _rows(msg.get("b", _ABSENT))
        asks = _rows(msg.get("a", _ABSENT))
        stamp = msg.get("E")
        return DepthUpdate(
            symbol,
            level,
            snapshot,
            first,
            last,
            bids,
            asks,
            received_at if stamp is None else stamp / 1000,
            received_at,
            msg,
        )

    def _private(self, msg: dict[str, Any], received_at: float) -> Decoded:
        # WEEX-WS.md §1.6: {"e","E","v","msgEvent","d":[..]}, one message per item.
        kind = PRIVATE_KINDS[msg["e"]]
        items = msg["d"]
        if type(items) is not list:
            raise TypeError("'d' is not a list")
        reason = msg.get("msgEvent")
        if reason is not None:
            to_text(reason)
        stamp = msg.get("E")
        timestamp = received_at if stamp is None else stamp / 1000
        version = msg.get("v")
        self.private_version = version if type(version) is int else None
        return self._private_messages(kind, items, reason, timestamp, received_at)
