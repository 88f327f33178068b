"""The simulator's signed REST trading endpoints, over the paper exchange.

Every route checks WEEX-WS.md §3 signing first, and reads the JSON body, through
``sim.signed_rest`` (bad signatures HTTP 401, codes -1040/-1046/-1047).

- ``POST /capi/v3/order`` → ``{"orderId","clientOrderId","success":true}``;
- ``DELETE /capi/v3/order?symbol=..&orderId=..`` (or ``origClientOrderId=``) →
  ``{"orderId","success":true}``;
- ``DELETE /capi/v3/allOpenOrders[?symbol=]`` → ``[{"orderId","success"}]``;
- ``GET /capi/v3/account/balance`` → ``[{"asset":"USDT","balance",
  "availableBalance","frozen","unrealizePnl","equity"}]``;
- ``POST /capi/v3/closePositions`` with ``{"symbol":..}`` or ``{}`` →
  ``[{"symbol","positionId","success"}]`` (reduce-only market orders).

Refusals are HTTP 400 with WEEX's V3 body ``{"code":..,"msg":..}``: -1121 invalid
symbol, -1140 missing parameter, -1141 illegal value, -1142 a body that is not a
JSON object (the simulator's pick in WEEX's -1140..-1142 range), and the paper
exchange's -2011/-2019/-2022 (see ``sim.paper``).

The reads a client recovers private state from (``openOrders``, ``order/history``,
``order``, ``userTrades``, ``allPosition``) are ``sim.history_rest``'s actions,
signed the same way.

The module also watches ``GET /capi/v3/market/time`` answers, so the sign clock knows
which clocks clients synchronised from it (see ``SignClock``).

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.accounts``/``sim.orders``/
``sim.paper``/``sim.endpoint``/``sim.private_frames``/``sim.signed_rest``/
``sim.history_rest``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from . import private_frames
from .accounts import Keyring
from .endpoint import real_ms
from .history_rest import HistoryActions
from .market import MarketEngine
from .orders import illegal
from .paper import PaperExchange
from .signed_rest import SignedRequests, body_text, missing, order_fields

__all__ = ["TIME_PATH", "add_trading_routes"]

TIME_PATH = "/capi/v3/market/time"


class _TradingRoutes:
    def __init__(
        self,
        market: MarketEngine,
        paper: PaperExchange,
        keyring: Keyring,
        clock: Callable[[], int],
    ) -> None:
        self._market = market
        self._paper = paper
        self._keyring = keyring
        self._clock = clock
        self._run = SignedRequests(keyring, lambda: market.now_ms, clock).run

    # -- actions (synchronous: the paper exchange is pure) -----------------------------

    def _place(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        reduce_only = body.get("reduceOnly", False)
        if not isinstance(reduce_only, bool):
            raise illegal("reduceOnly")
        order = self._paper.place_order(
            api_key,
            **order_fields(body),
            reduce_only=reduce_only,
            position_side=body_text(body, "positionSide", required=False),
        )
        return private_frames.order_result(order)

    def _cancel(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        query = request.query
        symbol = query.get("symbol")
        if not symbol:
            raise missing("symbol")
        order = self._paper.cancel_order(
            api_key,
            symbol,
            order_id=query.get("orderId") or None,
            client_order_id=query.get("origClientOrderId") or None,
        )
        return private_frames.cancel_result(order)

    def _cancel_all(
        self, api_key: str, request: web.Request, body: dict[str, Any]
    ) -> Any:
        orders = self._paper.cancel_all(api_key, request.query.get("symbol") or None)
        return [private_frames.cancel_result(o) for o in orders]

    def _balance(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        return [private_frames.balance_item(self._paper.balance(api_key))]

    def _close(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        symbol = body_text(body, "symbol", required=False)
        closed = self._paper.close_positions(api_key, symbol)
        return [private_frames.close_result(pos, order) for pos, order in closed]

    # -- handlers ----------------------------------------------------------------------

    async def place(self, request: web.Request) -> web.Response:
        return await self._run(request, self._place)

    async def cancel(self, request: web.Request) -> web.Response:
        return await self._run(request, self._cancel)

    async def cancel_all(self, request: web.Request) -> web.Response:
        return await self._run(request, self._cancel_all)

    async def balance(self, request: web.Request) -> web.Response:
        return await self._run(request, self._balance)

    async def close_positions(self, request: web.Request) -> web.Response:
        return await self._run(request, self._close)

    def reader(self, read: Callable[[str, Any], Any]) -> Callable[[web.Request], Any]:
        """A signed GET handler answering ``read(api_key, query)``."""

        async def handle(request: web.Request) -> web.Response:
            return await self._run(request, lambda key, req, _: read(key, req.query))

        return handle

    async def observe_time(
        self, request: web.BaseRequest, response: web.StreamResponse
    ) -> None:
        """Tell the sign clock each server time served (``on_response_prepare``)."""
        if request.path != TIME_PATH or not isinstance(response, web.Response):
            return
        body = response.body
        if response.status != 200 or not isinstance(body, bytes):
            return
        try:
            server_ms = orjson.loads(body).get("serverTime")
        except (orjson.JSONDecodeError, AttributeError):
            return
        if isinstance(server_ms, int) and not isinstance(server_ms, bool):
            self._keyring.clock.observe(server_ms, self._clock())


def add_trading_routes(
    app: web.Application,
    market: MarketEngine,
    paper: PaperExchange,
    keyring: Keyring,
    clock: Callable[[], int] = real_ms,
) -> None:
    """Register the signed trading routes on ``app`` (before it starts).

    Args:
        clock: real time in ms for the sign clock (default: monotonic).
    """
    routes = _TradingRoutes(market, paper, keyring, clock)
    app.router.add_post("/capi/v3/order", routes.place)
    app.router.add_delete("/capi/v3/order", routes.cancel)
    reads = HistoryActions(paper, lambda: market.now_ms)
    app.router.add_get("/capi/v3/openOrders", routes.reader(reads.open_orders))
    app.router.add_get("/capi/v3/order", routes.reader(reads.order))
    app.router.add_get("/capi/v3/order/history", routes.reader(reads.order_history))
    app.router.add_get("/capi/v3/userTrades", routes.reader(reads.user_trades))
    app.router.add_delete("/capi/v3/allOpenOrders", routes.cancel_all)
    app.router.add_get("/capi/v3/account/balance", routes.balance)
    positions = routes.reader(reads.positions)
    app.router.add_get("/capi/v3/account/position/allPosition", positions)
    app.router.add_post("/capi/v3/closePositions", routes.close_positions)
    app.on_response_prepare.append(routes.observe_time)
