"""The simulator's own encoders for WEEX V2 (legacy) frames and REST bodies.

Written from WEEX-WS.md §2 and §3 (V2 column) and the published ``contract-v2-*``
frames, independently of the client's codec. V2 differs from V3 in spelling, not in
facts, so the numbers are the same text as V3's (``sim.instruments``):

- symbols are ``cmt_<base><quote>`` in lower case (``cmt_btcusdt``);
- public pushes are ``{"event":"payload","channel":..,"data":[..]}`` (klines add
  ``"type":"snapshot"|"change"``); every number inside an item is a string except
  the depth ``level``, times included (``"time"``, ``"klineTime"``);
- private pushes are ``{"type":"trade-event","channel":..,"event":"payload","msg":
  {"msgEvent","version","data":{<key>:[..]},"time"}}``; items are V3's
  (``sim.private_frames``) with ``contractId``/``coinId`` for ``symbol``/``coin`` and
  V2's enum words: ``SHARED`` cross margin, ``IMMEDIATE_OR_CANCEL``, and
  ``UNKNOWN_PRICE_TYPE`` for an order without trigger. WEEX-WS.md names only those;
  ``GOOD_TIL_CANCEL`` and ``FILL_OR_KILL`` are the spellings of the sibling engine
  that WEEX-WS.md §2 cites for V2's depth rules (the simulator's choice);
- errors are ``{"event":"error","channel":..,"code":"40020","msg":..}`` on the
  socket (WEEX-WS.md §2 [open]) and ``{"code":"40020","msg":..,"requestTime":..,
  "data":null}`` over REST (§3): codes are strings.

Imports: stdlib, ``orjson``, ``sim.instruments``/``sim.candles``/``sim.market``/
``sim.private_events``/``sim.private_frames``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from . import private_frames
from .candles import Bar
from .instruments import Instrument, ratio
from .ledger import Position, Wallet
from .market import TickerStats, Trade
from .orders import Fill, Order
from .private_events import Item, PrivateEvent

__all__ = [
    "DATA_KEYS",
    "PARAMETER_INVALID",
    "contracts",
    "depth",
    "error",
    "klines",
    "ping",
    "pong",
    "private_item",
    "private_push",
    "rest_depth",
    "rest_depth_unknown",
    "rest_error",
    "rest_time",
    "subscribed",
    "ticker",
    "trades",
    "unsubscribed",
    "v2_symbol",
]

Level = tuple[int, int]

#: WEEX-WS.md §2/§3: the V2 parameter-error code, a string.
PARAMETER_INVALID = "40020"
#: WEEX-WS.md §2: the key the item list sits under in ``msg.data``, per channel.
DATA_KEYS = {
    "account": "collateral",
    "positions": "position",
    "fill": "orderFillTransaction",
    "orders": "order",
}
_PREFIX = "cmt_"
# WEEX-WS.md §2: "Field names are V3's with contractId for symbol and coinId for
# coin"; crossSymbol follows the same rule (the published account frame).
_RENAMED = {"coin": "coinId", "symbol": "contractId", "crossSymbol": "crossContractId"}
_MARGIN_MODES = {"CROSSED": "SHARED"}
_TIMES_IN_FORCE = {
    "GTC": "GOOD_TIL_CANCEL",
    "IOC": "IMMEDIATE_OR_CANCEL",
    "FOK": "FILL_OR_KILL",
    "POST_ONLY": "POST_ONLY",
}
_TRIGGER_TYPES = {"CONTRACT_PRICE": "UNKNOWN_PRICE_TYPE"}


def _dump(obj: Any) -> bytes:
    return orjson.dumps(obj)


def v2_symbol(symbol: str) -> str:
    """``BTCUSDT`` → ``cmt_btcusdt`` (WEEX-WS.md §2)."""
    return _PREFIX + symbol.lower()


# -- control frames (WEEX-WS.md §2) ---------------------------------------------------


def ping(time: str) -> bytes:
    """The server ping ``{"event":"ping","time":"<ms>"}``."""
    return _dump({"event": "ping", "time": time})


def pong(time: object) -> bytes:
    """``{"event":"pong","time":..}``, the answer to a client's own ping."""
    if time is None:
        return _dump({"event": "pong"})
    return _dump({"event": "pong", "time": time})


