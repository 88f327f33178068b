"""The simulator's own encoders for WEEX V3 frames and REST bodies.

Written from WEEX-WS.md §1 and §3 and the published frames, independently of the
client's codec (``weex_events.protocol``), so that a misunderstanding shared by both
sides cannot pass unnoticed. Key order, JSON types and number text follow the
published examples: decimals are strings with the instrument's exact decimals, times
and counts are integers, symbols are upper case.

Imports: stdlib, ``orjson``, ``sim.instruments``/``sim.candles``/``sim.market``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from .candles import Bar
from .instruments import Instrument, fixed, ratio
from .market import TickerStats, Trade

__all__ = [
    "UNRECOGNIZED",
    "ack",
    "depth",
    "exchange_info",
    "greeting",
    "klines",
    "ping",
    "reject",
    "rest_depth",
    "rest_error",
    "rest_ticker",
    "ticker",
    "trades",
    "unrecognized",
]

Level = tuple[int, int]
CommandId = int | str | None

#: WEEX-WS.md §1.4: a text frame the server cannot parse.
UNRECOGNIZED = "INVALID_ARGUMENT: unrecognized message : "


def _dump(obj: Any) -> bytes:
    return orjson.dumps(obj)


# -- control frames (WEEX-WS.md §1.1, §1.3, §1.4) ------------------------------------


def greeting(cid: str, now_ms: int) -> bytes:
    """``{"cid":..,"event":"connected","time":"<ms>"}``, sent unprompted on open."""
    return _dump({"cid": cid, "event": "connected", "time": str(now_ms)})


def ping(now_ms: int) -> bytes:
    """The public endpoint's server ping, ``time`` as a string of ms."""
    return _dump({"event": "ping", "time": str(now_ms)})


def ack(command_id: CommandId) -> bytes:
    """``{"result":true,"id":..}`` with the id echoed as sent."""
    return _dump({"result": True, "id": command_id})


def reject(command_id: CommandId, msg: str) -> bytes:
    """``{"result":false,"id":..,"msg":..}``."""
    return _dump({"result": False, "id": command_id, "msg": msg})


def unrecognized(text: str) -> bytes:
    """Reply to a frame that is not a command: no id (WEEX-WS.md §1.4)."""
    return _dump({"result": False, "msg": UNRECOGNIZED + text})


# -- pushes (WEEX-WS.md §1.5) ---------------------------------------------------------


def _levels(inst: Instrument, levels: Iterable[Level]) -> list[list[str]]:
    # Size "0" deletes a level; WEEX writes it as a bare "0", not "0.000".
    return [[inst.price(p), inst.size(q) if q else "0"] for p, q in levels]


def depth(
    inst: Instrument,
    now_ms: int,
    *,
    first: int,
    last: int,
    levels: int,
    snapshot: bool,
    bids: Iterable[Level],
    asks: Iterable[Level],
) -> bytes:
    """A ``depthSnapshot`` or ``depth`` push; ``U`` = ``first``, ``u`` = ``last``."""
    return _dump(
        {
            "e": "depthSnapshot" if snapshot else "depth",
            "E": now_ms,
            "s": inst.symbol,
            "U": first,
            "u": last,
            "l": levels,
            "d": "SNAPSHOT" if snapshot else "CHANGED",
            "b": _levels(inst, bids),
            "a": _levels(inst, asks),
        }
    )


def trades(
    inst: Instrument, now_ms: int, items: Sequence[Trade], *, snapshot: bool
) -> bytes:
    """A ``tradeSnapshot`` or ``trade`` push carrying ``items`` oldest first."""
    return _dump(
        {
            "e": "tradeSnapshot" if snapshot else "trade",
            "E": now_ms,
            "s": inst.symbol,
            "d": [
                {
                    "T": t.time,
                    "t": t.trade_id,
                    "p": inst.price(t.price),
                    "q": inst.size(t.size),
                    "v": inst.quote_value(t.price * t.size),
                    "m": t.buyer_maker,
                }
                for t in items
            ],
        }
    )


def klines(
    inst: Instrument,
    now_ms: int,
    interval: str,
    basis: str,
    bars: Sequence[Bar],
    *,
    snapshot: bool,
) -> bytes:
    """A ``klineSnapshot`` (history, oldest first) or ``kline`` (bar in progress)."""
    sym = inst.symbol
    return _dump(
        {
            "e": "klineSnapshot" if snapshot else "kline",
            "E": now_ms,
            "s": sym,
            "p": basis,
            "d": [
                {
                    "t": b.t,
                    "T": b.T,
                    "s": sym,
                    "i": interval,
                    "o": inst.price(b.o),
                    "c": inst.price(b.c),
                    "h": inst.price(b.h),
                    "l": inst.price(b.l),
                    "v": inst.size(b.v),
                    "n": b.n,
                    "q": inst.quote_value(b.q),
                    "V": inst.size(b.V),
                    "Q": inst.quote_value(b.Q),
                }
                for b in bars
            ],
        }
    )


