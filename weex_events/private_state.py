"""Private state: what was delivered to the user, and what may be delivered next.

DESIGN.md §5. :class:`PrivateState` remembers, for one account, the fill ids
delivered, each order's status, filled size and update time, the positions by
``(symbol, side)`` and the balances by coin, and decides for every incoming
:class:`~weex_events.private_items.PrivateItem`, pushed or read over REST,
whether it is delivered (:meth:`PrivateState.admit`):

- a **fill** id is delivered once;
- an **order** update is delivered only if it moves the order forward: its
  ``(update time, filled size, stage)`` is greater than the last delivered one,
  its time and filled size are not smaller, and the order is not terminal
  (``filled``, ``canceled``, ``rejected``, ``expired``) already. The stage orders
  ``pending``/``untriggered`` < ``new`` < ``partially_filled`` < terminal, so the
  two pushes of a new order (``pending``, then ``new``) are both delivered, once;
- a **position** or **balance** is delivered when it differs from the last one
  delivered for its key and is not older than it.

:meth:`PrivateState.reconcile` applies the same rule to a whole REST read
(:class:`~weex_events.private_items.RestSnapshot`) and returns what the user has
not seen, in delivery order; a position REST no longer lists is delivered closed
(size 0), as WEEX pushes a closed position (WEEX-WS.md §3.1.2).
:meth:`PrivateState.snapshot` gives the read-only
:class:`~weex_events.private_items.AccountState`.

Memory is bounded: at most ``max_remembered`` fill ids and as many finished
orders are kept, and entries older than ``retention_ms`` (exchange time, compared
with the newest time seen or the ``now_ms`` a caller passes) are forgotten first.
Once something is forgotten, an unknown fill or order no newer than the newest
forgotten entry is not delivered (it may be the duplicate of a forgotten one):
exactly-once wins over completeness for items older than the retention.

Pure: no asyncio, no clock (callers pass ``now_ms``). Imports: ``protocol`` (the
normalized status words), ``private_items`` and the standard library.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from .private_items import (
    AccountState,
    PrivateItem,
    RestSnapshot,
    as_decimal,
    is_zero,
    same_values,
    zero_like,
)
from .protocol.rest_items import TERMINAL_STATUSES

__all__ = ["DEFAULT_MAX_REMEMBERED", "DEFAULT_RETENTION_MS", "PrivateState"]

#: Fill ids and finished orders are remembered for a day of exchange time...
DEFAULT_RETENTION_MS = 86_400_000
#: ...and at most this many of each.
DEFAULT_MAX_REMEMBERED = 100_000

_STAGES = {"pending": 0, "untriggered": 0, "new": 1, "partially_filled": 2}
_TERMINAL_STAGE = 3
_POSITION_KEYS = ("size", "entry_price", "leverage", "margin_mode", "funding_fee")
_BALANCE_KEYS = ("balance", "available", "frozen", "margin_mode")


class _OrderMark(NamedTuple):
    time_ms: int | None
    filled: Decimal | None
    stage: int


def _stage(status: Any) -> int:
    if status in TERMINAL_STATUSES:
        return _TERMINAL_STAGE
    return _STAGES.get(status, 1) if isinstance(status, str) else 1


def _readonly(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(data))


class PrivateState:
    """One account's delivered state and the exactly-once decisions (module doc).

    Args:
        retention_ms: exchange ms after which fill ids and finished orders may be
            forgotten.
        max_remembered: the most fill ids, and finished orders, kept.

    Attributes:
        counts: items refused so far, by reason: ``duplicate`` (already
            delivered), ``stale`` (older than what was delivered), ``final``
            (after a terminal status), ``forgotten`` (older than the memory).
    """

    def __init__(
        self,
        *,
        retention_ms: int = DEFAULT_RETENTION_MS,
        max_remembered: int = DEFAULT_MAX_REMEMBERED,
    ) -> None:
        if retention_ms < 1 or max_remembered < 1:
            raise ValueError("retention_ms and max_remembered must be positive")
        self.retention_ms = retention_ms
        self.max_remembered = max_remembered
        self._fills: OrderedDict[str, int | None] = OrderedDict()
        self._finished: OrderedDict[str, _OrderMark] = OrderedDict()
        self._live: dict[str, tuple[_OrderMark, dict[str, Any]]] = {}
        self._positions: dict[tuple[str, str], tuple[int | None, dict[str, Any]]] = {}
        self._balances: dict[str, tuple[int | None, dict[str, Any]]] = {}
        self._forgotten_ms: int | None = None
        self._newest_ms: int | None = None
        self._updated_ms: int | None = None
        self._verified_ms: int | None = None
        self._version: int | None = None
        self._symbols: set[str] = set()  # bounded by the exchange's listings
        self.counts: dict[str, int] = dict.fromkeys(
            ("duplicate", "stale", "final", "forgotten"), 0
        )

    # -- questions ---------------------------------------------------------------

    @property
    def last_event_ms(self) -> int | None:
        """The newest exchange time of any item delivered or read, in ms."""
        return self._newest_ms

    @property
    def resume_ms(self) -> int | None:
        """Where the next recovery should start reading history and fills.

        The server time of the last :meth:`reconcile` (everything before it was
        checked against REST, so a push lost silently after the last event seen is
        still covered), else :attr:`last_event_ms`; ``None`` before either.
        """
        if self._verified_ms is not None:
            return self._verified_ms
        return self._newest_ms

    @property
    def remembered(self) -> dict[str, int]:
        """How many ``fills`` ids and ``finished_orders`` are held (both bounded)."""
        return {"fills": len(self._fills), "finished_orders": len(self._finished)}

    @property
    def symbols(self) -> frozenset[str]:
        """Symbols of every order and fill delivered (spot recovery reads them)."""
        return frozenset(self._symbols)

    @property
    def open_order_ids(self) -> frozenset[str]:
        """Ids of the orders delivered as live (not terminal)."""
        return frozenset(self._live)

    def snapshot(self) -> AccountState:
        """The account as delivered so far (a copy; later items do not change it)."""
        updated = None if self._updated_ms is None else self._updated_ms / 1000
        return AccountState(
            open_orders=MappingProxyType(
                {oid: _readonly(data) for oid, (_, data) in self._live.items()}
            ),
            positions=MappingProxyType(
                {
                    key: _readonly(data)
                    for key, (_, data) in self._positions.items()
                    if not is_zero(data.get("size"))
                }
            ),
            balances=MappingProxyType(
                {coin: _readonly(data) for coin, (_, data) in self._balances.items()}
            ),
            updated_at=updated,
            version=self._version,
        )

    # -- decisions ----------------------------------------------------------------

    def admit(
        self,
        item: PrivateItem,
        *,
        version: int | None = None,
        now_ms: int | None = None,
    ) -> bool:
        """Decide whether ``item`` is delivered, and remember it if so.

        ``version`` is the push's account version ``v`` (WEEX-WS.md §1.6), if any;
        ``now_ms`` the exchange time now, for forgetting old entries (default: the
        newest time seen). Unknown kinds are delivered and not remembered.
        """
        kind = item.kind
        if kind == "fill":
            fresh = self._admit_fill(item)
        elif kind == "order":
            fresh = self._admit_order(item)
        elif kind == "position":
            fresh = self._admit_position(item)
        elif kind == "account":
            fresh = self._admit_balance(item)
        else:
            fresh = True
        if item.time_ms is not None and (
            self._newest_ms is None or item.time_ms > self._newest_ms
        ):
            self._newest_ms = item.time_ms
        if fresh:
            if kind in ("order", "fill") and item.symbol:
                self._symbols.add(item.symbol)
            if item.time_ms is not None:
                self._updated_ms = max(self._updated_ms or 0, item.time_ms)
            if version is not None:
                self._version = max(self._version or 0, version)
        self._forget(now_ms)
        return fresh

    def reconcile(
        self, snapshot: RestSnapshot, *, now_ms: int | None = None
    ) -> list[PrivateItem]:
        """Admit a REST read; return what was not delivered yet, in order.

        The order: orders by ``(time, filled size)``, then fills by time, then
        positions (a position REST no longer lists is delivered with size 0),
        then balances.
        """
        out: list[PrivateItem] = []
        if snapshot.server_ms is not None:
            self._verified_ms = max(self._verified_ms or 0, snapshot.server_ms)
        orders: dict[str, PrivateItem] = {}
        for order in (*snapshot.orders, *snapshot.open_orders):
            oid = order.data.get("order_id")
            if isinstance(oid, str):
                known = orders.get(oid)
                if known is None or _order_key(order) >= _order_key(known):
                    orders[oid] = order
        for order in sorted(orders.values(), key=_order_key):
            if self.admit(order, now_ms=now_ms):
                out.append(order)
        for fill in sorted(snapshot.fills, key=lambda f: f.time_ms or 0):
            if self.admit(fill, now_ms=now_ms):
                out.append(fill)
        listed = set()
        for pos in snapshot.positions:
            listed.add(_position_key(pos))
            if self.admit(pos, now_ms=now_ms):
                out.append(pos)
        for key, (_, data) in list(self._positions.items()):
            if key not in listed and not is_zero(data.get("size")):
                closed = PrivateItem(
                    "position",
                    key[0],
                    {**data, "size": zero_like(data.get("size"))},
                    snapshot.server_ms,
                )
                if self.admit(closed, now_ms=now_ms):
                    out.append(closed)
        for row in snapshot.balances:
            if self.admit(row, now_ms=now_ms):
                out.append(row)
        return out

    # -- rules ----------------------------------------------------------------------

    def _too_old(self, time_ms: int | None) -> bool:
        forgotten = self._forgotten_ms
        if forgotten is not None and time_ms is not None and time_ms <= forgotten:
            self.counts["forgotten"] += 1
            return True
        return False

    def _admit_fill(self, item: PrivateItem) -> bool:
        fid = item.data.get("fill_id")
        if not isinstance(fid, str):
            return True  # no id: nothing to deduplicate on
        if fid in self._fills:
            self.counts["duplicate"] += 1
            return False
        if self._too_old(item.time_ms):
            return False
        self._fills[fid] = item.time_ms
        return True

    def _admit_order(self, item: PrivateItem) -> bool:
        oid = item.data.get("order_id")
        if not isinstance(oid, str):
            return True
        new = _order_mark(item)
        if oid in self._finished:
            self.counts["final"] += 1
            return False
        live = self._live.get(oid)
        if live is None:
            if self._too_old(new.time_ms):
                return False
        else:
            old = live[0]
            new = _fill_gaps(new, old)
            if _older(new.time_ms, old.time_ms) or (
                new.filled is not None
                and old.filled is not None
                and new.filled < old.filled
            ):
                self.counts["stale"] += 1
                return False
            if _comparable(new) <= _comparable(old):
                self.counts["duplicate"] += 1
                return False
        if new.stage == _TERMINAL_STAGE:
            self._live.pop(oid, None)
            self._finished[oid] = new
        else:
            self._live[oid] = (new, dict(item.data))
        return True

    def _admit_position(self, item: PrivateItem) -> bool:
        key = _position_key(item)
        known = self._positions.get(key)
        if known is not None:
            time_ms, data = known
            if _older(item.time_ms, time_ms):
                self.counts["stale"] += 1
                return False
            if same_values(item.data, data, _POSITION_KEYS):
                self.counts["duplicate"] += 1
                return False
        # A closed position stays (one entry per symbol and side, so bounded):
        # the same close pushed again is then a duplicate.
        self._positions[key] = (item.time_ms, dict(item.data))
        return True

    def _admit_balance(self, item: PrivateItem) -> bool:
        coin = item.data.get("coin")
        if not isinstance(coin, str):
            return True
        known = self._balances.get(coin)
        merged = dict(item.data)
        if known is not None:
            time_ms, data = known
            if _older(item.time_ms, time_ms):
                self.counts["stale"] += 1
                return False
            if same_values(item.data, data, _BALANCE_KEYS):
                self.counts["duplicate"] += 1
                return False
            merged = {**data, **item.data}
        self._balances[coin] = (item.time_ms, merged)
        return True

    def _forget(self, now_ms: int | None) -> None:
        now = now_ms if now_ms is not None else self._newest_ms
        horizon = None if now is None else now - self.retention_ms
        for memory in (self._fills, self._finished):
            while memory:
                oldest_id, value = next(iter(memory.items()))
                time_ms = value.time_ms if isinstance(value, _OrderMark) else value
                expired = horizon is not None and (time_ms or 0) < horizon
                if not expired and len(memory) <= self.max_remembered:
                    break
                del memory[oldest_id]
                if time_ms is not None:
                    self._forgotten_ms = max(self._forgotten_ms or time_ms, time_ms)


def _order_mark(item: PrivateItem) -> _OrderMark:
    data = item.data
    return _OrderMark(
        item.time_ms, as_decimal(data.get("filled_size")), _stage(data.get("status"))
    )


def _fill_gaps(new: _OrderMark, old: _OrderMark) -> _OrderMark:
    """An unknown time or filled size counts as unchanged."""
    time_ms = old.time_ms if new.time_ms is None else new.time_ms
    filled = old.filled if new.filled is None else new.filled
    return _OrderMark(time_ms, filled, new.stage)


def _comparable(mark: _OrderMark) -> tuple[int, Decimal, int]:
    return (mark.time_ms or 0, mark.filled or Decimal(0), mark.stage)


def _order_key(item: PrivateItem) -> tuple[int, Decimal, int]:
    return _comparable(_order_mark(item))


def _position_key(item: PrivateItem) -> tuple[str, str]:
    side = item.data.get("side")
    return (item.symbol or "", side if isinstance(side, str) else "")


def _older(new: int | None, old: int | None) -> bool:
    return new is not None and old is not None and new < old
