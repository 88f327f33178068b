"""The simulator's spot REST API (WEEX-WS.md §1.7.5), on the spot host's app.

Public, from the spot :class:`~weex_events.sim.market.MarketEngine`:
``GET /api/v3/time``, ``/api/v3/ping``, ``/api/v3/exchangeInfo``,
``/api/v3/market/depth`` (``limit`` 15 or 200; ``lastUpdateId`` is the version a
WebSocket depth frame carries for the same book), ``/api/v3/market/ticker/24hr``
and ``/api/v3/market/ticker/bookTicker`` (an object for ``symbol``, an array for
``symbols``, a comma list or JSON array, or for all; ``exchangeInfo`` filters the
same way).

Signed (WEEX-WS.md §3 recipe, checked by ``sim.signed_rest`` exactly as on contract),
over the :class:`~weex_events.sim.spot_paper.SpotExchange`:
``POST /api/v3/order`` (JSON body ``symbol side type quantity [price timeInForce
newClientOrderId]``), ``DELETE /api/v3/order?orderId=|origClientOrderId=``,
``GET /api/v3/order``, ``GET /api/v3/openOrders[?symbol=]``,
``DELETE /api/v3/openOrders?symbol=``, ``GET /api/v3/allOrders?symbol=``,
``GET /api/v3/myTrades?symbol=`` and ``GET /api/v3/account/`` (also without the
trailing slash, which the doc prints). ``allOrders``/``myTrades`` ignore time and
paging parameters: the simulator returns everything, oldest first.

Errors are HTTP 400 ``{"code","msg"}``: -1121 invalid symbol, -1140 missing
parameter, -1141 illegal value, -1142 a body that is not a JSON object, -2010
insufficient balance, -2200 unknown order; bad signatures HTTP 401 (-1040/-1046/
-1047). Serving ``/api/v3/time`` tells the sign clock, as contract's time does.

Imports: stdlib, ``aiohttp`` and ``sim.accounts``/``sim.endpoint``/``sim.market``/
``sim.orders``/``sim.rest``/``sim.signed_rest``/``sim.spot_channels``/
``sim.spot_frames``/``sim.spot_paper``/``sim.spot_private_frames``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from . import spot_frames, spot_private_frames
from .accounts import Keyring
from .endpoint import real_ms
from .market import MarketEngine
from .orders import OrderRejected, illegal
from .rest import DEFAULT_DEPTH_LIMIT, DEPTH_LIMITS, INVALID_SYMBOL
from .signed_rest import (
    Action,
    SignedRequests,
    json_response,
    missing,
    order_fields,
    refusal,
)
from .spot_channels import touch
from .spot_paper import SpotExchange

__all__ = ["SpotHost", "add_spot_routes"]


class SpotHost(Protocol):
    """Where the routes find the spot market and paper exchange (read per request,
    so a lazy host wakes on its first request)."""

    @property
    def market(self) -> MarketEngine:
        """The spot market."""
        ...

    @property
    def paper(self) -> SpotExchange:
        """The spot paper exchange."""
        ...


class _SpotRoutes:
    def __init__(
        self, host: SpotHost, keyring: Keyring, clock: Callable[[], int]
    ) -> None:
        self._host = host
        self._keyring = keyring
        self._clock = clock
        self._signed = SignedRequests(keyring, lambda: host.market.now_ms, clock)

    @property
    def _market(self) -> MarketEngine:
        return self._host.market

    @property
    def _paper(self) -> SpotExchange:
        return self._host.paper

    # -- public -----------------------------------------------------------------------

    def _symbols(self, request: web.Request, *, required: bool) -> tuple[str, ...]:
        """``symbol``, else (where not ``required``) ``symbols`` as a comma list or
        a JSON array (§1.7.5), else every symbol; unknown ones are -1121."""
        raw = request.query.get("symbol", "")
        names = [raw] if raw else []
        if not raw and not required:
            listed = request.query.get("symbols", "")
            names = [n.strip(' "') for n in listed.strip("[]").split(",") if n.strip()]
        if not names:
            if required:
                raise missing("symbol")
            return self._market.symbols
        chosen = tuple(n.upper() for n in names)
        if not set(chosen) <= set(self._market.symbols):
            raise OrderRejected(INVALID_SYMBOL, "Invalid symbol.")
        return chosen

    def _one_or_all(
        self, request: web.Request, encode: Callable[[str], dict[str, Any]]
    ) -> web.Response:
        try:
            chosen = self._symbols(request, required=False)
        except OrderRejected as exc:
            return refusal(exc)
        items = [encode(s) for s in chosen]
        return json_response(items[0] if request.query.get("symbol") else items)

    def _touch(self, symbol: str) -> spot_frames.Touch:
        return touch(self._market.book(symbol)) or (0, 0, 0, 0)

    async def time(self, request: web.Request) -> web.Response:
        now = self._market.now_ms
        self._keyring.clock.observe(now, self._clock())
        return json_response({"serverTime": now})

    async def ping(self, request: web.Request) -> web.Response:
        return json_response({})

    async def exchange_info(self, request: web.Request) -> web.Response:
        market = self._market
        try:
            chosen = self._symbols(request, required=False)
        except OrderRejected as exc:
            return refusal(exc)
        instruments = [market.instrument(s) for s in chosen]
        rate = str(self._paper.taker_fee_rate)
        return json_response(
            spot_frames.exchange_info(instruments, market.now_ms, rate)
        )

    async def depth(self, request: web.Request) -> web.Response:
        try:
            (symbol,) = self._symbols(request, required=True)
        except OrderRejected as exc:
            return refusal(exc)
        raw_limit = request.query.get("limit", str(DEFAULT_DEPTH_LIMIT))
        if not raw_limit.isdigit() or int(raw_limit) not in DEPTH_LIMITS:
            return refusal(illegal("limit"))
        book = self._market.book(symbol)
        bids, asks = book.top(int(raw_limit))
        inst = self._market.instrument(symbol)
        return json_response(spot_frames.rest_depth(inst, bids, asks, book.version))

    async def ticker(self, request: web.Request) -> web.Response:
        market = self._market
        return self._one_or_all(
            request,
            lambda s: spot_frames.rest_ticker(
                market.instrument(s), market.ticker(s), self._touch(s)
            ),
        )

    async def book_ticker(self, request: web.Request) -> web.Response:
        market = self._market
        return self._one_or_all(
            request,
            lambda s: spot_frames.rest_book_ticker(
                market.instrument(s), self._touch(s)
            ),
        )

    # -- signed -----------------------------------------------------------------------

    def _place(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        order = self._paper.place_order(api_key, **order_fields(body))
        return spot_private_frames.order_result(order)

    def _ids(self, request: web.Request) -> tuple[str | None, str | None]:
        query = request.query
        return query.get("orderId") or None, query.get("origClientOrderId") or None

    def _cancel(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        order_id, client_id = self._ids(request)
        order = self._paper.cancel_order(
            api_key, order_id=order_id, client_order_id=client_id
        )
        by_client = order_id is None
        return spot_private_frames.cancel_result(order, by_client_id=by_client)

    def _order(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        order_id, client_id = self._ids(request)
        order = self._paper.order(api_key, order_id=order_id, client_order_id=client_id)
        return spot_private_frames.order_object(order)

    def _open(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        symbol = request.query.get("symbol") or None
        orders = self._paper.open_orders(api_key, symbol)
        return [spot_private_frames.order_object(o) for o in orders]

    def _cancel_all(
        self, api_key: str, request: web.Request, body: dict[str, Any]
    ) -> Any:
        (symbol,) = self._symbols(request, required=True)
        orders = self._paper.cancel_all(api_key, symbol)
        return [spot_private_frames.cancel_result(o) for o in orders]

    def _all(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        (symbol,) = self._symbols(request, required=True)
        orders = self._paper.orders(api_key, symbol)
        return [spot_private_frames.order_object(o) for o in orders]

    def _trades(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        (symbol,) = self._symbols(request, required=True)
        fills = self._paper.fills(api_key, symbol)
        return [spot_private_frames.trade_object(f) for f in fills]

    def _account(self, api_key: str, request: web.Request, body: dict[str, Any]) -> Any:
        paper = self._paper
        uid = 8_000_000_001 + paper.api_keys.index(api_key)
        balances = paper.balances(api_key)
        rate = paper.taker_fee_rate
        return spot_private_frames.account_body(
            balances, rate, uid, self._market.now_ms
        )

    def signed(self, action: Action) -> Callable[[web.Request], Any]:
        """The aiohttp handler running ``action`` behind the signature check."""

        async def handler(request: web.Request) -> web.Response:
            return await self._signed.run(request, action)

        return handler


def add_spot_routes(
    app: web.Application,
    host: SpotHost,
    keyring: Keyring,
    clock: Callable[[], int] = real_ms,
) -> None:
    """Register the spot REST routes on ``app`` (before it starts), serving
    ``host``'s market and paper exchange."""
    r = _SpotRoutes(host, keyring, clock)
    router = app.router
    router.add_get("/api/v3/time", r.time)
    router.add_get("/api/v3/ping", r.ping)
    router.add_get("/api/v3/exchangeInfo", r.exchange_info)
    router.add_get("/api/v3/market/depth", r.depth)
    router.add_get("/api/v3/market/ticker/24hr", r.ticker)
    router.add_get("/api/v3/market/ticker/bookTicker", r.book_ticker)
    router.add_post("/api/v3/order", r.signed(r._place))
    router.add_delete("/api/v3/order", r.signed(r._cancel))
    router.add_get("/api/v3/order", r.signed(r._order))
    router.add_get("/api/v3/openOrders", r.signed(r._open))
    router.add_delete("/api/v3/openOrders", r.signed(r._cancel_all))
    router.add_get("/api/v3/allOrders", r.signed(r._all))
    router.add_get("/api/v3/myTrades", r.signed(r._trades))
    router.add_get("/api/v3/account/", r.signed(r._account))
    router.add_get("/api/v3/account", r.signed(r._account))
