"""``WeexRestClient``: the small WEEX REST client a streaming application needs.

Public market data (server time, depth snapshot, instruments, 24 h tickers) and a
handful of signed account calls, on the V3 API of ``config.market``: contract
under ``/capi/v3/`` (WEEX-WS.md §3), spot under ``/api/v3/`` (§1.7.5), whatever
``config.protocol`` says; the paths come from
:func:`~weex_events.protocol.rest_paths.rest_paths`. Signed calls sign with the
server's clock (same recipe on both hosts): the first one synchronises a
:class:`~weex_events.auth.ServerClock` from the market's server-time call.

Every failure is a :class:`~weex_events.errors.WeexError`; aiohttp and orjson
exceptions never escape. Headers, and so secrets and signatures, are never put in
an exception or a log line.

Imports: ``errors``, ``config``, ``jsontypes``, ``protocol``, ``auth``,
``rest_wire``, ``rest_account`` (and aiohttp with its yarl, orjson).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Unpack
from urllib.parse import quote, urlencode

import aiohttp
import orjson
from yarl import URL

from .auth import Credentials, ServerClock, SignedHeaders
from .config import CREDENTIALS, WeexConfig
from .errors import (
    ClientClosedError,
    ConfigError,
    WeexConnectionError,
)
from .jsontypes import DepthSnapshot, JSONObject, JSONValue
from .protocol.rest_paths import rest_paths
from .rest_account import AccountReads
from .rest_wire import (
    RequestArgs,
    choice,
    decimal_text,
    depth_snapshot,
    network_reason,
    objects,
    parse,
    server_time_ms,
    symbol_params,
    text,
    unexpected,
    user_symbol,
)

__all__ = ["WeexRestClient"]

_log = logging.getLogger("weex_events.rest")

_DEPTH_LIMITS = (15, 200)
_ORDER_TYPES = ("MARKET", "LIMIT")
_SIDES = ("BUY", "SELL")
_POSITION_SIDES = ("LONG", "SHORT", "BOTH")
_TIME_IN_FORCE = ("GTC", "IOC", "FOK", "POST_ONLY")
#: WEEX-WS.md §1.7.5: spot has no post-only (and no positions, no reduce-only).
_SPOT_TIME_IN_FORCE = ("GTC", "IOC", "FOK")


class WeexRestClient(AccountReads):
    """Async client for the WEEX V3 REST API of ``config.market``.

    Use it as ``async with WeexRestClient(config) as rest:`` or call
    :meth:`close` when done. A session passed in is used as is and left open.
    ``marks`` (latest mark price text per symbol, e.g. shared with a streaming
    client) lets the ``fetch_*`` reads compute positions' ``unrealized_pnl``.
    Every request sends ``User-Agent: config.user_agent``; ``config.connect_timeout``
    bounds each request.

    Raises (from every call):
        AuthenticationError: HTTP 401/403 or an auth/timestamp error code.
        RateLimitError: HTTP 429.
        RestError: any other HTTP or exchange error, or an unreadable answer.
        WeexConnectionError: the request did not complete (network, timeout).
        ClientClosedError: the client (or the session given to it) is closed.
        ConfigError: an argument is invalid, or a signed call lacks credentials.
    """

    def __init__(
        self,
        config: WeexConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.time,
        marks: dict[str, str] | None = None,
    ) -> None:
        self._config = config
        self._marks = marks
        self._base = config.rest_base
        self._rest = rest_paths(config.market)
        self._spot = config.market == "spot"
        self._tifs = _SPOT_TIME_IN_FORCE if self._spot else _TIME_IN_FORCE
        self._session = session
        self._owns_session = session is None
        self._clock = clock
        self._server_clock = ServerClock()
        self._sync_lock = asyncio.Lock()
        self._credentials = (
            Credentials.from_config(config) if config.has_credentials else None
        )
        self._timeout = aiohttp.ClientTimeout(total=config.connect_timeout)
        self._closed = False

    def __repr__(self) -> str:
        return f"WeexRestClient(rest_url={self._base!r}, {self._server_clock!r})"

    async def __aenter__(self) -> WeexRestClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the client; the session is closed only if the client created it."""
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()

    @property
    def server_clock(self) -> ServerClock:
        """The server-time offset used to timestamp signed requests."""
        return self._server_clock

    # -- public market data -------------------------------------------------

    async def server_time(self) -> int:
        """Return the exchange's time in ms and update :attr:`server_clock`."""
        path = self._rest.time
        sent_at = self._clock()
        answer = await self._dict("GET", path)
        received_at = self._clock()
        server_ms = server_time_ms(answer, path)
        self._server_clock.update(server_ms, sent_at, received_at)
        return server_ms

    async def sync_clock(self) -> int:
        """Measure the server-time offset now; return it in ms."""
        await self.server_time()
        return self._server_clock.offset_ms

    async def depth(self, symbol: str, limit: int = 15) -> DepthSnapshot:
        """Return the order book snapshot ``{"bids", "asks", "lastUpdateId"}``.

        Raises:
            ConfigError: ``limit`` is not 15 or 200.
            RestError: the answer is not a snapshot of that shape.
        """
        if limit not in _DEPTH_LIMITS or isinstance(limit, bool):
            raise ConfigError("limit", f"must be 15 or 200, not {limit!r}")
        params = {"symbol": user_symbol(symbol), "limit": str(limit)}
        path = self._rest.path("depth")
        return depth_snapshot(await self._dict("GET", path, params=params), path)

    async def exchange_info(self) -> JSONObject:
        """Return the instruments: ``{"assets": [...], "symbols": [...]}``."""
        return await self._dict("GET", self._rest.path("exchange_info"))

    async def ticker_24hr(self, symbol: str | None = None) -> list[JSONObject]:
        """Return 24 h tickers, for every symbol or just ``symbol``."""
        params = symbol_params(symbol)
        path = self._rest.path("ticker_24hr")
        return await self._list("GET", path, params=params)

    # -- signed calls ---------------------------------------------------------

    async def place_order(
        self,
        symbol: str,
        side: str,
        quantity: str | Decimal | int | float,
        *,
        type: str = "MARKET",
        price: str | Decimal | int | float | None = None,
        time_in_force: str | None = None,
        position_side: str | None = None,
        reduce_only: bool = False,
        client_order_id: str | None = None,
    ) -> JSONObject:
        """Place an order; return WEEX's answer (contract: ``{"orderId",
        "clientOrderId", "success"}``; spot: ``{"symbol", "orderId",
        "clientOrderId", "transactTime"}``).

        ``side`` is ``buy``/``sell`` (any case). ``quantity`` (base coin) and
        ``price`` are sent as plain decimal strings. A LIMIT order needs
        ``price``; a MARKET order takes neither ``price`` nor ``time_in_force``.
        On spot (WEEX-WS.md §1.7.5) a LIMIT order defaults to ``GTC``, and
        ``position_side``, ``reduce_only`` and ``POST_ONLY`` do not exist.

        Raises:
            ConfigError: an argument is invalid (or not served on the market).
        """
        order_type = choice("type", type, _ORDER_TYPES)
        if order_type == "LIMIT" and price is None:
            raise ConfigError("price", "a LIMIT order needs a price")
        if order_type == "MARKET" and price is not None:
            raise ConfigError("price", "a MARKET order takes no price")
        if order_type == "MARKET" and time_in_force is not None:
            raise ConfigError("time_in_force", "a MARKET order takes no time_in_force")
        if not isinstance(reduce_only, bool):
            raise ConfigError("reduce_only", "must be True or False")
        if self._spot:
            if position_side is not None or reduce_only:
                name = "reduce_only" if reduce_only else "position_side"
                raise ConfigError(name, "spot orders have no position side")
            if order_type == "LIMIT" and time_in_force is None:
                time_in_force = "GTC"  # §1.7.5: required for a spot LIMIT
        fields: JSONObject = {
            "symbol": user_symbol(symbol),
            "side": choice("side", side, _SIDES),
            "positionSide": choice("position_side", position_side, _POSITION_SIDES),
            "type": order_type,
            "quantity": decimal_text("quantity", quantity),
            "price": None if price is None else decimal_text("price", price),
            "timeInForce": choice("time_in_force", time_in_force, self._tifs),
            "reduceOnly": None if self._spot else reduce_only,
            "newClientOrderId": text("client_order_id", client_order_id),
        }
        body: JSONObject = {k: v for k, v in fields.items() if v is not None}
        path = self._rest.path("order")
        return await self._dict("POST", path, body=body, signed=True)

    async def cancel_order(
        self,
        symbol: str,
        order_id: str | int | None = None,
        *,
        client_order_id: str | None = None,
    ) -> JSONObject:
        """Cancel one order by exchange id or client id; return the answer.

        Spot cancels by id alone (WEEX-WS.md §1.7.5): ``symbol`` is checked
        but not sent there.

        Raises:
            ConfigError: neither ``order_id`` nor ``client_order_id`` is given.
        """
        if order_id is None and client_order_id is None:
            raise ConfigError("order_id", "give order_id or client_order_id")
        if isinstance(order_id, bool) or not isinstance(order_id, int | str | None):
            raise ConfigError("order_id", "must be a str or an int")
        wire_symbol = user_symbol(symbol)  # checked on spot too, though not sent
        fields = {
            "symbol": None if self._spot else wire_symbol,
            "orderId": text("order_id", None if order_id is None else str(order_id)),
            "origClientOrderId": text("client_order_id", client_order_id),
        }
        params = {key: value for key, value in fields.items() if value is not None}
        path = self._rest.path("order")
        return await self._dict("DELETE", path, params=params, signed=True)

    async def open_orders(self, symbol: str | None = None) -> list[JSONObject]:
        """Return open orders as WEEX sends them, all or for ``symbol``.

        REST spellings (``orderId`` a JSON integer, ``origQty``, ``executedQty``;
        WEEX-WS.md §3.1.2, §1.7.5); :meth:`fetch_open_orders` normalizes and
        pages them.
        """
        params = symbol_params(symbol)
        path = self._rest.path("open_orders")
        return await self._list("GET", path, params=params, signed=True)

    async def cancel_all_orders(self, symbol: str | None = None) -> list[JSONObject]:
        """Cancel every open order, or those of ``symbol``; return per-order results.

        Raises:
            ConfigError: no ``symbol`` on spot, which cancels one symbol at a time.
        """
        if self._spot and symbol is None:
            raise ConfigError("symbol", "spot cancels open orders per symbol")
        params = symbol_params(symbol)
        path = self._rest.path("cancel_all")
        return await self._list("DELETE", path, params=params, signed=True)

    async def positions(self) -> list[JSONObject]:
        """Return every open position as WEEX sends it (REST spellings).

        Raises:
            ConfigError: on spot, which has no positions.
        """
        return await self._list("GET", self._rest.path("positions"), signed=True)

    async def balance(self) -> list[JSONObject]:
        """Return the balance of each asset as WEEX sends it (contract
        ``asset balance availableBalance frozen``; spot ``asset free locked``,
        the ``balances`` of ``GET /api/v3/account/``)."""
        path = self._rest.path("balances")
        if self._spot:
            rows = (await self._dict("GET", path, signed=True)).get("balances")
            return objects(200, rows, path, "a list of balances")
        return await self._list("GET", path, signed=True)

    async def close_all_positions(self, symbol: str | None = None) -> list[JSONObject]:
        """Close every position at market, or those of ``symbol``.

        Raises:
            ConfigError: on spot, which has no positions.
        """
        path = self._rest.path("close_positions")
        body: JSONObject = {} if symbol is None else {"symbol": user_symbol(symbol)}
        return await self._list("POST", path, body=body, signed=True)

    # -- plumbing -------------------------------------------------------------

    async def _dict(
        self, method: str, path: str, **request: Unpack[RequestArgs]
    ) -> JSONObject:
        status, answer = await self._request(method, path, **request)
        if not isinstance(answer, dict):
            raise unexpected(status, "an object", answer, path)
        return answer

    async def _list(
        self, method: str, path: str, **request: Unpack[RequestArgs]
    ) -> list[JSONObject]:
        status, answer = await self._request(method, path, **request)
        # A single object is tolerated where a list is usual.
        return objects(status, [answer] if isinstance(answer, dict) else answer, path)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: JSONObject | None = None,
        signed: bool = False,
    ) -> tuple[int, JSONValue]:
        session = self._open_session()
        # The query and body are serialised once: the signed text is the sent text.
        query = urlencode(params, quote_via=quote, safe="") if params else ""
        data = orjson.dumps(body) if body is not None else None
        # SignedHeaders: its repr hides the credentials from tracebacks.
        headers = SignedHeaders({"User-Agent": self._config.user_agent})
        if signed:
            credentials = self._require_credentials()
            await self._ensure_clock()
            timestamp = self._server_clock.now_ms(self._clock())
            headers.update(
                credentials.rest_headers(
                    timestamp, method, path, query, data.decode() if data else ""
                )
            )
        elif data is not None:
            headers["Content-Type"] = "application/json"
        url = URL(self._base + path + (f"?{query}" if query else ""), encoded=True)
        started = time.monotonic()
        why = None
        try:
            async with session.request(
                method, url, headers=headers, data=data, timeout=self._timeout
            ) as response:
                status, reason = response.status, response.reason or ""
                raw = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            why = network_reason(exc)
        if why is not None:
            # Raised outside the except clause: aiohttp's exception and frames
            # hold the request headers, so they must not become the context.
            elapsed = (time.monotonic() - started) * 1000
            _log.debug("%s %s failed after %.1f ms: %s", method, path, elapsed, why)
            raise WeexConnectionError(path, why)
        elapsed = (time.monotonic() - started) * 1000
        _log.debug("%s %s -> %s in %.1f ms", method, path, status, elapsed)
        return status, parse(path, status, reason, raw)

    def _open_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("the REST client is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession()
        elif self._session.closed:
            raise ClientClosedError("the aiohttp session of the REST client is closed")
        return self._session

    def _require_credentials(self) -> Credentials:
        if self._credentials is None:
            raise ConfigError("api_key", f"signed REST calls need {CREDENTIALS}")
        return self._credentials

    async def _ensure_clock(self) -> None:
        # WEEX-WS.md §3: timestamps more than 30 s off are refused, so sign with
        # the server's clock; one sync serves concurrent first calls.
        async with self._sync_lock:
            if not self._server_clock.synced:
                await self.sync_clock()