def ticker(inst: Instrument, now_ms: int, stats: TickerStats) -> bytes:
    """A ``ticker`` push: 24 h statistics, ``P`` as a fraction (WEEX-WS.md §1.5)."""
    change = stats.last - stats.open
    return _dump(
        {
            "e": "ticker",
            "E": now_ms,
            "s": inst.symbol,
            "d": [
                {
                    "p": inst.price(change),
                    "P": ratio(change, stats.open, 6),
                    "w": _vwap(inst, stats),
                    "c": inst.price(stats.last),
                    "o": inst.price(stats.open),
                    "h": inst.price(stats.high),
                    "l": inst.price(stats.low),
                    "v": inst.size(stats.volume),
                    "q": inst.quote_value(stats.quote_volume),
                    "O": stats.open_time,
                    "C": stats.close_time,
                    "n": stats.count,
                    "m": inst.price(stats.mark),
                    "i": fixed(stats.index, inst.price_decimals + 2),
                }
            ],
        }
    )


def _vwap(inst: Instrument, stats: TickerStats) -> str:
    # quote is ticks*units and volume units, so their ratio is in ticks.
    return ratio(stats.quote_volume, stats.volume * 10**inst.price_decimals, 8)


# -- REST bodies (WEEX-WS.md §3) ------------------------------------------------------


def rest_depth(
    inst: Instrument, bids: Iterable[Level], asks: Iterable[Level], version: int
) -> dict[str, Any]:
    """``GET /capi/v3/market/depth`` body."""
    return {
        "bids": _levels(inst, bids),
        "asks": _levels(inst, asks),
        "lastUpdateId": version,
    }


def rest_ticker(inst: Instrument, stats: TickerStats) -> dict[str, Any]:
    """One item of ``GET /capi/v3/market/ticker/24hr``.

    ``priceChangePercent`` is in percent with 2 decimals here (the published example
    has ``"0.22"`` for a 0.22 % move), unlike the push's fractional ``P``.
    """
    change = stats.last - stats.open
    return {
        "symbol": inst.symbol,
        "priceChange": inst.price(change),
        "priceChangePercent": ratio(change * 100, stats.open, 2),
        "lastPrice": inst.price(stats.last),
        "openPrice": inst.price(stats.open),
        "highPrice": inst.price(stats.high),
        "lowPrice": inst.price(stats.low),
        "volume": inst.size(stats.volume),
        "quoteVolume": inst.quote_value(stats.quote_volume),
        "markPrice": inst.price(stats.mark),
        "indexPrice": inst.price((stats.index + 50) // 100),
        "openTime": stats.open_time,
        "closeTime": stats.close_time,
    }


def _symbol_info(inst: Instrument) -> dict[str, Any]:
    step = 10.0**-inst.size_decimals
    max_order = max(1, inst.level_lot * 20 // 10**inst.size_decimals)
    return {
        "symbol": inst.symbol,
        "baseAsset": inst.base,
        "quoteAsset": inst.quote,
        "marginAsset": inst.quote,
        "pricePrecision": inst.price_decimals,
        "quantityPrecision": inst.size_decimals,
        "baseAssetPrecision": inst.size_decimals,
        "quotePrecision": 8,
        "contractVal": step,
        "delivery": ["00:00:00", "06:00:00", "12:00:00", "18:00:00"],
        "forwardContractFlag": True,
        "minLeverage": 1,
        "maxLeverage": inst.max_leverage,
        "buyLimitPriceRatio": 0.016,
        "sellLimitPriceRatio": 0.015,
        "makerFeeRate": 0,
        "takerFeeRate": 0.001,
        "minOrderSize": step,
        "maxOrderSize": max_order,
        "maxPositionSize": max_order * 2000,
        "marketOpenLimitSize": max_order * 12 // 10 or 1,
    }


def exchange_info(instruments: Sequence[Instrument]) -> dict[str, Any]:
    """``GET /capi/v3/market/exchangeInfo`` body for ``instruments``."""
    assets = [{"asset": i.base, "marginAvailable": False} for i in instruments]
    assets.append({"asset": "USDT", "marginAvailable": True})
    return {"assets": assets, "symbols": [_symbol_info(i) for i in instruments]}


def rest_error(code: int, msg: str) -> dict[str, Any]:
    """A V3 REST error body, ``{"code":-1121,"msg":"Invalid symbol."}``."""
    return {"code": code, "msg": msg}
