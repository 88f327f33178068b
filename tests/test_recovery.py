"""Recovery over REST against the simulator (real server on 127.0.0.1:0).

The paper exchange trades while nothing listens; recovery must then deliver
exactly what it did, paged within WEEX's limits, and nothing twice.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import zero_backoff
from tests.order_flow import trade_phase
from weex_events import StreamMessage, WeexWebSocketClient
from weex_events.errors import AuthenticationError, WeexConnectionError
from weex_events.private_items import PrivateItem
from weex_events.private_state import PrivateState
from weex_events.recovery import read_snapshot, recover
from weex_events.rest import WeexRestClient
from weex_events.sim import Simulator

SYM = "BTCUSDT"
DAY = 86_400_000


def no_delay() -> Iterator[float]:
    return itertools.repeat(0.0)


pytestmark = pytest.mark.weex_sim(
    seed=3, symbols=(SYM, "ETHUSDT"), start_time_ms=1_767_225_600_000, paused=True
)


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture, paused from a fixed start (seed 3)."""
    return weex_sim


@pytest_asyncio.fixture
async def rest(sim: Simulator) -> AsyncIterator[WeexRestClient]:
    async with WeexRestClient(sim.config()) as client:
        yield client


def trade(sim: Simulator, n: int, symbol: str = SYM) -> None:
    """``n`` market orders (two buys, then a sell), one market step apart."""
    for i in range(n):
        side = "SELL" if i % 3 == 2 else "BUY"
        sim.paper.place_order(sim.api_key, symbol, side, "0.002")
        sim.step()


def far_price(sim: Simulator, below: bool = True) -> str:
    inst = sim.market.instrument(SYM)
    book = sim.market.book(SYM)
    ticks = book.bids.price_at(20) if below else book.asks.price_at(20)
    return inst.price(ticks)


