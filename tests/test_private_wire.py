"""Private state wired into the client, against the simulator on 127.0.0.1:0:
pushes admitted exactly once, recovery after reconnects, on request, on a
schedule and after a backlog overflow, and ``account_state`` equal to REST.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import zero_backoff
from tests.order_flow import trade_phase
from weex_events import (
    ConfigError,
    RecoveryEvent,
    SlowConsumerError,
    StreamMessage,
    WeexConfig,
    WeexRestClient,
    WeexWebSocketClient,
)
from weex_events.sim import Simulator

SYM = "BTCUSDT"
DAY = 86_400_000
PRIVATE = ("order", "fill", "position", "account")


pytestmark = pytest.mark.weex_sim(
    seed=5, symbols=(SYM, "ETHUSDT"), start_time_ms=1_767_225_600_000, paused=True
)


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture, paused from a fixed start (seed 5)."""
    return weex_sim


@pytest_asyncio.fixture
async def rest(sim: Simulator) -> AsyncIterator[WeexRestClient]:
    async with WeexRestClient(sim.config()) as client:
        yield client


class Seen:
    """Everything a client delivered, with a way to wait on it."""

    def __init__(self, client: WeexWebSocketClient) -> None:
        self.messages: list[StreamMessage] = []
        self.lifecycle: list[Any] = []
        self._changed = asyncio.Event()
        for kind in PRIVATE:
            client.on(kind, self._message)
        for event in ("recovering", "recovered", "error", "slow_consumer"):
            client.on(event, self._event)

    def _message(self, msg: StreamMessage) -> None:
        self.messages.append(msg)
        self._changed.set()

    def _event(self, payload: Any) -> None:
        self.lifecycle.append(payload)
        self._changed.set()

    def fills(self) -> list[str]:
        return [m.data["fill_id"] for m in self.messages if m.kind == "fill"]

    def recovered(self, reason: str | None = None) -> list[RecoveryEvent]:
        return [
            e
            for e in self.lifecycle
            if isinstance(e, RecoveryEvent)
            and e.event == "recovered"
            and (reason is None or e.reason == reason)
        ]

    async def until(self, predicate: Callable[[], bool], seconds: float = 60) -> None:
        async with asyncio.timeout(seconds):  # generous: the machine may be busy
            while not predicate():
                self._changed.clear()
                # some conditions (the simulator's state) change without an event
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.5)


def paper_fills(sim: Simulator) -> list[str]:
    return [f.fill_id for f in sim.paper.history.fills(sim.api_key)]


def market(sim: Simulator, n: int) -> None:
    for i in range(n):
        side = "SELL" if i % 3 == 2 else "BUY"
        sim.paper.place_order(sim.api_key, SYM, side, "0.002")
        sim.step()


async def subscribe_all(client: WeexWebSocketClient) -> None:
    for kind in PRIVATE:
        await client.subscribe(kind)


async def assert_equal_to_rest(
    client: WeexWebSocketClient, seen: Seen, sim: Simulator, rest: WeexRestClient
) -> None:
    """Fills once each, every order's last delivered state, and the account
    view: all equal to the paper exchange over REST."""
    fills = seen.fills()
    assert sorted(fills) == sorted(paper_fills(sim))
    assert len(fills) == len(set(fills))
    last: dict[str, dict[str, Any]] = {}
    for msg in seen.messages:
        if msg.kind == "order":
            last[msg.data["order_id"]] = msg.data
    now = sim.market.now_ms
    history = await rest.fetch_order_history(now - DAY, now)
    for order in history:
        mine = last[order.data["order_id"]]
        assert (mine["status"], Decimal(mine["filled_size"])) == (
            order.data["status"],
            Decimal(order.data["filled_size"]),
        )
    view = client.account_state
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


