"""Private-state recovery on the spot market (history and fills per symbol, no
positions), against the simulator's spot host on 127.0.0.1:0."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import zero_backoff
from tests.test_private_wire import Seen as ContractSeen
from weex_events import WeexConfig, WeexRestClient, WeexWebSocketClient
from weex_events.private_feed import recovery_unavailable
from weex_events.private_items import PrivateItem
from weex_events.private_state import PrivateState
from weex_events.recovery import read_snapshot
from weex_events.sim import Simulator

SYMBOLS = ("BTCUSDT", "ETHUSDT")
SPOT_PRIVATE = ("order", "fill", "account")


pytestmark = pytest.mark.weex_sim(
    seed=7, symbols=SYMBOLS, start_time_ms=1_767_225_600_000, paused=True
)


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture, paused (spot moves only by ``step()``)."""
    return weex_sim


class Seen(ContractSeen):
    """What a spot client delivered (spot serves no position events)."""

    def __init__(self, client: WeexWebSocketClient) -> None:
        self.messages = []
        self.lifecycle = []
        self._changed = asyncio.Event()
        for kind in SPOT_PRIVATE:
            client.on(kind, self._message)
        for event in ("recovering", "recovered", "error", "slow_consumer"):
            client.on(event, self._event)


def paper_fills(sim: Simulator) -> list[str]:
    """Every spot fill id of the account, all symbols."""
    paper = sim.spot.paper
    return [f.fill_id for s in SYMBOLS for f in paper.fills(sim.api_key, s)]


def trade(sim: Simulator, n: int) -> None:
    """``n`` spot market orders over both symbols (buys, then some sells)."""
    for i in range(n):
        symbol = SYMBOLS[i % 2]
        sell = i % 4 >= 2  # half of what was bought: buys pay fees in the coin
        size = "0.002" if sell else "0.004"
        sim.spot.paper.place_order(sim.api_key, symbol, "SELL" if sell else "BUY", size)
        sim.step()


async def subscribe(client: WeexWebSocketClient) -> None:
    for kind in SPOT_PRIVATE:
        await client.subscribe(kind)


async def assert_equal_to_rest(
    client: WeexWebSocketClient, seen: Seen, sim: Simulator, rest: WeexRestClient
) -> None:
    """Every fill delivered once; open orders and balances equal spot REST."""
    fills = seen.fills()
    assert len(fills) == len(set(fills))
    assert sorted(fills) == sorted(paper_fills(sim))
    view = client.account_state
    open_now = await rest.fetch_open_orders()
    assert sorted(view.open_orders) == sorted(o.data["order_id"] for o in open_now)
    assert not view.positions
    balances = {b.data["coin"]: b.data for b in await rest.fetch_balances()}
    assert balances
    for coin, row in balances.items():
        mine = view.balances[coin]
        for key in ("balance", "available", "frozen"):
            assert Decimal(mine[key]) == Decimal(row[key]), (coin, key)


def test_recovery_is_available_on_spot_v3() -> None:
    """Spot with credentials and a REST URL can recover; no reason is given."""
    config = WeexConfig(market="spot", api_key="k", secret_key="s", passphrase="p")
    assert recovery_unavailable(config) is None


class FakeSpot:
    """Spot-shaped reads: history and fills per symbol, positions refused."""

    def __init__(self) -> None:
        self.read: list[tuple[str, str | None]] = []

    async def server_time(self) -> int:
        return 10_000_000

    async def fetch_open_orders(self) -> list[PrivateItem]:
        return [PrivateItem("order", "ETHUSDT", {"order_id": "9", "status": "new"}, 1)]

    async def fetch_order(self, order_id: str) -> PrivateItem | None:
        return None

    async def fetch_order_history(
        self, start_ms: int, end_ms: int, symbol: str | None = None
    ) -> list[PrivateItem]:
        self.read.append(("history", symbol))
        return []

    async def fetch_fills(
        self, start_ms: int, end_ms: int, symbol: str | None = None
    ) -> list[PrivateItem]:
        self.read.append(("fills", symbol))
        return []

    async def fetch_positions(self) -> list[PrivateItem]:
        raise AssertionError("spot has no positions")

    async def fetch_balances(self) -> list[PrivateItem]:
        return []


async def test_per_symbol_reads_cover_delivered_and_open_symbols() -> None:
    """per_symbol reads the delivered symbols and the open orders', in order,
    and no positions."""
    state = PrivateState()
    fill: dict[str, Any] = {"fill_id": "1", "order_id": "2"}
    state.admit(PrivateItem("fill", "BTCUSDT", fill, 5))
    source = FakeSpot()
    _, window = await read_snapshot(
        source, since_ms=9_000_000, per_symbol=True, symbols=state.symbols
    )
    assert window == (9_000_000 - 60_000, 10_000_000)
    assert source.read == [
        ("history", "BTCUSDT"),
        ("fills", "BTCUSDT"),
        ("history", "ETHUSDT"),
        ("fills", "ETHUSDT"),
    ]


async def test_spot_fills_through_dropped_sockets_arrive_once(sim: Simulator) -> None:
    """Spot market orders on two symbols while the private socket is dropped
    three times: every fill once, balances and open orders equal spot REST."""
    config = sim.config(market="spot")
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        seen = Seen(client)
        await subscribe(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        trade(sim, 4)
        await seen.until(lambda: len(seen.fills()) == len(paper_fills(sim)))
        for phase in range(1, 4):
            sim.faults.drop_private_pushes()  # the outage starts before the drop
            assert sim.faults.drop("private") == 1
            trade(sim, 6)
            sim.faults.drop_private_pushes(0)
            await seen.until(lambda p=phase: len(seen.recovered("reconnect")) >= p)
            await seen.until(lambda: len(seen.fills()) == len(paper_fills(sim)))
        await assert_equal_to_rest(client, seen, sim, rest)
        assert sum(e.counts["fill"] for e in seen.recovered("reconnect")) == 18
        assert all(e.counts["position"] == 0 for e in seen.recovered())
        assert not [e for e in seen.lifecycle if getattr(e, "source", "") == "recovery"]


async def test_spot_lost_pushes_are_found_by_reconciliation(sim: Simulator) -> None:
    """With reconcile_interval set on spot, pushes never sent are delivered as
    recovered, once."""
    config = sim.config(market="spot", reconcile_interval=0.2)
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        seen = Seen(client)
        await subscribe(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        trade(sim, 2)
        await seen.until(lambda: len(seen.fills()) == 2)
        sim.faults.drop_private_pushes()
        trade(sim, 4)
        sim.faults.drop_private_pushes(0)
        await seen.until(lambda: len(seen.fills()) == len(paper_fills(sim)))
        assert sim.faults.private_pushes_dropped > 0
        assert client.stats.reconciled["fill"] == 4
        await seen.until(lambda: client.account_state.balances.keys() >= {"ETH"})
        await assert_equal_to_rest(client, seen, sim, rest)


async def test_recover_private_on_spot_delivers_only_the_difference(
    sim: Simulator,
) -> None:
    """recover_private() on spot returns the missed fills; a second call finds
    nothing."""
    config = sim.config(market="spot", seed_private_state=False)
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        seen = Seen(client)
        await subscribe(client)
        trade(sim, 2)
        await seen.until(lambda: len(seen.fills()) == 2)
        sim.faults.drop_private_pushes()
        trade(sim, 4)
        sim.faults.drop_private_pushes(0)
        result = await client.recover_private()
        assert result.counts["fill"] == 4 and result.counts["position"] == 0
        assert (await client.recover_private()).items == ()
        await assert_equal_to_rest(client, seen, sim, rest)
