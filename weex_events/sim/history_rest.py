"""The signed REST reads a client recovers private state from (WEEX-WS.md §3.1.2).

Actions for ``sim.trading_rest``'s signed routes, answered from the paper
exchange and its history (``sim.history``), in REST spellings (``sim.rest_frames``:
ids and times as JSON integers), with WEEX's limits:

- ``GET /capi/v3/openOrders``: ``symbol``?, ``orderId``? (only ids greater than it),
  ``startTime``?/``endTime``? (creation time), ``limit`` 1-100 (100), ``page`` from 0;
  oldest first.
- ``GET /capi/v3/order/history``: ``symbol``?, ``startTime``?/``endTime``? on the
  creation time, at most **90 days** apart (default: the 90 days to now),
  ``limit`` 1-1000 (500), ``page`` from 0; every order, open ones included, oldest
  first.
- ``GET /capi/v3/order?orderId=``: one order; unknown → ``-3200`` (§3.1.4).
- ``GET /capi/v3/userTrades``: ``symbol``?, ``orderId``?, ``startTime``?/
  ``endTime``?, at most **7 days** apart (none: the last 7 days; one: 7 days from
  it), ``limit`` 1-100 (100); no cursor. The simulator serves the **oldest** first
  (WEEX does not document the order), so a full page is continued from its last
  time.

Out-of-range queries answer HTTP 400 as §3.1.7 lists: ``-1170`` a window longer
than allowed or a start more than 365 days back, ``-1171`` start after end,
``-1140`` a ``limit`` out of range, ``-1142`` a parameter that is not an integer,
``-1141`` a missing ``orderId``, ``-1121`` an unknown symbol. Times are the
simulated clock's.

Imports: stdlib and ``sim.orders``/``sim.paper``/``sim.rest_frames``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .orders import OrderRejected
from .paper import PaperExchange
from .rest_frames import rest_order, rest_position, rest_trade

__all__ = [
    "FILLS_WINDOW_MS",
    "HISTORY_WINDOW_MS",
    "ORDER_NOT_EXIST",
    "TIME_OUT_OF_RANGE",
    "HistoryActions",
]

DAY_MS = 86_400_000
#: WEEX-WS.md §3.1.2: userTrades windows, order/history windows, oldest start.
FILLS_WINDOW_MS = 7 * DAY_MS
HISTORY_WINDOW_MS = 90 * DAY_MS
MAX_AGE_MS = 365 * DAY_MS
#: WEEX-WS.md §3.1.7 and §3.1.4.
TIME_OUT_OF_RANGE = -1170
START_AFTER_END = -1171
LIMIT_OUT_OF_RANGE = -1140
PARAM_EMPTY = -1141
INVALID_SYMBOL = -1121  # as the other simulated endpoints answer (WEEX-WS.md §3)
PARAM_INVALID = -1142
ORDER_NOT_EXIST = -3200

Query = Mapping[str, str]


def _int(query: Query, name: str) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise OrderRejected(PARAM_INVALID, f"Parameter '{name}' is invalid.")
    return int(raw)


def _limit(query: Query, low: int, high: int, default: int) -> int:
    value = _int(query, "limit")
    if value is None:
        return default
    if not low <= value <= high:
        raise OrderRejected(
            LIMIT_OUT_OF_RANGE, f"limit must be between {low} and {high}."
        )
    return value


def _window(query: Query, span_ms: int, now_ms: int, days: int) -> tuple[int, int]:
    """``(start, end)`` inclusive, with WEEX's defaults and range checks."""
    start, end = _int(query, "startTime"), _int(query, "endTime")
    if start is None and end is None:
        end = now_ms
    if start is None:
        assert end is not None
        start = end - span_ms
    if end is None:
        end = start + span_ms
    if start > end:
        raise OrderRejected(START_AFTER_END, "startTime must be before endTime.")
    if end - start > span_ms or start < now_ms - MAX_AGE_MS:
        raise OrderRejected(
            TIME_OUT_OF_RANGE,
            "startTime must be within the last 365 days. "
            f"Time range cannot exceed {days} days.",
        )
    return start, end


class HistoryActions:
    """The actions, each ``(api_key, query) -> JSON-able``; refusals raise."""

    def __init__(self, paper: PaperExchange, now_ms: Callable[[], int]) -> None:
        self._paper = paper
        self._now_ms = now_ms

    def _symbol(self, query: Query) -> str | None:
        symbol = query.get("symbol") or None
        if symbol is not None and symbol.upper() not in self._paper.market.symbols:
            raise OrderRejected(INVALID_SYMBOL, "Invalid symbol.")
        return None if symbol is None else symbol.upper()

    def open_orders(self, api_key: str, query: Query) -> list[dict[str, Any]]:
        symbol = self._symbol(query)
        after = _int(query, "orderId")
        start, end = _int(query, "startTime"), _int(query, "endTime")
        limit = _limit(query, 1, 100, 100)
        page = _int(query, "page") or 0
        chosen = [
            o
            for o in self._paper.open_orders(api_key, symbol)
            if (after is None or int(o.order_id) > after)
            and (start is None or o.created_ms >= start)
            and (end is None or o.created_ms <= end)
        ]
        return [rest_order(o) for o in chosen[page * limit : (page + 1) * limit]]

    def order_history(self, api_key: str, query: Query) -> list[dict[str, Any]]:
        symbol = self._symbol(query)
        start, end = _window(query, HISTORY_WINDOW_MS, self._now_ms(), 90)
        limit = _limit(query, 1, 1000, 500)
        page = _int(query, "page") or 0
        chosen = [
            o
            for o in self._paper.history.orders(api_key)
            if symbol in (None, o.symbol) and start <= o.created_ms <= end
        ]
        return [rest_order(o) for o in chosen[page * limit : (page + 1) * limit]]

    def order(self, api_key: str, query: Query) -> dict[str, Any]:
        order_id = query.get("orderId")
        if not order_id:
            raise OrderRejected(PARAM_EMPTY, "Parameter 'orderId' cannot be empty.")
        order = self._paper.history.order(api_key, order_id)
        if order is None:
            raise OrderRejected(ORDER_NOT_EXIST, "CONTRACT_ORDER_NOT_EXIST")
        return rest_order(order)

    def user_trades(self, api_key: str, query: Query) -> list[dict[str, Any]]:
        symbol = self._symbol(query)
        order_id = query.get("orderId") or None
        start, end = _window(query, FILLS_WINDOW_MS, self._now_ms(), 7)
        limit = _limit(query, 1, 100, 100)
        chosen = [
            f
            for f in self._paper.history.fills(api_key)
            if symbol in (None, f.inst.symbol)
            and order_id in (None, f.order_id)
            and start <= f.time_ms <= end
        ]
        return [rest_trade(f) for f in chosen[:limit]]

    def positions(self, api_key: str, query: Query) -> list[dict[str, Any]]:
        mark = self._paper.market.ticker
        return [
            rest_position(p, p.unrealized(mark(p.symbol).mark))
            for p in self._paper.positions(api_key)
        ]
