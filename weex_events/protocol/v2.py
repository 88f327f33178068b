"""The V2 codec: WEEX's legacy WebSocket generation (WEEX-WS.md §2).

V2 names channels with dots (``ticker.cmt_btcusdt``), sends one channel per
command, replies by channel instead of by id, and wraps pushes in
``{"event":"payload","channel":..,"data":[..]}`` (public) or
``{"type":"trade-event",..,"msg":{"data":{key:[..]}}}`` (private).
:class:`V2Codec` gives users exactly the events and normalized data the V3 codec
gives for the same facts; it shares the rules in :mod:`.normalize`.

Imports: ``errors``, ``events``, ``protocol`` (its control types), ``.normalize``,
``.symbols``, orjson.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from ..errors import ConfigError, DecodeError
from ..events import Channel, StreamMessage
from . import Decoded, DepthUpdate, Reply, ServerPing, UnknownPush
from .normalize import (
    MALFORMED,
    Field,
    KlineTracker,
    Normalizer,
    split_kline_arg,
    to_bool,
    to_int,
    to_text,
)
from .symbols import from_v2, to_v2

__all__ = ["V2Codec"]

# WEEX-WS.md §2: private channels and the key their list sits under in msg.data.
_PRIVATE_PARAMS = {
    "order": "orders",
    "position": "positions",
    "fill": "fill",
    "account": "account",
}
_PRIVATE_KINDS = {param: kind for kind, param in _PRIVATE_PARAMS.items()}
_PRIVATE_DATA_KEYS = {
    "account": "collateral",
    "position": "position",
    "fill": "orderFillTransaction",
    "order": "order",
}
# WEEX-WS.md §2: kline interval names.
_INTERVALS = {
    "1m": "MINUTE_1",
    "5m": "MINUTE_5",
    "15m": "MINUTE_15",
    "30m": "MINUTE_30",
    "1h": "HOUR_1",
    "2h": "HOUR_2",
    "4h": "HOUR_4",
    "6h": "HOUR_6",
    "8h": "HOUR_8",
    "12h": "HOUR_12",
    "1d": "DAY_1",
    "1w": "WEEK_1",
    "1M": "MONTH_1",
}
_INTERVALS_BACK = {wire: user for user, wire in _INTERVALS.items()}
_BASES = ("LAST_PRICE", "MARK_PRICE")
_REPLY_ACTIONS = {"subscribed": "subscribe", "unsubscribed": "unsubscribe"}

_Handler = Callable[[dict[str, Any], list[str], float], Decoded]


def _dumps(obj: dict[str, Any]) -> str:
    return orjson.dumps(obj).decode()


def _why(msg: Any, exc: BaseException) -> str:
    """A short reason for a malformed frame, naming its channel."""
    if type(msg) is not dict:
        return "not a JSON object"
    channel = msg.get("channel")
    what = f"{channel!s:.40} frame" if channel is not None else "frame"
    if isinstance(exc, KeyError):
        return f"malformed {what}: missing field {exc}"
    return f"malformed {what}: {type(exc).__name__}: {exc!s:.100}"


def _levels(rows: Any) -> list[tuple[str, str]]:
    """``[{"price":..,"size":..}, ...]`` as ``(price, size)`` text tuples (§2)."""
    if type(rows) is not list:
        raise TypeError("depth side is not a list")
    return [(to_text(row["price"]), to_text(row["size"])) for row in rows]


class V2Codec:
    """Encode V2 commands and decode V2 frames into V3-identical messages.

    Args:
        number_type: type of prices, sizes and amounts in ``data``: ``str``
            (exact wire text), ``decimal.Decimal`` or ``float``.
        marks: a dict shared by a client's public and private codecs: ticker
            frames store the latest mark price text per symbol in it, position
            frames read it to compute ``unrealized_pnl``.

    Raises:
        ConfigError: ``number_type`` is not one of the three.
    """

    batch_commands = False

    def __init__(
        self, *, number_type: type = str, marks: dict[str, str] | None = None
    ) -> None:
        norm = self._norm = Normalizer(number_type, marks)
        self.marks = norm.marks
        self._klines = KlineTracker()
        num = norm.num
        # WEEX-WS.md §2 wire names -> DESIGN.md §1 keys (V2 has no open or index).
        self._ticker_fields: tuple[Field, ...] = (
            ("last", "lastPrice", num),
            ("mark", "markPrice", num),
            ("high", "high", num),
            ("low", "low", num),
            ("volume", "size", num),
            ("quote_volume", "value", num),
            ("change_abs", "priceChange", num),
            ("change", "priceChangePercent", norm.percent),
            ("trades", "trades", to_int),
        )
        self._trade_fields: tuple[Field, ...] = (
            ("price", "price", num),
            ("size", "size", num),
            ("value", "value", num),
        )
        self._kline_fields: tuple[Field, ...] = (
            ("start", "klineTime", to_int),
            ("open", "open", num),
            ("high", "high", num),
            ("low", "low", num),
            ("close", "close", num),
            ("volume", "size", num),
            ("quote_volume", "value", num),
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
            "trades": self._trades,
            "kline": self._kline,
            "account": self._private,
            "positions": self._private,
            "orders": self._private,
            "fill": self._private,
        }

    # -- channels and commands -------------------------------------------------

    def channel_param(self, channel: Channel) -> str:
        """The V2 channel name: ``"ticker.cmt_btcusdt"``, ``"orders"``...

        Raises:
            ConfigError: the channel has no V2 form.
        """
        kind, symbol, arg = channel
        private = _PRIVATE_PARAMS.get(kind)
        if private is not None:
            return private
        if symbol is None:
            raise ConfigError("symbol", f"channel {kind!r} needs a symbol")
        sym = to_v2(symbol)
        if kind == "ticker":
            return f"ticker.{sym}"
        if kind == "trade":
            return f"trades.{sym}"
        if kind == "book":
            depth = arg or "15"
            if depth not in ("15", "200"):
                raise ConfigError("level", f"WEEX serves 15 or 200 levels, not {arg!r}")
            return f"depth.{sym}.{depth}"
        if kind == "kline":
            split = split_kline_arg(arg or "1m")
            if split is None:
                raise ConfigError("interval", f"not a WEEX kline interval: {arg!r}")
            interval, basis = split
            return f"kline.{basis}.{sym}.{_INTERVALS[interval]}"
        raise ConfigError("kind", f"no V2 channel for {kind!r}")

    def channel_of(self, param: str) -> Channel | None:
        """The channel a V2 name denotes, else ``None``.

        A ``LAST_PRICE`` kline maps to the plain interval (``"1m"``), a
        ``MARK_PRICE`` one to ``"1m_MARK_PRICE"``.
        """
        if not isinstance(param, str):
            return None
        kind = _PRIVATE_KINDS.get(param)
        if kind is not None:
            return Channel(kind)
        parts = param.split(".")
        try:
            if parts[0] in ("ticker", "trades") and len(parts) == 2:
                name = "ticker" if parts[0] == "ticker" else "trade"
                return Channel(name, from_v2(parts[1]))
            if parts[0] == "depth" and len(parts) == 3 and parts[2] in ("15", "200"):
                return Channel("book", from_v2(parts[1]), parts[2])
            if parts[0] == "kline" and len(parts) == 4 and parts[1] in _BASES:
                interval = _INTERVALS_BACK.get(parts[3])
                if interval is not None:
                    if parts[1] == "MARK_PRICE":
                        interval += "_MARK_PRICE"
                    return Channel("kline", from_v2(parts[2]), interval)
        except ConfigError:
            return None
        return None

    def encode_subscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"event":"subscribe","channel":..}``; V2 takes one channel per command.

        Raises:
            ConfigError: ``params`` does not hold exactly one channel.
        """
        return _dumps({"event": "subscribe", "channel": _single(params)})

    def encode_unsubscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"event":"unsubscribe","channel":..}``; one channel per command.

        Raises:
            ConfigError: ``params`` does not hold exactly one channel.
        """
        return _dumps({"event": "unsubscribe", "channel": _single(params)})

    def encode_ping(self, req_id: int) -> str:
        """``{"event":"ping","time":"<req_id>"}``.

        WEEX-WS.md §2 documents only server pings; the client's keepalive should
        rely on WebSocket pings instead.
        """
        return _dumps({"event": "ping", "time": str(req_id)})

    def encode_pong(self, ping: ServerPing, req_id: int) -> str:
        """``{"event":"pong","time":..}`` echoing the ping's time (WEEX-WS.md §2)."""
        if ping.time is None:
            return _dumps({"event": "pong"})
        return _dumps({"event": "pong", "time": ping.time})

    # -- decoding --------------------------------------------------------------

    def decode(self, frame: str | bytes, received_at: float) -> Decoded:
        """Decode one text frame; same results and guarantees as the V3 codec.

        V2 replies carry a channel, not an id: acks become
        ``Reply(None, True, channel=.., action="subscribe"|"unsubscribe")`` and
        errors ``Reply(None, False, msg, channel=..)``.

        Raises:
            DecodeError: invalid JSON, not a JSON object, or a known push with a
                missing or wrongly typed field. Nothing else escapes.
        """
        try:
            msg = orjson.loads(frame)
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise DecodeError(f"invalid JSON: {exc!s:.100}", frame) from None
        try:
            event = msg.get("event")
            if event == "payload":
                channel = msg["channel"]
                parts = channel.split(".")
                handler = self._handlers.get(parts[0])
                if handler is None:
                    return UnknownPush(parts[0], msg)
                return handler(msg, parts, received_at)
            return self._control(event, msg)
        except MALFORMED as exc:
            raise DecodeError(_why(msg, exc), frame) from exc

    @staticmethod
    def _control(event: Any, msg: dict[str, Any]) -> Decoded:
        if event == "ping":
            # WEEX-WS.md §2: {"event":"ping","time":"<ms>"}, echoed in the pong.
            time = msg.get("time")
            if time is not None and type(time) is not str:
                time = str(to_int(time))
            return ServerPing(time, private=False)
        channel = msg.get("channel")
        if channel is not None:
            to_text(channel)
        action = _REPLY_ACTIONS.get(event) if type(event) is str else None
        if action is not None:
            return Reply(None, True, channel=channel, action=action)
        if event == "error":
            # WEEX-WS.md §2 [open]: {"event":"error","channel":..,"code":..,"msg":..}.
            text = msg.get("msg")
            return Reply(None, False, None if text is None else str(text), channel)
        if event == "pong":
            # An answer to encode_ping; it matches no pending command.
            return Reply(None, True, action="pong")
        return UnknownPush(event if type(event) is str else "unknown", msg)

    def _ticker(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        symbol = from_v2(parts[1])
        event = "ticker:" + symbol
        pick = self._norm.pick
        out = []
        for item in msg["data"]:
            data: dict[str, Any] = {"symbol": symbol}
            pick(data, item, self._ticker_fields)
            mark = item.get("markPrice")
            if type(mark) is str:
                self.marks[symbol] = mark
            # V2 tickers carry no event time.
            out.append(
                StreamMessage(
                    event, "ticker", symbol, data, received_at, received_at, item
                )
            )
        return out

    def _trades(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        # WEEX-WS.md §2: no trade id and no symbol in the item.
        symbol = from_v2(parts[1])
        event = "trade:" + symbol
        pick = self._norm.pick
        out = []
        for item in msg["data"]:
            data: dict[str, Any] = {"symbol": symbol}
            pick(data, item, self._trade_fields)
            maker = item.get("buyerMaker")
            if maker is not None:
                # DESIGN.md §3: side is the taker's; buyer is maker -> taker sold.
                data["side"] = "sell" if to_bool(maker) else "buy"
            timestamp = received_at
            when = item.get("time")
            if when is not None:
                data["time"] = when = to_int(when)
                timestamp = when / 1000
            out.append(
                StreamMessage(
                    event, "trade", symbol, data, timestamp, received_at, item
                )
            )
        return out

    def _kline(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        # kline.<basis>.<symbol>.<interval>; the item has no interval (§2).
        _, basis, wire_symbol, wire_interval = parts
        symbol = from_v2(wire_symbol)
        interval = _INTERVALS_BACK[wire_interval]
        pick = self._norm.pick
        bars = []
        for item in msg["data"]:
            data: dict[str, Any] = {"symbol": symbol, "interval": interval}
            pick(data, item, self._kline_fields)
            if "start" not in data:
                raise KeyError("klineTime")
            bars.append(((symbol, interval, basis), data, item))
        if msg.get("type") == "snapshot":
            closed = self._klines.snapshot(bars)
        else:
            closed = []
            for series, data, item in bars:
                closed += self._klines.update(series, data, item)
        event = "kline:" + symbol
        return [
            StreamMessage(event, "kline", symbol, data, received_at, received_at, item)
            for data, item in closed
        ]

    def _depth(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        items = msg["data"]
        if type(items) is not list or len(items) != 1:
            # Dropping items would corrupt the book; refusing makes it resync.
            raise ValueError("expected exactly one depth item")
        item = items[0]
        level = item.get("level")
        return DepthUpdate(
            symbol=from_v2(parts[1]),
            level=to_int(parts[2] if level is None else level),
            snapshot=item.get("depthType") == "SNAPSHOT",
            first=to_int(item["startVersion"]),
            last=to_int(item["endVersion"]),
            bids=_levels(item.get("bids", [])),
            asks=_levels(item.get("asks", [])),
            timestamp=received_at,
            received_at=received_at,
            raw=item,
        )

    def _account(self, item: Any, symbol: str | None, reason: Any) -> dict[str, Any]:
        return self._norm.account(item, "coinId", reason)

    def _private(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        # WEEX-WS.md §2: msg.data.<key> holds the list; contractId is the symbol.
        kind = _PRIVATE_KINDS[parts[0]]
        normalize = self._private_items[kind]
        body = msg["msg"]
        items = body["data"][_PRIVATE_DATA_KEYS[kind]]
        if type(items) is not list:
            raise TypeError(f"msg.data.{_PRIVATE_DATA_KEYS[kind]} is not a list")
        reason = body.get("msgEvent")
        if reason is not None:
            to_text(reason)
        stamp = body.get("time")
        timestamp = received_at if stamp is None else to_int(stamp) / 1000
        out = []
        for item in items:
            if type(item) is not dict:
                raise TypeError("private item is not an object")
            raw_symbol = item.get("contractId")
            symbol = from_v2(raw_symbol) if raw_symbol else None
            data = normalize(item, symbol, reason)
            event = kind if symbol is None else f"{kind}:{symbol}"
            out.append(
                StreamMessage(event, kind, symbol, data, timestamp, received_at, item)
            )
        return out


def _single(params: Sequence[str]) -> str:
    if len(params) != 1:
        raise ConfigError(
            "params", f"V2 takes one channel per command, not {len(params)}"
        )
    return params[0]
