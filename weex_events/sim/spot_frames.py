"""The simulator's own encoders for WEEX spot V3 public frames and REST bodies.

Written from WEEX-WS.md §1.7.3/§1.7.5 and the published spot frames, never from the
client's codec. Spot pushes are the contract V3 pushes (``sim.frames``: depth,
trades and klines are spelled identically) except:

- ``ticker`` has no ``m`` (mark) and no ``i`` (index) (§1.7.3);
- ``bookTicker`` is spot's own: a flat frame ``{"e","E","s","u","b","B","a","A"}``
  whose ``u`` is a millisecond stamp, not a depth version (§1.7.3; the simulator
  uses the simulated time of the step, as §1.7.8 proposes).

REST bodies are the Binance-shaped spot ones under ``/api/v3/`` (§1.7.5): bare JSON,
``lastUpdateId`` first in depth, ``priceChangePercent`` a fraction, precisions as
integers and ``tickSize``/``stepSize`` as decimal strings in ``exchangeInfo``.

Imports: stdlib, ``orjson``, ``sim.instruments``/``sim.market``/``sim.frames``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from .frames import rest_depth as _contract_depth
from .instruments import Instrument, fixed, ratio
from .market import TickerStats

__all__ = [
    "Touch",
    "book_ticker",
    "exchange_info",
    "rest_book_ticker",
    "rest_depth",
    "rest_ticker",
    "ticker",
]

Level = tuple[int, int]
#: The best bid and ask with their sizes, ticks and units: ``(bid, B, ask, A)``.
Touch = tuple[int, int, int, int]


def ticker(inst: Instrument, now_ms: int, stats: TickerStats) -> bytes:
    """A spot ``ticker`` push: the contract ticker without ``m`` and ``i``."""
    change = stats.last - stats.open
    return orjson.dumps(
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
                }
            ],
        }
    )


def _vwap(inst: Instrument, stats: TickerStats) -> str:
    return ratio(stats.quote_volume, stats.volume * 10**inst.price_decimals, 8)


def book_ticker(inst: Instrument, now_ms: int, touch: Touch) -> bytes:
    """A ``bookTicker`` push; ``u`` is the ms stamp ``now_ms`` (§1.7.3)."""
    bid, bid_size, ask, ask_size = touch
    return orjson.dumps(
        {
            "e": "bookTicker",
            "E": now_ms,
            "s": inst.symbol,
            "u": now_ms,
            "b": inst.price(bid),
            "B": inst.size(bid_size),
            "a": inst.price(ask),
            "A": inst.size(ask_size),
        }
    )


# -- REST bodies (WEEX-WS.md §1.7.5) --------------------------------------------------


def rest_depth(
    inst: Instrument, bids: Iterable[Level], asks: Iterable[Level], version: int
) -> dict[str, Any]:
    """``GET /api/v3/market/depth``: ``{"lastUpdateId","bids","asks"}``."""
    body = _contract_depth(inst, bids, asks, version)
    return {"lastUpdateId": version, "bids": body["bids"], "asks": body["asks"]}


def rest_ticker(inst: Instrument, stats: TickerStats, touch: Touch) -> dict[str, Any]:
    """One ``GET /api/v3/market/ticker/24hr`` object; the percent is a fraction."""
    change = stats.last - stats.open
    bid, bid_size, ask, ask_size = touch
    return {
        "symbol": inst.symbol,
        "priceChange": inst.price(change),
        "priceChangePercent": ratio(change, stats.open, 6),
        "lastPrice": inst.price(stats.last),
        "bidPrice": inst.price(bid),
        "bidQty": inst.size(bid_size),
        "askPrice": inst.price(ask),
        "askQty": inst.size(ask_size),
        "openPrice": inst.price(stats.open),
        "highPrice": inst.price(stats.high),
        "lowPrice": inst.price(stats.low),
        "volume": inst.size(stats.volume),
        "quoteVolume": inst.quote_value(stats.quote_volume),
        "openTime": stats.open_time,
        "closeTime": stats.close_time,
        "count": stats.count,
    }


def rest_book_ticker(inst: Instrument, touch: Touch) -> dict[str, Any]:
    """One ``GET /api/v3/market/ticker/bookTicker`` object."""
    bid, bid_size, ask, ask_size = touch
    return {
        "symbol": inst.symbol,
        "bidPrice": inst.price(bid),
        "bidQty": inst.size(bid_size),
        "askPrice": inst.price(ask),
        "askQty": inst.size(ask_size),
    }


def _symbol_info(inst: Instrument, fee_rate: str) -> dict[str, Any]:
    step = fixed(1, inst.size_decimals)
    return {
        "symbol": inst.symbol,
        "status": "TRADING",
        "baseAsset": inst.base,
        "baseAssetPrecision": inst.size_decimals,
        "quoteAsset": inst.quote,
        "quoteAssetPrecision": inst.quote_decimals,
        "tickSize": fixed(1, inst.price_decimals),
        "stepSize": step,
        "minTradeAmount": step,
        "maxTradeAmount": inst.size(inst.level_lot * 20),
        "takerFeeRate": fee_rate,
        "makerFeeRate": fee_rate,
        "buyLimitPriceRatio": "0.1",
        "sellLimitPriceRatio": "0.1",
        "marketBuyLimitSize": inst.size(inst.level_lot * 4),
        "marketSellLimitSize": inst.size(inst.level_lot * 4),
        "marketFallbackPriceRatio": "0.2",
        "enableTrade": True,
        "enableDisplay": True,
        "displayDigitMerge": ",".join(
            fixed(1, d) for d in range(inst.price_decimals - 2, inst.price_decimals + 1)
        ),
        "displayNew": False,
        "displayHot": True,
    }


def exchange_info(
    instruments: Sequence[Instrument], now_ms: int, fee_rate: str
) -> dict[str, Any]:
    """``GET /api/v3/exchangeInfo`` for ``instruments`` (WEEX-WS.md §1.7.5)."""
    return {
        "timezone": "UTC",
        "serverTime": now_ms,
        "rateLimits": [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 10,
                "limit": 500,
            }
        ],
        "symbols": [_symbol_info(i, fee_rate) for i in instruments],
    }