def subscribed(channel: str) -> bytes:
    """``{"event":"subscribed","channel":..}`` with the channel as sent."""
    return _dump({"event": "subscribed", "channel": channel})


def unsubscribed(channel: str) -> bytes:
    """``{"event":"unsubscribed","channel":..}`` with the channel as sent."""
    return _dump({"event": "unsubscribed", "channel": channel})


def error(channel: str | None, msg: str, code: str = PARAMETER_INVALID) -> bytes:
    """``{"event":"error","channel":..,"code":..,"msg":..}`` (no channel if none)."""
    body: dict[str, Any] = {"event": "error"}
    if channel is not None:
        body["channel"] = channel
    body.update(code=code, msg=msg)
    return _dump(body)


# -- public pushes (WEEX-WS.md §2) ----------------------------------------------------


def _payload(channel: str, items: list[dict[str, Any]]) -> bytes:
    return _dump({"event": "payload", "channel": channel, "data": items})


def _levels(inst: Instrument, levels: Iterable[Level]) -> list[dict[str, str]]:
    # Size "0" deletes a level (also one that left the window), written bare.
    return [
        {"price": inst.price(p), "size": inst.size(q) if q else "0"} for p, q in levels
    ]


def depth(
    inst: Instrument,
    channel: str,
    *,
    first: int,
    last: int,
    levels: int,
    snapshot: bool,
    bids: Iterable[Level],
    asks: Iterable[Level],
) -> bytes:
    """One depth push: ``startVersion`` = ``first``, ``endVersion`` = ``last``."""
    item = {
        "startVersion": str(first),
        "endVersion": str(last),
        "level": levels,
        "depthType": "SNAPSHOT" if snapshot else "CHANGED",
        "symbol": v2_symbol(inst.symbol),
        "asks": _levels(inst, asks),
        "bids": _levels(inst, bids),
    }
    return _payload(channel, [item])


def ticker(inst: Instrument, channel: str, stats: TickerStats) -> bytes:
    """A ticker push; ``priceChangePercent`` is a fraction, ``trades`` a string."""
    change = stats.last - stats.open
    item = {
        "symbol": v2_symbol(inst.symbol),
        "priceChange": inst.price(change),
        "priceChangePercent": ratio(change, stats.open, 6),
        "trades": str(stats.count),
        "size": inst.size(stats.volume),
        "value": inst.quote_value(stats.quote_volume),
        "high": inst.price(stats.high),
        "low": inst.price(stats.low),
        "lastPrice": inst.price(stats.last),
        "markPrice": inst.price(stats.mark),
    }
    return _payload(channel, [item])


def trades(inst: Instrument, channel: str, items: Sequence[Trade]) -> bytes:
    """A trades push, oldest first: no trade id and no symbol in the items."""
    return _payload(
        channel,
        [
            {
                "time": str(t.time),
                "price": inst.price(t.price),
                "size": inst.size(t.size),
                "value": inst.quote_value(t.price * t.size),
                "buyerMaker": t.buyer_maker,
            }
            for t in items
        ],
    )


def klines(
    inst: Instrument, channel: str, bars: Sequence[Bar], *, snapshot: bool
) -> bytes:
    """A kline push: ``snapshot`` (history, oldest first) or ``change`` (live bar)."""
    symbol = v2_symbol(inst.symbol)
    return _dump(
        {
            "event": "payload",
            "type": "snapshot" if snapshot else "change",
            "channel": channel,
            "data": [
                {
                    "symbol": symbol,
                    "klineTime": str(b.t),
                    "size": inst.size(b.v),
                    "value": inst.quote_value(b.q),
                    "high": inst.price(b.h),
                    "low": inst.price(b.l),
                    "open": inst.price(b.o),
                    "close": inst.price(b.c),
                }
                for b in bars
            ],
        }
    )


# -- private pushes (WEEX-WS.md §2) ---------------------------------------------------