async def test_seed_fills_account_state_and_pushes_arrive_once(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """The first private subscription seeds account_state from REST (marked
    recovered, reason seed); later pushes are delivered once, not recovered."""
    market(sim, 3)  # a position and a balance before the client starts
    async with WeexWebSocketClient(sim.config(), backoff=zero_backoff) as client:
        seen = Seen(client)
        await subscribe_all(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        (seed,) = seen.recovered("seed")
        assert seed.counts["position"] == 1 and seed.counts["account"] == 1
        assert all(m.recovered for m in seen.messages)
        assert client.account_state.positions
        before = len(seen.messages)
        market(sim, 2)
        await seen.until(lambda: len(seen.fills()) == 2)
        assert not any(m.recovered for m in seen.messages[before:])
        assert client.stats.recoveries == 1
        assert isinstance(client.account_state.version, int)  # the pushes' ``v``


async def test_a_push_sent_twice_is_delivered_once(sim: Simulator) -> None:
    """The same fill pushed again (same id) reaches no handler a second time."""
    async with WeexWebSocketClient(sim.config(), backoff=zero_backoff) as client:
        seen = Seen(client)
        await subscribe_all(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        market(sim, 1)
        await seen.until(lambda: len(seen.fills()) == 1)
        (fill,) = [m for m in seen.messages if m.kind == "fill"]
        frame = {"e": "fill", "E": 1, "v": 999, "d": [fill.raw]}
        assert await sim.faults.send_raw(json.dumps(frame), endpoint="private") == 1
        market(sim, 1)  # a later push: once it is here, the copy was handled
        await seen.until(lambda: len(seen.fills()) == 2)
        assert len(set(seen.fills())) == 2


async def test_fifty_orders_through_dropped_sockets_end_equal_to_rest(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """Sixty market, resting, partially filled and canceled orders while the
    private socket is dropped five times: every fill once, every order's last
    state and account_state equal REST, recovered events marked."""
    resting: list[str] = []
    async with WeexWebSocketClient(sim.config(), backoff=zero_backoff) as client:
        seen = Seen(client)
        await subscribe_all(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        for phase in range(6):
            if phase:
                assert sim.faults.drop("private") == 1
            resting = trade_phase(sim, SYM, resting)
            if phase:  # the recovery after this phase's reconnect has run
                await seen.until(lambda p=phase: len(seen.recovered("reconnect")) >= p)
            await seen.until(lambda: len(seen.fills()) >= len(paper_fills(sim)))
        await asyncio.sleep(0)
        await assert_equal_to_rest(client, seen, sim, rest)
        assert sum(e.counts["fill"] for e in seen.recovered("reconnect")) > 0
        assert any(m.recovered and m.kind == "fill" for m in seen.messages)
        assert not [e for e in seen.lifecycle if getattr(e, "source", "") == "recovery"]
        (first, *_) = seen.recovered("reconnect")
        assert first.window is not None and first.window[0] < first.window[1]
        assert first.seconds is not None and first.attempts == 1


async def test_silently_dropped_pushes_are_found_by_reconciliation(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """With reconcile_interval set, pushes WEEX never sent are delivered as
    recovered and counted in stats.reconciled."""
    config = sim.config(reconcile_interval=0.2)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        seen = Seen(client)
        await subscribe_all(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        market(sim, 2)
        await seen.until(lambda: len(seen.fills()) == 2)
        sim.faults.drop_private_pushes()
        market(sim, 3)
        sim.faults.drop_private_pushes(0)
        await seen.until(lambda: len(seen.fills()) == len(paper_fills(sim)))
        assert sim.faults.private_pushes_dropped > 0
        assert client.stats.reconciled["fill"] == 3
        assert [m.recovered for m in seen.messages if m.kind == "fill"] == [
            False,
            False,
            True,
            True,
            True,
        ]
        await assert_equal_to_rest(client, seen, sim, rest)


async def test_an_outage_longer_than_a_page_of_fills_is_recovered_whole(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """130 fills missed while the private socket is down (more than WEEX's page
    of 100): the reconnect's recovery pages through them, each delivered once."""
    async with WeexWebSocketClient(sim.config(), backoff=zero_backoff) as client:
        seen = Seen(client)
        await subscribe_all(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        market(sim, 1)
        await seen.until(lambda: len(seen.fills()) == 1)
        sim.faults.drop_private_pushes()  # the outage starts before the drop
        assert sim.faults.drop("private") == 1
        market(sim, 130)
        sim.faults.drop_private_pushes(0)
        await seen.until(lambda: bool(seen.recovered("reconnect")), seconds=120)
        (event,) = seen.recovered("reconnect")
        assert event.counts["fill"] == 130 and event.counts["order"] == 130
        await assert_equal_to_rest(client, seen, sim, rest)


async def test_recover_private_on_request_delivers_only_the_difference(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """recover_private() returns what it delivered; a second call finds nothing."""
    async with WeexWebSocketClient(
        sim.config(seed_private_state=False), backoff=zero_backoff
    ) as client:
        seen = Seen(client)
        await subscribe_all(client)
        market(sim, 1)
        await seen.until(lambda: len(seen.fills()) == 1)
        sim.faults.drop_private_pushes()
        market(sim, 4)
        sim.faults.drop_private_pushes(0)
        result = await client.recover_private()
        assert result.counts["fill"] == 4
        assert (await client.recover_private()).items == ()
        reasons = [(e.event, e.reason) for e in seen.lifecycle[-4:]]
        assert reasons == [("recovering", "request"), ("recovered", "request")] * 2
        await assert_equal_to_rest(client, seen, sim, rest)


async def test_a_stalled_stream_past_the_backlog_fails_and_the_state_recovers(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """A private stream nobody reads passes private_backlog: it raises
    SlowConsumerError, slow_consumer says "recover", and account_state and
    the fills delivered to handlers stay exact."""
    config = sim.config(private_backlog=20)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        seen = Seen(client)
        stalled = client.stream("order", "account")
        reading = asyncio.ensure_future(anext(stalled))  # opens it
        await subscribe_all(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        first = await asyncio.wait_for(reading, 60)  # the seeded balance; then stalls
        market(sim, 15)
        await seen.until(lambda: len(seen.fills()) == len(paper_fills(sim)))
        await seen.until(lambda: bool(seen.recovered("overflow")))
        slow = [e for e in seen.lifecycle if getattr(e, "policy", "") == "recover"]
        assert slow and slow[0].consumer == "stream(order, account)"
        assert slow[0].pending > 20
        with pytest.raises(SlowConsumerError):
            async with asyncio.timeout(60):
                async for _ in stalled:
                    pass
        assert first.kind == "account" and first.recovered
        assert client.stats.dropped["stream(order, account)"] >= slow[0].pending
        await assert_equal_to_rest(client, seen, sim, rest)


async def test_a_stalled_async_handler_past_the_backlog_is_told_and_bounded(
    sim: Simulator, rest: WeexRestClient
) -> None:
    """A stalled async handler holds at most private_backlog items; its
    backlog is dropped (slow_consumer, policy recover) and the state recovered."""
    config = sim.config(private_backlog=10)
    release = asyncio.Event()
    got: list[StreamMessage] = []

    async def stalled(msg: StreamMessage) -> None:
        await release.wait()
        got.append(msg)

    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        seen = Seen(client)
        client.on("fill", stalled)
        await subscribe_all(client)
        await seen.until(lambda: bool(seen.recovered("seed")))
        market(sim, 15)
        await seen.until(lambda: bool(seen.recovered("overflow")))
        await seen.until(lambda: len(seen.fills()) == len(paper_fills(sim)))
        dropped = {k: n for k, n in client.stats.dropped.items() if "stalled" in k}
        (count,) = dropped.values()
        assert count > 10  # its backlog went, not the memory
        release.set()
        await assert_equal_to_rest(client, seen, sim, rest)
        assert len(got) < len(paper_fills(sim))  # what it missed is in account_state


async def test_a_failing_rest_ends_in_an_error_event_not_a_crash(
    sim: Simulator,
) -> None:
    """REST unreachable: the seed retries, then an error event (source
    recovery); pushes still flow."""
    config = sim.config().replace(rest_url="http://127.0.0.1:9")
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        seen = Seen(client)
        await subscribe_all(client)
        await seen.until(
            lambda: any(getattr(e, "source", "") == "recovery" for e in seen.lifecycle)
        )
        market(sim, 1)
        await seen.until(lambda: len(seen.fills()) == 1)
        assert client.account_state.balances  # kept current by pushes
        with pytest.raises(Exception) as failure:
            await client.recover_private()
        assert not isinstance(failure.value, ConfigError)


async def test_recovery_is_off_for_v2_and_says_why(sim: Simulator) -> None:
    """protocol="v2": recover_private() raises ConfigError naming the reason."""
    config = sim.config(protocol="v2")
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        with pytest.raises(ConfigError, match="v3"):
            await client.recover_private()
        assert client.account_state.open_orders == {}


def test_config_validates_the_private_state_settings() -> None:
    """Bad values name the setting and the expected form."""
    with pytest.raises(ConfigError, match="reconcile_interval"):
        WeexConfig(reconcile_interval=0)
    with pytest.raises(ConfigError, match="private_backlog"):
        WeexConfig(private_backlog=0)
    with pytest.raises(ConfigError, match="seed_private_state"):
        WeexConfig(seed_private_state="yes")  # type: ignore[arg-type]
    env = {"WEEX_RECONCILE_INTERVAL": "30"}
    assert WeexConfig.from_env(env).reconcile_interval == 30.0
    with pytest.raises(ConfigError, match="WEEX_RECONCILE_INTERVAL"):
        WeexConfig.from_env({"WEEX_RECONCILE_INTERVAL": "often"})
