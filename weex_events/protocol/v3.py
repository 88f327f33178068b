"""The V3 codec: WEEX's current WebSocket generation (WEEX-WS.md §1).

Commands are JSON-RPC-like (``{"method":"SUBSCRIBE","params":[..],"id":n}``) and
carry several channels each. Pushes have ``e`` (type), ``E`` (ms) and ``s``
(symbol); private pushes add ``v`` and ``msgEvent``. :class:`V3Codec` decodes by
value, dispatching on ``e`` through a table of bound methods (the ticker path is
the hottest code in the SDK), and normalizes with :mod:`.normalize`.

Imports: ``errors``, ``events``, ``protocol`` (its control types), ``.normalize``,
``.symbols``, orjson.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import orjson

from ..errors import ConfigError, DecodeError
from ..events import Channel
from . import (
    Decoded,
    DepthUpdate,
    Greeting,
    Reply,
    ServerPing,
    UnknownPush,
    new_message,
)
from .normalize import (
    MALFORMED,
    Field,
    KlineTracker,
    Normalizer,
    percent_text,
    split_kline_arg,
    to_bool,
    to_int,
    to_text,
)
from .symbols import normalize as user_symbol

__all__ = ["V3Codec"]

# WEEX-WS.md §1.6: private params are bare names; kinds are the SDK's event kinds.
_PRIVATE_PARAMS = {
    "order": "orders",
    "position": "positions",
    "fill": "fill",
    "account": "account",
}
_PRIVATE_KINDS = {param: kind for kind, param in _PRIVATE_PARAMS.items()}
# WEEX-WS.md §1.5: "depth" alone means 15 levels.
_DEPTHS = {"depth": "15", "depth15": "15", "depth200": "200"}
# WEEX-WS.md §1.5 ticker wire names of the decimal fields, in DESIGN.md §1 order;
# "P" (change, a fraction) and "n" (trade count) are handled on their own.
_TICKER_NUMBERS = (
    ("last", "c"),
    ("mark", "m"),
    ("index", "i"),
    ("open", "o"),
    ("high", "h"),
    ("low", "l"),
    ("volume", "v"),
    ("quote_volume", "q"),
    ("change_abs", "p"),
)
# The same fields plus "P" and "n", in that order, read in one call on the fast
# path of a complete contract ticker.
_TICKER_WIRE = itemgetter(*(src for _, src in _TICKER_NUMBERS), "P", "n")
# Wire symbol -> (user symbol, ticker event name); bounded like symbols._normalize.
_SYMBOL_CACHE_LIMIT = 4096
# A depth side missing from the frame (distinct from an explicit null).
_ABSENT: Any = object()

_Handler = Callable[[dict[str, Any], float], Decoded]
_loads = orjson.loads


def _dumps(obj: dict[str, Any]) -> str:
    return orjson.dumps(obj).decode()


def _why(msg: Any, exc: BaseException) -> str:
    """A short reason for a malformed frame, naming the frame type."""
    if type(msg) is not dict:
        return "not a JSON object"
    kind = msg.get("e")
    what = f"{kind!s:.30} frame" if kind is not None else "frame"
    if isinstance(exc, KeyError):
        return f"malformed {what}: missing field {exc}"
    return f"malformed {what}: {type(exc).__name__}: {exc!s:.100}"


def _levels(rows: Any) -> list[tuple[str, str]]:
    """``[[price, size], ...]`` as ``(price, size)`` text tuples (WEEX-WS.md §1.5).

    ``_ABSENT`` (the side is not in the frame) gives no levels.
    """
    if type(rows) is not list:
        if rows is _ABSENT:
            return []
        raise TypeError("depth side is not a list")
    out = []
    for row in rows:
        # The common [price, size] pair of strings is checked inline; anything
        # else (longer rows, wrong types) goes through the precise checks.
        if type(row) is list and len(row) == 2:
            price, size = row
            if type(price) is str and type(size) is str:
                out.append((price, size))
                continue
        if type(row) is not list or len(row) < 2:
            raise TypeError("depth level is not a [price, size] pair")
        out.append((to_text(row[0]), to_text(row[1])))
    return out


class V3Codec:
    """Encode V3 commands and decode V3 frames.

    Args:
        number_type: type of prices, sizes and amounts in ``data``: ``str``
            (exact wire text), ``decimal.Decimal`` or ``float``.
        marks: a dict shared by a client's public and private codecs: ticker
            frames store the latest mark price text per symbol in it, position
            frames read it to compute ``unrealized_pnl``.

    Raises:
        ConfigError: ``number_type`` is not one of the three.
    """

    batch_commands = True

    def __init__(
        self, *, number_type: type = str, marks: dict[str, str] | None = None
    ) -> None:
        norm = self._norm = Normalizer(number_type, marks)
        self.marks = norm.marks
        self._klines = KlineTracker()
        self._symbols: dict[str, tuple[str, str]] = {}
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
        self._private_items = {
            "account": self._account,
            "position": norm.position,
            "order": norm.order,
            "fill": norm.fill,
        }
        self._handlers: dict[str, _Handler] = {
            "ticker": self._ticker,
            "depth": self._depth,
            "depthSnapshot": self._depth,
            "trade": self._trades,
            "tradeSnapshot": self._trades,
            "kline": self._kline,
            "klineSnapshot": self._kline,
            "account": self._private,
            "positions": self._private,
            "orders": self._private,
            "fill": self._private,
        }

    # -- channels and commands -------------------------------------------------

    def channel_param(self, channel: Channel) -> str:
        """The V3 param of ``channel``: ``"BTCUSDT@ticker"``, ``"orders"``...

        Raises:
            ConfigError: the channel has no V3 form (unknown kind, missing or bad
                symbol, bad depth or interval).
        """
        kind, symbol, arg = channel
        private = _PRIVATE_PARAMS.get(kind)
        if private is not None:
            return private
        if symbol is None:
            raise ConfigError("symbol", f"channel {kind!r} needs a symbol")
        sym = user_symbol(symbol)
        if kind == "ticker":
            return f"{sym}@ticker"
        if kind == "trade":
            return f"{sym}@trade"
        if kind == "book":
            depth = arg or "15"
            if depth not in ("15", "200"):
                raise ConfigError("level", f"WEEX serves 15 or 200 levels, not {arg!r}")
            return f"{sym}@depth{depth}"
        if kind == "kline":
            interval = arg or "1m"
            if split_kline_arg(interval) is None:
                raise ConfigError("interval", f"not a WEEX kline interval: {arg!r}")
            return f"{sym}@kline_{interval}"
        raise ConfigError("kind", f"no V3 channel for {kind!r}")

    def channel_of(self, param: str) -> Channel | None:
        """The channel a V3 param names (symbol case-insensitive), else ``None``."""
        if not isinstance(param, str):
            return None
        kind = _PRIVATE_KINDS.get(param)
        if kind is not None:
            return Channel(kind)
        symbol, at, stream = param.partition("@")
        if not at:
            return None
        try:
            sym = user_symbol(symbol)
        except ConfigError:
            return None
        if stream in ("ticker", "trade"):
            return Channel(stream, sym)
        depth = _DEPTHS.get(stream)
        if depth is not None:
            return Channel("book", sym, depth)
        if stream.startswith("kline_") and split_kline_arg(stream[6:]) is not None:
            return Channel("kline", sym, stream[6:])
        return None

    def encode_subscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"method":"SUBSCRIBE","params":[..],"id":n}`` (WEEX-WS.md §1.4)."""
        return _dumps({"method": "SUBSCRIBE", "params": list(params), "id": req_id})

    def encode_unsubscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"method":"UNSUBSCRIBE","params":[..],"id":n}`` (WEEX-WS.md §1.4)."""
        return _dumps({"method": "UNSUBSCRIBE", "params": list(params), "id": req_id})

    def encode_ping(self, req_id: int) -> str:
        """``{"method":"PING","id":n}``; the server acks it as a :class:`Reply`."""
        return _dumps({"method": "PING", "id": req_id})

    def encode_pong(self, ping: ServerPing, req_id: int) -> str:
        """``{"method":"PONG","id":n}``; V3 does not echo the ping's time (§1.3)."""
        return _dumps({"method": "PONG", "id": req_id})

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
            return self._other(msg)
        except MALFORMED as exc:
            raise DecodeError(_why(msg, exc), frame) from exc

    def _other(self, msg: dict[str, Any]) -> Decoded:
        kind = msg.get("e")
        if kind is not None:
            return UnknownPush(kind if type(kind) is str else "unknown", msg)
        return self._control(msg)

    def _control(self, msg: dict[str, Any]) -> Decoded:
        if "result" in msg:
            return self._reply(msg)
        event = msg.get("event")
        if event == "ping":
            # WEEX-WS.md §1.3: public ping {"event":"ping","time":"<ms>"}.
            return ServerPing(_ping_time(msg.get("time")), private=False)
        if event == "connected":
            # WEEX-WS.md §1.1: greeting {"cid":..,"event":"connected","time":"<ms>"}.
            cid, time = msg.get("cid"), msg.get("time")
            return Greeting(
                None if cid is None else str(cid),
                None if time is None else to_int(time),
            )
        if msg.get("type") == "ping":
            # WEEX-WS.md §1.3: private ping {"type":"ping","time":"<ms>"}.
            return ServerPing(_ping_time(msg.get("time")), private=True)
        return UnknownPush("unknown", msg)

    @staticmethod
    def _reply(msg: dict[str, Any]) -> Reply:
        # WEEX-WS.md §1.4: ids are echoed as sent (int or numeric string); a
        # reject of an unparseable message has no id.
        ok = msg["result"]
        if type(ok) is not bool:
            raise TypeError("'result' is not a boolean")
        req_id = msg.get("id")
        if req_id is not None and type(req_id) is not int and type(req_id) is not str:
            raise TypeError("'id' is neither an integer nor a string")
        text = msg.get("msg")
        return Reply(req_id, ok, None if text is None else str(text))

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
        # _ticker_fields, which also raises the precise error.
        s = msg["s"]
        try:
            symbol, event = self._symbols[s]
        except (KeyError, TypeError):
            symbol, event = self._names(s)
        item = msg["d"][0]
        if self._text:
            try:
                last, mark, index, open_, high, low, vol, qvol, delta, change, n = (
                    _TICKER_WIRE(item)
                )
                "".join((last, mark, index, open_, high, low, vol, qvol, delta, change))
            except (KeyError, TypeError):
                pass
            else:
                if n.__class__ is int:
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
                        "change": percent_text(change),
                        "trades": n,
                    }
                    self.marks[symbol] = mark
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
        return self._ticker_fields(msg, item, symbol, event, received_at)

    def _ticker_fields(
        self,
        msg: dict[str, Any],
        item: Any,
        symbol: str,
        event: str,
        received_at: float,
    ) -> Decoded:
        """A ticker field by field: keys may be missing, any number_type."""
        get = item.get
        data: dict[str, Any] = {"symbol": symbol}
        if self._text:
            for out, src in _TICKER_NUMBERS:
                value = get(src)
                if type(value) is str:
                    data[out] = value
                elif value is not None:
                    raise TypeError(f"ticker field {src!r} is not a string")
        else:
            num = self._norm.num
            for out, src in _TICKER_NUMBERS:
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

    def _trades(self, msg: dict[str, Any], received_at: float) -> Decoded:
        symbol = self._names(msg["s"])[0]
        stamp = msg.get("E")
        frame_time = received_at if stamp is None else stamp / 1000
        event = "trade:" + symbol
        pick = self._norm.pick
        out = []
        for item in msg["d"]:
            data: dict[str, Any] = {"symbol": symbol}
            pick(data, item, self._trade_fields)
            maker = item.get("m")
            if maker is not None:
                # DESIGN.md §3: side is the taker's; buyer is maker -> taker sold.
                data["side"] = "sell" if to_bool(maker) else "buy"
            when = item.get("T")
            timestamp = frame_time
            if when is not None:
                data["time"] = when = to_int(when)
                timestamp = when / 1000  # the trade's own time
            out.append(
                new_message(event, "trade", symbol, data, timestamp, received_at, item)
            )
        return out

    def _kline(self, msg: dict[str, Any], received_at: float) -> Decoded:
        symbol = self._names(msg["s"])[0]
        basis = msg.get("p")
        if basis is not None:
            to_text(basis)
        stamp = msg.get("E")
        timestamp = received_at if stamp is None else stamp / 1000
        pick = self._norm.pick
        bars = []
        for item in msg["d"]:
            data: dict[str, Any] = {"symbol": symbol}
            pick(data, item, self._kline_fields)
            if "start" not in data:
                raise KeyError("t")
            bars.append(((symbol, data.get("interval"), basis), data, item))
        if msg["e"] == "klineSnapshot":
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
        bids = _levels(msg.get("b", _ABSENT))
        asks = _levels(msg.get("a", _ABSENT))
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

    def _account(self, item: Any, symbol: str | None, reason: Any) -> dict[str, Any]:
        return self._norm.account(item, "coin", reason)

    def _private(self, msg: dict[str, Any], received_at: float) -> Decoded:
        # WEEX-WS.md §1.6: {"e","E","v","msgEvent","d":[..]}, one message per item.
        kind = _PRIVATE_KINDS[msg["e"]]
        normalize = self._private_items[kind]
        items = msg["d"]
        if type(items) is not list:
            raise TypeError("'d' is not a list")
        reason = msg.get("msgEvent")
        if reason is not None:
            to_text(reason)
        stamp = msg.get("E")
        timestamp = received_at if stamp is None else stamp / 1000
        out = []
        for item in items:
            if type(item) is not dict:
                raise TypeError("private item is not an object")
            raw_symbol = item.get("symbol")
            symbol = user_symbol(raw_symbol) if raw_symbol else None
            data = normalize(item, symbol, reason)
            event = kind if symbol is None else f"{kind}:{symbol}"
            out.append(
                new_message(event, kind, symbol, data, timestamp, received_at, item)
            )
        return out


def _ping_time(value: Any) -> str | None:
    """A ping's time as text; V3 never echoes it, V2 does (§1.3, §2)."""
    if value is None or type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise TypeError("ping 'time' is neither a string nor an integer")