async def test_recovery_delivers_every_fill_once_over_pages_and_windows(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """More fills than one page, a window longer than 7 days: each fill once,
    and the account view equals REST."""
    start = sim.market.now_ms
    trade(sim, 130)
    state = PrivateState()
    result = await recover(rest, state, since_ms=start - 10 * DAY, backoff=no_delay)
    paper_fills = [f.fill_id for f in sim.paper.history.fills(sim.api_key)]
    assert len(paper_fills) > 100
    delivered = [i.data["fill_id"] for i in result.items if i.kind == "fill"]
    assert delivered == paper_fills  # oldest first, each once
    assert result.counts["fill"] == len(paper_fills)
    assert result.counts["order"] == 130
    assert result.window is not None
    assert result.window[1] - result.window[0] > 7 * DAY
    assert result.window[0] <= start - 10 * DAY
    assert result.attempts == 1 and result.seconds >= 0
    view = state.snapshot()
    (position,) = sim.paper.positions(sim.api_key)
    (held,) = view.positions.values()
    assert Decimal(held["size"]) == Decimal(position.inst.size(position.size))
    wallet = sim.paper.wallet(sim.api_key)
    assert Decimal(view.balances["USDT"]["balance"]) == wallet.amount
    again = await recover(rest, state, since_ms=start - 10 * DAY, backoff=no_delay)
    assert again.items == ()  # nothing new: nothing delivered twice


async def test_recovery_delivers_only_what_the_stream_missed(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """Items already admitted from the stream are not delivered again."""
    state = PrivateState()
    trade(sim, 3)
    first = await recover(rest, state, since_ms=sim.market.now_ms - DAY)
    seen = {i.data["fill_id"] for i in first.items if i.kind == "fill"}
    trade(sim, 2)
    second = await recover(rest, state, since_ms=state.last_event_ms)
    new = [i.data["fill_id"] for i in second.items if i.kind == "fill"]
    assert new and not seen & set(new)
    everything = [f.fill_id for f in sim.paper.history.fills(sim.api_key)]
    assert sorted(seen | set(new)) == sorted(everything)


async def test_an_order_finished_during_the_outage_is_looked_up(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """An open order created before the window and canceled since is delivered
    canceled (found by id, not in the history window)."""
    state = PrivateState()
    resting = sim.paper.place_order(
        sim.api_key, SYM, "BUY", "0.002", type="LIMIT", price=far_price(sim)
    )
    sim.step(3)
    seeded = await recover(rest, state, since_ms=None)
    assert seeded.window is None
    assert set(state.snapshot().open_orders) == {resting.order_id}
    sim.step(5)
    since = sim.market.now_ms
    sim.paper.cancel_order(sim.api_key, SYM, order_id=resting.order_id)
    result = await recover(rest, state, since_ms=since, margin_ms=0)
    (order,) = [i for i in result.items if i.kind == "order"]
    assert (order.data["order_id"], order.data["status"]) == (
        resting.order_id,
        "canceled",
    )
    assert state.snapshot().open_orders == {}


async def test_a_closed_position_is_delivered_closed(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """A position closed while nothing listened is delivered with size 0."""
    state = PrivateState()
    sim.paper.place_order(sim.api_key, "ETHUSDT", "BUY", "0.05")
    sim.step()
    await recover(rest, state, since_ms=None)
    assert ("ETHUSDT", "long") in state.snapshot().positions
    sim.paper.close_positions(sim.api_key, "ETHUSDT")
    sim.step()
    result = await recover(rest, state, since_ms=state.last_event_ms)
    closed = [i for i in result.items if i.kind == "position"]
    assert [Decimal(i.data["size"]) for i in closed] == [Decimal(0)]
    assert state.snapshot().positions == {}


class Flaky:
    """The simulator's REST behind a link that fails the first ``n`` reads."""

    def __init__(self, rest: WeexRestClient, n: int, error: Exception) -> None:
        self._rest, self._left, self._error = rest, n, error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rest, name)

    async def fetch_positions(self) -> list[PrivateItem]:
        if self._left:
            self._left -= 1
            raise self._error
        return await self._rest.fetch_positions()


async def test_rest_failures_are_retried_with_backoff(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """Two failed passes, then success: delays from backoff, state applied once."""
    trade(sim, 2)
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    state = PrivateState()
    flaky = Flaky(rest, 2, WeexConnectionError("/x", "reset"))
    result = await recover(
        flaky,
        state,
        since_ms=sim.market.now_ms - DAY,
        backoff=lambda: iter([0.25, 0.5, 1.0]),
        sleep=sleep,
    )
    assert (result.attempts, slept) == (3, [0.25, 0.5])
    assert result.counts["fill"] == len(sim.paper.history.fills(sim.api_key))


async def test_exhausted_retries_raise_and_leave_the_state_untouched(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """After the last attempt the error is raised; nothing was applied."""
    trade(sim, 2)
    state = PrivateState()
    flaky = Flaky(rest, 10, WeexConnectionError("/x", "reset"))
    with pytest.raises(WeexConnectionError):
        await recover(
            flaky, state, since_ms=0, attempts=3, backoff=no_delay, sleep=_no_sleep
        )
    assert state.snapshot().open_orders == {} and state.last_event_ms is None
    denied = Flaky(rest, 1, AuthenticationError("bad key", status=401, code=-1040))
    calls: list[float] = []

    async def sleep(delay: float) -> None:
        calls.append(delay)

    with pytest.raises(AuthenticationError):
        await recover(denied, state, since_ms=0, backoff=no_delay, sleep=sleep)
    assert calls == []  # an authentication failure is not retried


async def _no_sleep(delay: float) -> None:
    return None


async def test_snapshot_reads_nothing_older_than_a_year(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """A last event older than WEEX's 365 days is read from the oldest allowed."""
    snapshot, window = await read_snapshot(rest, since_ms=0)
    assert window is not None
    assert window[1] == snapshot.server_ms
    assert window[1] - window[0] < 365 * DAY


async def test_stream_and_recovery_together_lose_no_fill_despite_dropped_pushes(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """Pushes admitted as they come, some silently lost, then a recovery: every
    fill once, and each order's last delivered state equals REST."""
    state = PrivateState()
    delivered: list[PrivateItem] = []
    changed = asyncio.Event()

    def admit(msg: StreamMessage) -> None:
        item = PrivateItem.from_message(msg)
        if state.admit(item):
            delivered.append(item)
        changed.set()

    async def wait_until(predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(30):  # generous: the machine may be busy
            while not predicate():
                changed.clear()
                await changed.wait()

    def fills() -> list[str]:
        return [i.data["fill_id"] for i in delivered if i.kind == "fill"]

    # The pieces by hand: the client's own seed would race the manual recovery.
    config = sim.config(seed_private_state=False)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        for kind in ("order", "fill", "position", "account"):
            client.on(kind, admit)
        await client.subscribe("order")
        await client.subscribe("fill")
        await client.subscribe("position")
        await client.subscribe("account")
        trade(sim, 4)
        await wait_until(lambda: len(fills()) == len(paper_fills(sim)))
        sim.faults.drop_private_pushes()
        trade(sim, 5)
        sim.paper.place_order(
            sim.api_key, SYM, "BUY", "0.002", type="LIMIT", price=far_price(sim)
        )
        sim.faults.drop_private_pushes(0)
        assert len(fills()) < len(paper_fills(sim))
        result = await recover(rest, state, since_ms=state.resume_ms, backoff=no_delay)
        delivered.extend(result.items)
        trade(sim, 2)  # pushes flow again, and nothing recovered comes twice
        await wait_until(lambda: len(fills()) == len(paper_fills(sim)))
    assert sorted(fills()) == sorted(paper_fills(sim))
    assert len(fills()) == len(set(fills()))
    assert result.counts["fill"] > 0
    last: dict[str, dict[str, Any]] = {}
    for item in delivered:
        if item.kind == "order":
            last[item.data["order_id"]] = item.data
    history = await rest.fetch_order_history(sim.market.now_ms - DAY, sim.market.now_ms)
    assert len(history) == 12
    for order in history:
        mine = last[order.data["order_id"]]
        assert (mine["status"], Decimal(mine["filled_size"])) == (
            order.data["status"],
            Decimal(order.data["filled_size"]),
        )
    view = state.snapshot()
    assert list(view.open_orders) == [
        o.data["order_id"] for o in await rest.fetch_open_orders()
    ]
    rest_positions = {
        (p.symbol, p.data["side"]): p for p in await rest.fetch_positions()
    }
    assert {k: Decimal(v["size"]) for k, v in view.positions.items()} == {
        k: Decimal(v.data["size"]) for k, v in rest_positions.items()
    }
    (balance,) = await rest.fetch_balances()
    assert Decimal(view.balances["USDT"]["balance"]) == Decimal(balance.data["balance"])


def paper_fills(sim: Simulator) -> list[str]:
    return [f.fill_id for f in sim.paper.history.fills(sim.api_key)]


async def test_sixty_mixed_orders_through_repeated_losses_end_equal_to_rest(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """Market, resting, partially filled and canceled orders, with pushes lost in
    several phases and a recovery after each: every fill once, every order's last
    delivered state and the account view equal REST."""
    state = PrivateState()
    delivered: list[PrivateItem] = []
    changed = asyncio.Event()

    def admit(msg: StreamMessage) -> None:
        item = PrivateItem.from_message(msg)
        if state.admit(item):
            delivered.append(item)
        changed.set()

    def kinds(kind: str) -> list[PrivateItem]:
        return [i for i in delivered if i.kind == kind]

    async def settled() -> None:
        """Every fill the paper exchange made has been delivered."""
        async with asyncio.timeout(30):  # generous: the machine may be busy
            while len(kinds("fill")) < len(paper_fills(sim)):
                changed.clear()
                await changed.wait()

    resting: list[str] = []
    # The pieces by hand: the client's own seed would race the manual recovery.
    config = sim.config(seed_private_state=False)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        for kind in ("order", "fill", "position", "account"):
            client.on(kind, admit)
            await client.subscribe(kind)
        for phase in range(6):
            lossy = phase % 2 == 1
            if lossy:
                sim.faults.drop_private_pushes()
            resting = trade_phase(sim, SYM, resting)
            if lossy:
                sim.faults.drop_private_pushes(0)
                result = await recover(
                    rest, state, since_ms=state.resume_ms, backoff=no_delay
                )
                delivered.extend(result.items)
                assert result.counts["fill"] > 0
            await settled()
    assert sim.faults.private_pushes_dropped > 0
    fill_ids = [i.data["fill_id"] for i in kinds("fill")]
    assert sorted(fill_ids) == sorted(paper_fills(sim))
    assert len(fill_ids) == len(set(fill_ids))
    statuses = set()
    last: dict[str, dict[str, Any]] = {}
    for item in kinds("order"):
        last[item.data["order_id"]] = item.data
    history = await rest.fetch_order_history(sim.market.now_ms - DAY, sim.market.now_ms)
    assert len(history) == 60
    for order in history:
        mine = last[order.data["order_id"]]
        statuses.add(order.data["status"])
        assert (mine["status"], Decimal(mine["filled_size"])) == (
            order.data["status"],
            Decimal(order.data["filled_size"]),
        )
    assert {"filled", "canceled", "partially_filled", "new"} <= statuses
    view = state.snapshot()
    open_now = await rest.fetch_open_orders()
    assert sorted(view.open_orders) == sorted(o.data["order_id"] for o in open_now)
    positions = {
        (p.symbol, p.data["side"]): p.data for p in await rest.fetch_positions()
    }
    assert {k: Decimal(v["size"]) for k, v in view.positions.items()} == {
        k: Decimal(v["size"]) for k, v in positions.items()
    }
    (balance,) = await rest.fetch_balances()
    assert Decimal(view.balances["USDT"]["balance"]) == Decimal(balance.data["balance"])
