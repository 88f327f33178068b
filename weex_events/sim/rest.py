"""The simulator's REST market endpoints (WEEX-WS.md §3, V3 contract).

``GET /capi/v3/market/time``, ``/depth``, ``/exchangeInfo`` and ``/ticker/24hr``,
answered from the same :class:`~weex_events.sim.market.MarketEngine` as the WebSocket,
so a REST depth's ``lastUpdateId`` is the ``u`` a WebSocket depth frame carries for
the same book. Errors use WEEX's body shape ``{"code": <negative int>, "msg": ...}``:

- ``-1121`` ``Invalid symbol.`` (HTTP 400), as published;
- ``-1140`` a mandatory parameter is missing (HTTP 400);
- ``-1141`` a parameter has an illegal value (HTTP 400). WEEX documents the range
  -1140..-1142 for parameter problems without naming each code; this split is ours.

``/depth`` takes ``limit`` 15 (the default) or 200, the sizes WEEX streams. Unknown
paths answer aiohttp's plain 404. Symbols are accepted case-insensitively.

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.frames``/``sim.market``.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from . import frames
from .market import MarketEngine

__all__ = ["DEFAULT_DEPTH_LIMIT", "DEPTH_LIMITS", "add_routes"]

#: Depth sizes WEEX serves; REST depth defaults to the smaller one.
DEPTH_LIMITS = (15, 200)
DEFAULT_DEPTH_LIMIT = 15
INVALID_SYMBOL = -1121
MISSING_PARAMETER = -1140
ILLEGAL_VALUE = -1141


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json"
    )


def _error(code: int, msg: str) -> web.Response:
    return _json(frames.rest_error(code, msg), status=400)


class _Routes:
    def __init__(self, market: MarketEngine) -> None:
        self._market = market

    def _symbol(
        self, request: web.Request, required: bool
    ) -> str | web.Response | None:
        raw = request.query.get("symbol", "")
        if not raw:
            if not required:
                return None
            return _error(
                MISSING_PARAMETER,
                "Mandatory parameter 'symbol' was not sent, was empty/null, "
                "or malformed.",
            )
        symbol = raw.upper()
        if symbol not in self._market.symbols:
            return _error(INVALID_SYMBOL, "Invalid symbol.")
        return symbol

    async def time(self, request: web.Request) -> web.Response:
        return _json({"serverTime": self._market.now_ms})

    async def depth(self, request: web.Request) -> web.Response:
        symbol = self._symbol(request, required=True)
        if not isinstance(symbol, str):
            assert symbol is not None
            return symbol
        raw_limit = request.query.get("limit", str(DEFAULT_DEPTH_LIMIT))
        if not raw_limit.isdigit() or int(raw_limit) not in DEPTH_LIMITS:
            return _error(ILLEGAL_VALUE, "Illegal value for parameter 'limit'.")
        bids, asks = self._market.book(symbol).top(int(raw_limit))
        inst = self._market.instrument(symbol)
        version = self._market.book(symbol).version
        return _json(frames.rest_depth(inst, bids, asks, version))

    async def exchange_info(self, request: web.Request) -> web.Response:
        market = self._market
        return _json(
            frames.exchange_info([market.instrument(s) for s in market.symbols])
        )

    async def ticker(self, request: web.Request) -> web.Response:
        symbol = self._symbol(request, required=False)
        if isinstance(symbol, web.Response):
            return symbol
        market = self._market
        chosen = market.symbols if symbol is None else (symbol,)
        return _json(
            [frames.rest_ticker(market.instrument(s), market.ticker(s)) for s in chosen]
        )


def add_routes(app: web.Application, market: MarketEngine) -> None:
    """Register the REST routes on ``app``, serving ``market``."""
    routes = _Routes(market)
    app.router.add_get("/capi/v3/market/time", routes.time)
    app.router.add_get("/capi/v3/market/depth", routes.depth)
    app.router.add_get("/capi/v3/market/exchangeInfo", routes.exchange_info)
    app.router.add_get("/capi/v3/market/ticker/24hr", routes.ticker)
