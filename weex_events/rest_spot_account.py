"""Spot's REST reads for private-state recovery (WEEX-WS.md §3.1.3), normalized.

:class:`SpotReads` is what :class:`~weex_events.rest_account.AccountReads` does on
``config.market == "spot"``: the same ``fetch_*`` results (``PrivateItem`` objects
whose ``data`` equals the spot pushes'), read from spot's endpoints with spot's
rules:

- open orders: ``GET /api/v3/openOrders``, one answer (no paging);
- one order: ``GET /api/v3/order?orderId=``; ``-2200`` means unknown;
- order history: ``GET /api/v3/allOrders``, **symbol required**, pages of 1000
  from page 1; no window limit is documented, so one window;
- fills: ``GET /api/v3/myTrades``, **symbol required**, 100 per page, a full
  page continued from its newest time and de-duplicated by id;
- balances: ``GET /api/v3/account/`` (``free``/``locked`` per asset);
- positions: spot has none (a ConfigError).

Imports: ``errors``, ``config``, ``jsontypes``, ``protocol``, ``private_items``,
``rest_wire``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, Unpack

from .errors import ConfigError, DecodeError, RestError
from .jsontypes import JSONObject, JSONValue
from .private_items import PrivateItem
from .protocol.normalize import Normalizer
from .protocol.rest_items import item_time_ms, rest_spot_fill, rest_spot_order
from .protocol.spot import rest_balances
from .rest_wire import RequestArgs, user_symbol

__all__ = ["SPOT_FILLS_PAGE", "SPOT_HISTORY_PAGE", "SpotReads"]

#: §3.1.3: ``allOrders`` takes up to 1000, ``myTrades`` 100 by default (its
#: maximum is undocumented: ccxt pages it by 100).
SPOT_HISTORY_PAGE = 1000
SPOT_FILLS_PAGE = 100
#: §3.1.4: the answer for an order id spot does not know.
_ORDER_NOT_EXIST = -2200
_OPEN_ORDERS = "/api/v3/openOrders"
_ORDER = "/api/v3/order"
_ALL_ORDERS = "/api/v3/allOrders"
_MY_TRADES = "/api/v3/myTrades"
_ACCOUNT = "/api/v3/account/"

Convert = Callable[[Normalizer, JSONObject], dict[str, Any]]


class _Caller(Protocol):
    async def _list(
        self, method: str, path: str, **request: Unpack[RequestArgs]
    ) -> list[JSONObject]:
        """A signed call answering a list."""

    async def _dict(
        self, method: str, path: str, **request: Unpack[RequestArgs]
    ) -> JSONObject:
        """A signed call answering an object."""


def _symbol_required(what: str, symbol: str | None) -> str:
    if symbol is None:
        raise ConfigError(
            "symbol", f"spot {what} are read per symbol (WEEX requires one)"
        )
    return user_symbol(symbol)


class SpotReads:
    """Spot's signed reads (module doc) through ``caller``'s transport.

    Args:
        caller: the REST client (its ``_list``/``_dict`` requests).
        items: turns rows into ``PrivateItem`` objects with a converter.
        normalizer: makes the normalizer of the client's ``number_type``.
    """

    def __init__(
        self,
        caller: _Caller,
        items: Callable[[str, list[JSONObject], Convert], list[PrivateItem]],
        normalizer: Callable[[], Normalizer],
    ) -> None:
        self._caller = caller
        self._items = items
        self._normalizer = normalizer

    async def open_orders(self, symbol: str | None) -> list[PrivateItem]:
        """Every open order (all symbols, or ``symbol``), oldest id first."""
        params = {} if symbol is None else {"symbol": user_symbol(symbol)}
        rows = await self._caller._list("GET", _OPEN_ORDERS, params=params, signed=True)
        rows.sort(key=lambda r: int(str(r["orderId"])) if _digits(r) else 1 << 64)
        return self._items("order", rows, rest_spot_order)

    async def order(self, order_id: str) -> PrivateItem | None:
        """One order by exchange id, or ``None`` if spot does not know it."""
        params = {"orderId": order_id}
        try:
            row = await self._caller._dict("GET", _ORDER, params=params, signed=True)
        except RestError as exc:
            if exc.code == _ORDER_NOT_EXIST:
                return None
            raise
        return self._items("order", [row], rest_spot_order)[0]

    async def order_history(
        self, start_ms: int, end_ms: int, symbol: str | None
    ) -> list[PrivateItem]:
        """Orders of ``symbol`` created in ``[start_ms, end_ms]``, paged from 1."""
        wire = _symbol_required("order histories", symbol)
        rows: dict[JSONValue, JSONObject] = {}
        page_no = 1
        while True:
            params = {
                "symbol": wire,
                "startTime": str(start_ms),
                "endTime": str(end_ms),
                "limit": str(SPOT_HISTORY_PAGE),
                "page": str(page_no),
            }
            page = await self._caller._list(
                "GET", _ALL_ORDERS, params=params, signed=True
            )
            fresh = [r for r in page if r.get("orderId") not in rows]
            rows.update((r.get("orderId"), r) for r in fresh)
            if len(page) < SPOT_HISTORY_PAGE or not fresh:
                break
            page_no += 1
        return self._items("order", list(rows.values()), rest_spot_order)

    async def fills(
        self, start_ms: int, end_ms: int, symbol: str | None
    ) -> list[PrivateItem]:
        """Fills of ``symbol`` in ``[start_ms, end_ms]``, each once, oldest first."""
        wire = _symbol_required("fills", symbol)
        rows: dict[JSONValue, JSONObject] = {}
        low = start_ms
        while low <= end_ms:
            params = {
                "symbol": wire,
                "startTime": str(low),
                "endTime": str(end_ms),
                "limit": str(SPOT_FILLS_PAGE),
            }
            page = await self._caller._list(
                "GET", _MY_TRADES, params=params, signed=True
            )
            fresh = [r for r in page if r.get("id") not in rows]
            rows.update((r.get("id"), r) for r in fresh)
            times = [t for t in map(item_time_ms, page) if t is not None]
            if len(page) < SPOT_FILLS_PAGE or not fresh or not times:
                break
            low = max(times)
        ordered = sorted(rows.values(), key=lambda r: item_time_ms(r) or 0)
        return self._items("fill", ordered, rest_spot_fill)

    async def balances(self) -> list[PrivateItem]:
        """One balance item per asset (``balance`` = free + locked)."""
        body = await self._caller._dict("GET", _ACCOUNT, signed=True)
        rows = body.get("balances")
        try:
            data = rest_balances(self._normalizer(), body)
        except DecodeError as exc:  # the body is not spot's account
            raise RestError(200, None, f"unreadable balances: {exc}") from None
        stamp = item_time_ms(body)
        assert isinstance(rows, list)
        return [
            PrivateItem("account", None, item, stamp, row)
            for item, row in zip(data, rows, strict=True)
        ]


def _digits(row: JSONObject) -> bool:
    return str(row.get("orderId", "")).isdigit()
