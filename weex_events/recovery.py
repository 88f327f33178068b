"""Recovery of private state over REST (DESIGN.md §5, WEEX-WS.md §3.1.9).

:func:`recover` reads, over the signed REST endpoints of WEEX-WS.md §3.1, what a
private socket may have missed, and returns what the user has not been given yet
(:meth:`~weex_events.private_state.PrivateState.reconcile`), ready to be
delivered as ordinary events with ``recovered=True``:

1. the server time (the end of the window, and the time of rows without one);
2. every open order;
3. when ``since_ms`` is given: the order history and the fills from
   ``since_ms - margin_ms`` to the server time (paged and split into windows by
   the ``fetch_*`` reads of :class:`~weex_events.WeexRestClient`);
4. each order delivered as open that neither list shows, looked up by id (it
   finished during the outage and was created before the window);
5. positions and balances.

With ``per_symbol`` (spot, WEEX-WS.md §3.1.3: ``allOrders`` and ``myTrades``
need a symbol, and spot has no positions), step 3 reads the history and fills
once per symbol, in sorted order, and step 5 reads balances only. The symbols
are those of the open orders just read and of every order and fill delivered
(``symbols``, :attr:`~weex_events.private_state.PrivateState.symbols`). Coins
held are not turned into symbols: which quote a coin trades against is not
well-defined, so an order placed and finished on a symbol the client never saw
an order or fill of is found only through the balances it changed.

Nothing is applied to the state until every read succeeded, so a failed attempt
leaves the state untouched. A failed read is retried after the delays of
``backoff`` while ``is_retryable`` says so (authentication failures are final),
at most ``attempts`` times; then the last error is raised for the caller to
report. ``sleep`` and ``clock`` are injectable for tests.

Imports: ``errors``, ``backoff``, ``private_items``, ``private_state``, ``rest``
(asyncio, time).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Protocol

from .backoff import backoff as default_backoff
from .backoff import is_retryable as default_is_retryable
from .errors import WeexError
from .private_items import PrivateItem, RestSnapshot
from .private_state import PrivateState

__all__ = [
    "DEFAULT_ATTEMPTS",
    "DEFAULT_MARGIN_MS",
    "Recovery",
    "RecoverySource",
    "read_snapshot",
    "recover",
]

#: How far before the last private event seen the history and fills are read.
DEFAULT_MARGIN_MS = 60_000
#: Reads tried before :func:`recover` gives up.
DEFAULT_ATTEMPTS = 5
#: WEEX-WS.md §3.1.2: nothing older than 365 days can be queried.
_MAX_AGE_MS = 365 * 86_400_000 - 60_000


class RecoverySource(Protocol):
    """The REST reads recovery needs (:class:`~weex_events.rest.WeexRestClient`)."""

    async def server_time(self) -> int: ...

    async def fetch_open_orders(self) -> list[PrivateItem]: ...

    async def fetch_order(self, order_id: str) -> PrivateItem | None: ...

    async def fetch_order_history(
        self, start_ms: int, end_ms: int, symbol: str | None = None
    ) -> list[PrivateItem]: ...

    async def fetch_fills(
        self, start_ms: int, end_ms: int, symbol: str | None = None
    ) -> list[PrivateItem]: ...

    async def fetch_positions(self) -> list[PrivateItem]: ...

    async def fetch_balances(self) -> list[PrivateItem]: ...


@dataclass(frozen=True, slots=True)
class Recovery:
    """The outcome of one recovery.

    Attributes:
        items: what to deliver, in order (orders, fills, positions, balances).
        counts: how many items of each kind (``order``, ``fill``, ``position``,
            ``account``) are delivered, zeros included.
        window: ``(start_ms, end_ms)`` of the history and fills read, exchange
            time; ``None`` when none was read (no ``since_ms``).
        seconds: how long it took, retries included.
        attempts: how many passes over REST it took (1 when nothing failed).
    """

    items: tuple[PrivateItem, ...]
    counts: Mapping[str, int]
    window: tuple[int, int] | None
    seconds: float
    attempts: int


async def read_snapshot(
    source: RecoverySource,
    *,
    since_ms: int | None,
    open_order_ids: frozenset[str] = frozenset(),
    margin_ms: int = DEFAULT_MARGIN_MS,
    per_symbol: bool = False,
    symbols: frozenset[str] = frozenset(),
) -> tuple[RestSnapshot, tuple[int, int] | None]:
    """One pass over REST (steps 1-5 of the module doc); nothing is decided.

    ``open_order_ids`` are the orders delivered as open (step 4); ``symbols``
    the symbols delivered, read besides the open orders' with ``per_symbol``.
    """
    server_ms = await source.server_time()
    open_orders = await source.fetch_open_orders()
    history: list[PrivateItem] = []
    fills: list[PrivateItem] = []
    window = None
    if since_ms is not None:
        start = max(since_ms - margin_ms, server_ms - _MAX_AGE_MS)
        window = (min(start, server_ms), server_ms)
        if per_symbol:
            wanted = symbols | {o.symbol for o in open_orders if o.symbol}
            for symbol in sorted(wanted):
                history += await source.fetch_order_history(*window, symbol)
                fills += await source.fetch_fills(*window, symbol)
        else:
            history = await source.fetch_order_history(*window)
            fills = await source.fetch_fills(*window)
    listed = {o.data.get("order_id") for o in (*open_orders, *history)}
    for order_id in sorted(open_order_ids - listed):
        found = await source.fetch_order(order_id)
        if found is not None:
            history.append(found)
    positions = [] if per_symbol else await source.fetch_positions()
    # A balance row carries no time: it is as of the server time read first.
    balances = [
        b if b.time_ms is not None else replace(b, time_ms=server_ms)
        for b in await source.fetch_balances()
    ]
    snapshot = RestSnapshot(
        open_orders=tuple(open_orders),
        orders=tuple(history),
        fills=tuple(fills),
        positions=tuple(positions),
        balances=tuple(balances),
        server_ms=server_ms,
    )
    return snapshot, window


async def recover(
    source: RecoverySource,
    state: PrivateState,
    *,
    since_ms: int | None,
    margin_ms: int = DEFAULT_MARGIN_MS,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: Callable[[], Iterator[float]] = default_backoff,
    is_retryable: Callable[[BaseException], bool] = default_is_retryable,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    per_symbol: bool = False,
) -> Recovery:
    """Read REST, reconcile ``state`` with it, and return what to deliver.

    ``since_ms`` is where the history and fills are read from (usually
    ``state.resume_ms``: the last REST pass, else the last private event seen);
    ``None`` reads no history or fills (a first seed). ``per_symbol`` reads
    them symbol by symbol and no positions (spot; module doc).

    Raises:
        WeexError: the last failure, once ``attempts`` are spent or a failure
            is not retryable. ``state`` is then unchanged.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    started = clock()
    delays = backoff()
    attempt = 0
    while True:
        attempt += 1
        try:
            snapshot, window = await read_snapshot(
                source,
                since_ms=since_ms,
                open_order_ids=state.open_order_ids,
                margin_ms=margin_ms,
                per_symbol=per_symbol,
                symbols=state.symbols,
            )
        except WeexError as exc:
            if attempt >= attempts or not is_retryable(exc):
                raise
            await sleep(next(delays))
            continue
        items = state.reconcile(snapshot, now_ms=snapshot.server_ms)
        counts = dict.fromkeys(("order", "fill", "position", "account"), 0)
        for item in items:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        return Recovery(
            items=tuple(items),
            counts=MappingProxyType(counts),
            window=window,
            seconds=clock() - started,
            attempts=attempt,
        )
