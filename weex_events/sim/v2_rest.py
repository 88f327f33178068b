"""The simulator's V2 REST market endpoints (WEEX-WS.md §3, V2 column).

- ``GET /capi/v2/market/time`` → ``{"epoch":"<s.mmm>","iso":..,"timestamp":<ms>}``
  (simulated time; the sign clock learns it, as from V3's time endpoint, so a
  client that signs with it is trusted);
- ``GET /capi/v2/market/depth?symbol=cmt_btcusdt&limit=15|200`` →
  ``{"asks":[[p,q],..],"bids":[..],"timestamp":"<ms>"}``, from the same book as
  the WebSocket; ``limit`` defaults to 15. An unknown symbol answers HTTP 200 with
  every field ``null``, as §3 says;
- ``GET /capi/v2/market/contracts[?symbol=cmt_btcusdt]`` → a list of contracts.

Parameter errors are HTTP 400 with V2's body ``{"code":"40020","msg":..,
"requestTime":..,"data":null}``: a missing ``symbol`` on ``/depth``, a ``limit``
other than 15 or 200, an unknown ``symbol`` on ``/contracts``. Symbols are
``cmt_<base><quote>``, case-insensitive.

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.accounts``/``sim.market``/
``sim.endpoint``/``sim.v2_frames``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from . import v2_frames
from .accounts import Keyring
from .endpoint import real_ms
from .market import MarketEngine

__all__ = ["DEPTH_LIMITS", "add_v2_routes"]

#: Depth sizes served, the default first.
DEPTH_LIMITS = (15, 200)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(body), status=status, content_type="application/json"
    )


class _V2Routes:
    def __init__(
        self, market: MarketEngine, keyring: Keyring, clock: Callable[[], int]
    ) -> None:
        self._market = market
        self._keyring = keyring
        self._clock = clock

    def _error(self, name: str) -> web.Response:
        msg = f"Parameter {name} is invalid"
        body = v2_frames.rest_error(
            v2_frames.PARAMETER_INVALID, msg, self._market.now_ms
        )
        return _json(body, status=400)

    def _symbol(self, raw: str) -> str | None:
        """The simulated symbol ``raw`` names (``cmt_btcusdt``), else ``None``."""
        symbol = raw[4:].upper()
        if raw[:4].lower() != "cmt_" or symbol not in self._market.symbols:
            return None
        return symbol

    async def time(self, request: web.Request) -> web.Response:
        now = self._market.now_ms
        # Signed requests may use this clock (see sim.accounts.SignClock).
        self._keyring.clock.observe(now, self._clock())
        return _json(v2_frames.rest_time(now))

    async def depth(self, request: web.Request) -> web.Response:
        raw = request.query.get("symbol", "")
        if not raw:
            return self._error("symbol")
        raw_limit = request.query.get("limit", str(DEPTH_LIMITS[0]))
        if not raw_limit.isdigit() or int(raw_limit) not in DEPTH_LIMITS:
            return self._error("limit")
        symbol = self._symbol(raw)
        if symbol is None:
            # WEEX-WS.md §3: an unknown symbol is not an error here.
            return _json(v2_frames.rest_depth_unknown())
        market = self._market
        bids, asks = market.book(symbol).top(int(raw_limit))
        return _json(
            v2_frames.rest_depth(market.instrument(symbol), bids, asks, market.now_ms)
        )

    async def contracts(self, request: web.Request) -> web.Response:
        market = self._market
        chosen = market.symbols
        raw = request.query.get("symbol")
        if raw is not None:
            symbol = self._symbol(raw)
            if symbol is None:
                return self._error("symbol")
            chosen = (symbol,)
        return _json(v2_frames.contracts([market.instrument(s) for s in chosen]))


def add_v2_routes(
    app: web.Application,
    market: MarketEngine,
    keyring: Keyring,
    clock: Callable[[], int] = real_ms,
) -> None:
    """Register the V2 REST routes on ``app``, serving ``market``.

    Args:
        keyring: its sign clock learns the server times served.
        clock: real time in ms for the sign clock (default: monotonic).
    """
    routes = _V2Routes(market, keyring, clock)
    app.router.add_get("/capi/v2/market/time", routes.time)
    app.router.add_get("/capi/v2/market/depth", routes.depth)
    app.router.add_get("/capi/v2/market/contracts", routes.contracts)
