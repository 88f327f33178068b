"""The REST reads private-state recovery needs, normalized (WEEX-WS.md §3.1).

:class:`AccountReads` is a part of :class:`~weex_events.rest.WeexRestClient`:
open orders, one order, the order history, fills, positions and balances, each
returned as :class:`~weex_events.private_items.PrivateItem` objects whose ``data``
equals what the private WebSocket channels give for the same state (DESIGN.md
§3: ids as strings, prices and sizes per ``number_type``, WEEX's ``PENDING`` as
``"pending"``), and paged within WEEX's limits:

- open orders: 100 per page, continued with the ``orderId`` forward cursor;
- order history: windows of at most 90 days, 1000 per page, pages from 0;
- fills: windows of at most 7 days, 100 per page; ``userTrades`` has no cursor,
  so a full page is continued from the time at its served end (either sort
  order is understood) and fills are de-duplicated by id (§3.1.2).

Paths are per market in :data:`PATHS`. On spot (§3.1.3: no positions, history
and fills per symbol, other spellings) every read is
:class:`~weex_events.rest_spot_account.SpotReads`'.

Imports: ``errors``, ``config``, ``jsontypes``, ``protocol``, ``private_items``,
``rest_wire``, ``rest_spot_account``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Unpack

from .config import WeexConfig
from .errors import ConfigError, RestError
from .jsontypes import JSONObject, JSONValue
from .private_items import PrivateItem
from .protocol.normalize import Normalizer
from .protocol.rest_items import (
    item_time_ms,
    rest_balance,
    rest_fill,
    rest_order,
    rest_position,
)
from .rest_spot_account import SpotReads
from .rest_wire import RequestArgs, user_symbol

__all__ = [
    "FILLS_PAGE",
    "FILLS_WINDOW_MS",
    "HISTORY_PAGE",
    "HISTORY_WINDOW_MS",
    "OPEN_ORDERS_PAGE",
    "PATHS",
    "AccountReads",
    "MarketPaths",
    "windows",
]

_log = logging.getLogger("weex_events.rest")

_DAY_MS = 86_400_000
#: WEEX-WS.md §3.1.2: userTrades spans at most 7 days, order/history 90 days;
#: one ms less, so that an inclusive end never makes a window too long.
FILLS_WINDOW_MS = 7 * _DAY_MS - 1
HISTORY_WINDOW_MS = 90 * _DAY_MS - 1
#: The largest ``limit`` each endpoint takes.
FILLS_PAGE = 100
HISTORY_PAGE = 1000
OPEN_ORDERS_PAGE = 100
#: §3.1.4: the answer for an order id the exchange does not know.
_ORDER_NOT_EXIST = -3200


@dataclass(frozen=True, slots=True)
class MarketPaths:
    """The signed read paths of one market."""

    open_orders: str
    order: str
    order_history: str
    fills: str
    positions: str | None
    balances: str


#: Paths per ``config.market`` (WEEX-WS.md §3.1.2, §3.1.3).
PATHS = {
    "contract": MarketPaths(
        open_orders="/capi/v3/openOrders",
        order="/capi/v3/order",
        order_history="/capi/v3/order/history",
        fills="/capi/v3/userTrades",
        positions="/capi/v3/account/position/allPosition",
        balances="/capi/v3/account/balance",
    ),
    # No positions on spot; the reads themselves are SpotReads'.
    "spot": MarketPaths(
        open_orders="/api/v3/openOrders",
        order="/api/v3/order",
        order_history="/api/v3/allOrders",
        fills="/api/v3/myTrades",
        positions=None,
        balances="/api/v3/account/",
    ),
}


def windows(start_ms: int, end_ms: int, span_ms: int) -> Iterator[tuple[int, int]]:
    """Split ``[start_ms, end_ms]`` (inclusive) into windows of at most ``span_ms``.

    Windows are consecutive and do not overlap; an empty range gives none.
    """
    low = start_ms
    while low <= end_ms:
        high = min(low + span_ms, end_ms)
        yield low, high
        low = high + 1


def _id_key(value: JSONValue) -> tuple[int, int]:
    """Sort decimal ids numerically (JSON integer or string), anything else last."""
    text = str(value)
    return (0, int(text)) if text.isdigit() else (1, 0)


class AccountReads:
    """Signed reads of orders, fills, positions and balances (module doc).

    Mixed into :class:`~weex_events.rest.WeexRestClient`, which provides the
    transport. Raises what every client call raises; :class:`ConfigError` for a
    market without these endpoints.
    """

    _config: WeexConfig
    _marks: dict[str, str] | None

    async def _list(
        self, method: str, path: str, **request: Unpack[RequestArgs]
    ) -> list[JSONObject]:
        raise NotImplementedError  # pragma: no cover - provided by WeexRestClient

    async def _dict(
        self, method: str, path: str, **request: Unpack[RequestArgs]
    ) -> JSONObject:
        raise NotImplementedError  # pragma: no cover - provided by WeexRestClient

    def _paths(self) -> MarketPaths:
        paths = PATHS.get(self._config.market)
        if paths is None:
            raise ConfigError(
                "market",
                f"private-state reads are not available on {self._config.market}",
            )
        return paths

    def _spot_reads(self) -> SpotReads | None:
        if self._config.market != "spot":
            return None
        return SpotReads(self, self._items, self._normalizer)

    def _normalizer(self) -> Normalizer:
        return Normalizer(self._config.number_type, self._marks)

    def _items(
        self,
        kind: str,
        rows: list[JSONObject],
        convert: Callable[[Normalizer, JSONObject], dict[str, Any]],
    ) -> list[PrivateItem]:
        norm = self._normalizer()
        out = []
        for row in rows:
            try:
                data = convert(norm, row)
            except (LookupError, TypeError, ValueError, ArithmeticError) as exc:
                raise RestError(
                    200, None, f"unreadable {kind} in answer: {exc}"
                ) from None
            out.append(
                PrivateItem(kind, data.get("symbol"), data, item_time_ms(row), row)
            )
        return out

    async def fetch_open_orders(self, symbol: str | None = None) -> list[PrivateItem]:
        """Every open order (all symbols, or ``symbol``), oldest id first."""
        if (spot := self._spot_reads()) is not None:
            return await spot.open_orders(symbol)
        path = self._paths().open_orders
        rows: dict[JSONValue, JSONObject] = {}
        cursor: int | None = None
        while True:
            params = {"limit": str(OPEN_ORDERS_PAGE)}
            if symbol is not None:
                params["symbol"] = user_symbol(symbol)
            if cursor is not None:
                params["orderId"] = str(cursor)
            page = await self._list("GET", path, params=params, signed=True)
            ids = [r.get("orderId") for r in page]
            fresh = [r for r, i in zip(page, ids, strict=True) if i not in rows]
            rows.update((r.get("orderId"), r) for r in fresh)
            numeric = [
                int(i) for i in ids if isinstance(i, int | str) and str(i).isdigit()
            ]
            if len(page) < OPEN_ORDERS_PAGE or not fresh or not numeric:
                break
            cursor = max(numeric)
        ordered = sorted(rows.values(), key=lambda r: _id_key(r.get("orderId")))
        return self._items("order", ordered, rest_order)

    async def fetch_order(self, order_id: str | int) -> PrivateItem | None:
        """One order by exchange id, or ``None`` if the exchange does not know it."""
        if isinstance(order_id, bool) or not str(order_id).isdigit():
            raise ConfigError("order_id", f"must be a decimal id, not {order_id!r}")
        if (spot := self._spot_reads()) is not None:
            return await spot.order(str(order_id))
        params = {"orderId": str(order_id)}
        try:
            row = await self._dict(
                "GET", self._paths().order, params=params, signed=True
            )
        except RestError as exc:
            if exc.code == _ORDER_NOT_EXIST:
                return None
            raise
        return self._items("order", [row], rest_order)[0]

    async def fetch_order_history(
        self, start_ms: int, end_ms: int, symbol: str | None = None
    ) -> list[PrivateItem]:
        """Orders created in ``[start_ms, end_ms]``, in 90-day windows, paged
        (spot: ``symbol`` required)."""
        if (spot := self._spot_reads()) is not None:
            return await spot.order_history(start_ms, end_ms, symbol)
        path = self._paths().order_history
        rows: dict[JSONValue, JSONObject] = {}
        for low, high in windows(start_ms, end_ms, HISTORY_WINDOW_MS):
            page_no = 0
            while True:
                params = {
                    "startTime": str(low),
                    "endTime": str(high),
                    "limit": str(HISTORY_PAGE),
                    "page": str(page_no),
                }
                if symbol is not None:
                    params["symbol"] = user_symbol(symbol)
                page = await self._list("GET", path, params=params, signed=True)
                rows.update((r.get("orderId"), r) for r in page)
                if len(page) < HISTORY_PAGE:
                    break
                page_no += 1
        return self._items("order", list(rows.values()), rest_order)

    async def fetch_fills(
        self, start_ms: int, end_ms: int, symbol: str | None = None
    ) -> list[PrivateItem]:
        """Fills in ``[start_ms, end_ms]``, each once, oldest first (module doc;
        spot: ``symbol`` required)."""
        if (spot := self._spot_reads()) is not None:
            return await spot.fills(start_ms, end_ms, symbol)
        path = self._paths().fills
        rows: dict[JSONValue, JSONObject] = {}
        for low, high in windows(start_ms, end_ms, FILLS_WINDOW_MS):
            while low <= high:
                params = {
                    "startTime": str(low),
                    "endTime": str(high),
                    "limit": str(FILLS_PAGE),
                }
                if symbol is not None:
                    params["symbol"] = user_symbol(symbol)
                page = await self._list("GET", path, params=params, signed=True)
                fresh = [r for r in page if r.get("id") not in rows]
                rows.update((r.get("id"), r) for r in fresh)
                times = [t for t in map(item_time_ms, page) if t is not None]
                if len(page) < FILLS_PAGE or not times:
                    break
                if times[0] <= times[-1]:  # oldest served first: go on from the last
                    if not fresh and max(times) == low:
                        _log.warning(
                            "more than %d fills at %d ms: some may be missed",
                            FILLS_PAGE,
                            low,
                        )
                        low += 1
                    else:
                        low = max(times)
                else:  # newest first: narrow the end
                    if not fresh and min(times) == high:
                        _log.warning(
                            "more than %d fills at %d ms: some may be missed",
                            FILLS_PAGE,
                            high,
                        )
                        high -= 1
                    else:
                        high = min(times)
        ordered = sorted(rows.values(), key=lambda r: item_time_ms(r) or 0)
        return self._items("fill", ordered, rest_fill)

    async def fetch_positions(self) -> list[PrivateItem]:
        """Every open position (closed ones are absent over REST)."""
        path = self._paths().positions
        if path is None:
            raise ConfigError("market", f"{self._config.market} has no positions")
        rows = await self._list("GET", path, signed=True)
        return self._items("position", rows, rest_position)

    async def fetch_balances(self) -> list[PrivateItem]:
        """One balance item per coin (``balance``, ``available``, ``frozen``)."""
        if (spot := self._spot_reads()) is not None:
            return await spot.balances()
        rows = await self._list("GET", self._paths().balances, signed=True)
        return self._items("account", rows, rest_balance)