def _respell(item: dict[str, Any]) -> dict[str, Any]:
    """A V3 private item in V2's field names and enum words (module docstring)."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key == "symbol":
            value = v2_symbol(value)
        elif key == "crossSymbol":
            value = v2_symbol(value) if value else "0"
        elif key == "marginMode":
            value = _MARGIN_MODES.get(value, value)
        elif key == "timeInForce":
            value = _TIMES_IN_FORCE.get(value, value)
        elif key == "triggerPriceType":
            value = _TRIGGER_TYPES.get(value, value)
        out[_RENAMED.get(key, key)] = value
    return out


def private_item(item: Item) -> dict[str, Any]:
    """One V2 ``order``, ``orderFillTransaction``, ``position`` or ``collateral``."""
    if isinstance(item, Order):
        return _respell(private_frames.order_item(item))
    if isinstance(item, Fill):
        return _respell(private_frames.fill_item(item))
    if isinstance(item, Position):
        return _respell(private_frames.position_item(item))
    if isinstance(item, Wallet):
        return _respell(private_frames.wallet_item(item))
    raise TypeError(f"no V2 item for {type(item).__name__}")


def private_push(event: PrivateEvent) -> bytes:
    """The ``trade-event`` push of ``event`` (WEEX-WS.md §2)."""
    return _dump(
        {
            "type": "trade-event",
            "channel": event.channel,
            "event": "payload",
            "msg": {
                "msgEvent": event.msg_event,
                "version": event.version,
                "data": {
                    DATA_KEYS[event.channel]: [private_item(i) for i in event.items]
                },
                "time": event.time_ms,
            },
        }
    )


# -- REST bodies (WEEX-WS.md §3, V2 column) -------------------------------------------


def rest_time(now_ms: int) -> dict[str, Any]:
    """``GET /capi/v2/market/time``: ``{"epoch":"s.mmm","iso":..,"timestamp":ms}``."""
    seconds, millis = divmod(now_ms, 1000)
    iso = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "epoch": f"{seconds}.{millis:03d}",
        "iso": f"{iso}.{millis:03d}Z",
        "timestamp": now_ms,
    }


def rest_depth(
    inst: Instrument, bids: Iterable[Level], asks: Iterable[Level], now_ms: int
) -> dict[str, Any]:
    """``GET /capi/v2/market/depth``: ``[price, size]`` pairs, no version."""
    return {
        "asks": [[inst.price(p), inst.size(q)] for p, q in asks],
        "bids": [[inst.price(p), inst.size(q)] for p, q in bids],
        "timestamp": str(now_ms),
    }


def rest_depth_unknown() -> dict[str, Any]:
    """The depth answer for an unknown symbol: HTTP 200, every field null (§3)."""
    return {"asks": None, "bids": None, "timestamp": None}


def _contract(inst: Instrument) -> dict[str, Any]:
    step = inst.size(1)
    max_order = max(1, inst.level_lot * 20 // 10**inst.size_decimals)
    return {
        "symbol": v2_symbol(inst.symbol),
        "underlying_index": inst.base,
        "quote_currency": inst.quote,
        "coin": inst.quote,
        "contract_val": step,
        "delivery": ["00:00:00", "06:00:00", "12:00:00", "18:00:00"],
        # V2 gives decimal places here, not step sizes (BTC: 1 price decimal).
        "size_increment": str(inst.size_decimals),
        "tick_size": str(inst.price_decimals),
        "forwardContractFlag": True,
        "priceEndStep": 1,
        "minLeverage": 1,
        "maxLeverage": inst.max_leverage,
        "buyLimitPriceRatio": "0.015",
        "sellLimitPriceRatio": "0.015",
        # The paper exchange's default fee rates.
        "makerFeeRate": "0.0002",
        "takerFeeRate": "0.0006",
        "minOrderSize": step,
        "maxOrderSize": str(max_order),
        "maxPositionSize": str(max_order * 2000),
    }


def contracts(instruments: Sequence[Instrument]) -> list[dict[str, Any]]:
    """``GET /capi/v2/market/contracts``: one item per instrument."""
    return [_contract(i) for i in instruments]


def rest_error(code: str, msg: str, now_ms: int) -> dict[str, Any]:
    """A V2 REST error body: ``{"code","msg","requestTime","data":null}``."""
    return {"code": code, "msg": msg, "requestTime": now_ms, "data": None}
