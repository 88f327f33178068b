"""The V2 codec: WEEX's legacy WebSocket generation (WEEX-WS.md §2).

V2 names channels with dots (``ticker.cmt_btcusdt``), sends one channel per
command, replies by channel instead of by id, and wraps pushes in
``{"event":"payload","channel":..,"data":[..]}`` (public) or
``{"type":"trade-event",..,"msg":{"data":{key:[..]}}}`` (private).
:class:`V2Codec` gives users exactly the events and normalized data the V3 codec
gives for the same facts: it reads its own wire format and leaves the rest
(messages from trades, bars and private items, the closed flag, the rules of
:mod:`.normalize`) to :class:`~.codec.BaseCodec`, which the V3 codec shares.

Imports: ``errors``, ``events``, ``protocol`` (its types), ``.codec``,
``.control``, ``.normalize``, ``.numbers``, ``.symbols``, orjson.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from ..errors import ConfigError, DecodeError
from . import Decoded, DepthUpdate, ServerPing, UnknownPush, new_message
from .codec import MALFORMED, PRIVATE_KINDS, BaseCodec, dumps
from .control import v2_control
from .normalize import Field
from .numbers import to_int, to_text
from .symbols import from_v2, to_v2

__all__ = ["V2Codec"]

# WEEX-WS.md §2: the key a private channel's list sits under in msg.data.
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

_Handler = Callable[[dict[str, Any], list[str], float], Decoded]


def _levels(rows: Any) -> list[tuple[str, str]]:
    """``[{"price":..,"size":..}, ...]`` as ``(price, size)`` text tuples (§2)."""
    if type(rows) is not list:
        raise TypeError("depth side is not a list")
    return [(to_text(row["price"]), to_text(row["size"])) for row in rows]


class V2Codec(BaseCodec):
    """Encode V2 commands and decode V2 frames into V3-identical messages.

    Arguments, attributes and errors as for :class:`~.codec.BaseCodec`.
    """

    generation = "V2"
    _FRAME_LABEL = ("channel", 40)
    _COIN_KEY = "coinId"
    _SYMBOL_KEY = "contractId"
    _MAKER_KEY = "buyerMaker"
    _TRADE_TIME_KEY = "time"
    _wire_symbol = staticmethod(to_v2)

    def __init__(
        self,
        *,
        number_type: type = str,
        marks: dict[str, str] | None = None,
        market: str = "contract",
    ) -> None:
        super().__init__(number_type=number_type, marks=marks, market=market)
        norm = self._norm
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
        # Channel prefix -> decoder, from the kinds registry.
        self._handlers: dict[str, _Handler] = self._push_table(
            {
                "ticker": self._ticker,
                "depth": self._depth,
                "trades": self._trades,
                "kline": self._kline,
                "private": self._private,
            }
        )

    # -- channels and commands -------------------------------------------------

    def _kline_parts(self, interval: str, basis: str) -> dict[str, str]:
        # WEEX-WS.md §2: kline.<basis>.<symbol>.<interval name>.
        return {"basis": basis, "interval": _INTERVALS[interval]}

    def encode_subscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"event":"subscribe","channel":..}``; V2 takes one channel per command.

        Raises:
            ConfigError: ``params`` does not hold exactly one channel.
        """
        return dumps({"event": "subscribe", "channel": _single(params)})

    def encode_unsubscribe(self, params: Sequence[str], req_id: int) -> str:
        """``{"event":"unsubscribe","channel":..}``; one channel per command.

        Raises:
            ConfigError: ``params`` does not hold exactly one channel.
        """
        return dumps({"event": "unsubscribe", "channel": _single(params)})

    def encode_pong(self, ping: ServerPing, req_id: int) -> str:
        """``{"event":"pong","time":..}`` echoing the ping's time (WEEX-WS.md §2)."""
        if ping.time is None:
            return dumps({"event": "pong"})
        return dumps({"event": "pong", "time": ping.time})

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
            return v2_control(event, msg)
        except MALFORMED as exc:
            raise DecodeError(self._why(msg, exc), frame) from exc

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
                new_message(
                    event, "ticker", symbol, data, received_at, received_at, item
                )
            )
        return out

    def _trades(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        # WEEX-WS.md §2: no trade id and no symbol in the item, no frame time.
        symbol = from_v2(parts[1])
        return self._trade_messages(symbol, msg["data"], received_at, received_at)

    def _kline(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        # kline.<basis>.<symbol>.<interval>; the item has no interval (§2), and
        # the frame no time.
        _, basis, wire_symbol, wire_interval = parts
        symbol = from_v2(wire_symbol)
        interval = _INTERVALS_BACK[wire_interval]
        snapshot = msg.get("type") == "snapshot"
        return self._kline_messages(
            symbol, interval, basis, msg["data"], snapshot, received_at, received_at
        )

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

    def _private(
        self, msg: dict[str, Any], parts: list[str], received_at: float
    ) -> Decoded:
        # WEEX-WS.md §2: msg.data.<key> holds the list; contractId is the symbol.
        kind = PRIVATE_KINDS[parts[0]]
        body = msg["msg"]
        items = body["data"][_PRIVATE_DATA_KEYS[kind]]
        if type(items) is not list:
            raise TypeError(f"msg.data.{_PRIVATE_DATA_KEYS[kind]} is not a list")
        reason = body.get("msgEvent")
        if reason is not None:
            to_text(reason)
        stamp = body.get("time")
        timestamp = received_at if stamp is None else to_int(stamp) / 1000
        return self._private_messages(kind, items, reason, timestamp, received_at)


def _single(params: Sequence[str]) -> str:
    if len(params) != 1:
        raise ConfigError(
            "params", f"V2 takes one channel per command, not {len(params)}"
        )
    return params[0]
