"""Reliability under faults, proven against the simulator's fault injection."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import expect, within, zero_backoff
from weex_events import (
    ConfigError,
    ConnectionEvent,
    ErrorEvent,
    ResyncEvent,
    StaleEvent,
    StreamMessage,
    SubscriptionError,
    WeexConfig,
    WeexConnectionError,
    WeexWebSocketClient,
)
from weex_events.sim import Simulator

pytestmark = pytest.mark.weex_sim(seed=7)


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture (seed 7, speed 20)."""
    return weex_sim


def sim_client(sim: Simulator, **overrides: Any) -> WeexWebSocketClient:
    return WeexWebSocketClient(sim.config(**overrides), backoff=zero_backoff)


def live(sim: Simulator) -> set[str]:
    return {s for c in sim.connections if not c.closed for s in c.subscriptions}


async def until(predicate: Any, timeout: float = 30.0) -> None:
    """Poll ``predicate`` every millisecond, at most ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


class Lifecycle:
    """Records lifecycle events in order."""

    def __init__(self, client: WeexWebSocketClient) -> None:
        self.events: list[ConnectionEvent] = []
        for name in ("disconnected", "reconnecting", "reconnected"):
            client.on(name, self.events.append)

    @property
    def names(self) -> list[str]:
        return [e.event for e in self.events]


@pytest.mark.parametrize("fault", ["drop", 1000, 1001, 1011])
async def test_transport_fault_restores_everything(sim: Simulator, fault: Any) -> None:
    """A drop or a close mid-stream → disconnected, reconnecting, reconnected;
    every subscription restored, handlers not duplicated, books resynced."""
    async with sim_client(sim) as client:
        lifecycle = Lifecycle(client)
        tickers: list[StreamMessage] = []
        resyncs: list[ResyncEvent] = []
        client.on("ticker:BTCUSDT", tickers.append)
        client.on("resync", resyncs.append)
        client.on("book:ETHUSDT", lambda m: None)
        await client.subscribe("trade", "SOLUSDT")
        await client.wait_for("book:ETHUSDT", timeout=5)
        wanted = {"BTCUSDT@ticker", "ETHUSDT@depth15", "SOLUSDT@trade"}
        await until(lambda: wanted <= live(sim))
        reconnected = expect(client, "reconnected")  # closing yields to the loop
        if fault == "drop":
            assert sim.faults.drop() == 1
        else:
            await sim.faults.close(fault, "going away")
        await within(reconnected)
        await until(lambda: wanted <= live(sim))
        book = await client.wait_for("book:ETHUSDT", timeout=5)
        count = len(tickers)
        await client.wait_for("ticker:BTCUSDT", timeout=5)
        assert len(tickers) == count + 1  # one handler call per ticker, not two
        assert len(client.listeners("ticker:BTCUSDT")) == 1
    assert lifecycle.names == ["disconnected", "reconnecting", "reconnected"]
    disconnected, reconnecting, _ = lifecycle.events
    if fault != "drop":
        assert disconnected.close_code == fault
    assert reconnecting.delay == 0.0 and reconnecting.attempt == 1
    assert [r.reason for r in resyncs] == ["reconnect"]
    assert Decimal(book.data["bids"][0][0]) < Decimal(book.data["asks"][0][0])


async def test_refused_reconnects_are_retried(sim: Simulator) -> None:
    """Upgrades refused for a while: every attempt is announced, then it recovers."""
    async with sim_client(sim) as client:
        lifecycle = Lifecycle(client)
        await client.subscribe("ticker", "BTCUSDT")
        sim.faults.refuse_connections(3)
        sim.faults.drop()
        await client.wait_for("reconnected", timeout=5)
        await client.wait_for("ticker:BTCUSDT", timeout=5)
    attempts = [e.attempt for e in lifecycle.events if e.event == "reconnecting"]
    assert attempts == [1, 2, 3, 4]
    assert sim.stats.connections_refused == 3
    assert all("503" in (e.reason or "") for e in lifecycle.events[2:4])


async def test_server_gone_then_back_on_same_port() -> None:
    """A server that is down (connection refused) is retried until it returns."""
    first = Simulator(seed=3, speed=20)
    await first.start()
    port = first.port
    async with sim_client(first) as client:
        await client.subscribe("ticker", "ETHUSDT")
        await first.stop()
        await client.wait_for(
            "reconnecting", predicate=lambda e: e.attempt >= 3, timeout=5
        )
        async with Simulator(seed=3, speed=20, port=port) as second:
            await client.wait_for("reconnected", timeout=5)
            await client.wait_for("ticker:ETHUSDT", timeout=5)
            assert "ETHUSDT@ticker" in live(second)


def test_backoff_resets_after_a_healthy_period() -> None:
    """The delay generator restarts only when the last connection stayed up long
    enough; otherwise delays keep growing across outages."""
    from weex_events import backoff

    delays = backoff(1.0, 8.0, 2.0, rng=lambda: 1.0)
    assert list(itertools.islice(delays, 6)) == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    jittered = backoff(1.0, 8.0, 2.0, rng=lambda: 0.0)
    assert list(itertools.islice(jittered, 3)) == [0.5, 1.0, 2.0]


async def test_stalled_server_is_detected_by_keepalive(sim: Simulator) -> None:
    """No data and no pings: the client's WebSocket ping notices and reconnects."""
    async with sim_client(sim, keepalive_interval=0.2) as client:
        await client.subscribe("ticker", "BTCUSDT")
        sim.faults.stall()
        disconnected = await client.wait_for("disconnected", timeout=5)
        assert "keepalive" in (disconnected.reason or "")
        await client.wait_for("reconnected", timeout=5)
        await client.wait_for("ticker:BTCUSDT", timeout=5)


async def test_quiet_channel_warns_stale_without_reconnecting(sim: Simulator) -> None:
    """A paused market triggers one `stale` warning per silence, not a reconnect."""
    async with sim_client(sim, stale_after={"ticker": 0.15}) as client:
        stale: list[StaleEvent] = []
        client.on("stale", stale.append)
        client.on("disconnected", lambda e: pytest.fail("must not disconnect"))
        await client.subscribe("ticker", "BTCUSDT")
        await client.wait_for("ticker:BTCUSDT", timeout=5)
        sim.pause()
        await client.wait_for("stale", timeout=5)
        await asyncio.sleep(0.4)  # bounded: more silence must not repeat it
        assert len(stale) == 1
        sim.resume()
        await client.wait_for("ticker:BTCUSDT", timeout=5)
        assert client.is_connected()
    assert stale[0].channel.symbol == "BTCUSDT" and stale[0].silent_for > 0.15


async def test_rejections_never_lead_to_1007(sim: Simulator) -> None:
    """Eight rejected channels are each reported once; the SDK moves new channels
    off a connection before the server's 6-rejection close."""
    async with sim_client(sim) as client:
        lifecycle = Lifecycle(client)
        for n in range(8):
            with pytest.raises(SubscriptionError, match="invalid symbol"):
                await client.subscribe("ticker", f"NOPE{n}USDT")
        await client.subscribe("ticker", "BTCUSDT")
        await client.wait_for("ticker:BTCUSDT", timeout=5)
        assert lifecycle.names == []
        assert max(c.rejects for c in sim.connections) <= 4
        assert all(not c.closed for c in sim.connections)


async def test_commands_are_paced_under_the_hourly_limit(sim: Simulator) -> None:
    """With an operation budget of 3 per hour the 4th subscribe waits, unsent."""
    async with sim_client(sim, max_ops_per_hour=3) as client:
        await client.subscribe("ticker", ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await client.subscribe("ticker", "XRPUSDT")
        states = client.subscriptions
        assert sum(s == "active" for s in states.values()) == 3
        assert "XRPUSDT@ticker" not in live(sim)
        assert all(c.rejects == 0 for c in sim.connections)


async def test_channels_are_sharded_over_connections(sim: Simulator) -> None:
    """Past max_channels_per_connection, more connections carry the rest."""
    symbols = [
        "BTCUSDT",
        "ETHUSDT",
        "SOLUSDT",
        "XRPUSDT",
        "ADAUSDT",
        "DOGEUSDT",
        "BNBUSDT",
    ]
    async with sim_client(sim, max_channels_per_connection=3) as client:
        await client.subscribe("ticker", symbols)
        assert len([c for c in sim.connections if not c.closed]) == 3
        seen: set[str] = set()
        async with asyncio.timeout(5):
            async for msg in client.stream_tickers(symbols):
                seen.add(msg.symbol or "")
                if seen == set(symbols):
                    break
    async with sim_client(
        sim, max_channels_per_connection=3, max_connections=2
    ) as client:
        with pytest.raises(ConfigError, match="connection limit"):
            await client.subscribe("ticker", symbols)


@pytest.mark.parametrize(
    "frame, reason",
    [
        ("{not json", "JSON"),
        (b"\x00\x01binary", "binary"),
        ('{"e":"weird","E":1,"s":"BTCUSDT","d":[]}', "unknown push type"),
        ('{"e":"ticker","E":1775120226169}', ""),
        ('{"e":"ticker","E":"soon","s":"BTCUSDT","d":[{"c":1}]}', ""),
    ],
    ids=[
        "malformed",
        "binary",
        "unknown-type",
        "missing-fields",
        "wrong-types",
    ],
)
async def test_bad_input_is_reported_and_survived(
    sim: Simulator, frame: str | bytes, reason: str
) -> None:
    """Each bad frame becomes one `error` event with an excerpt; the socket stays."""
    async with sim_client(sim, max_frame_size=4096) as client:
        errors: list[ErrorEvent] = []
        client.on("error", errors.append)
        await client.subscribe("ticker", "BTCUSDT")
        await sim.faults.send_raw(frame)
        await until(lambda: bool(errors))
        await client.wait_for("ticker:BTCUSDT", timeout=5)  # still flowing
        assert client.is_connected()
        assert client.stats.decode_errors == 1
        assert client.stats.reconnects == 0
    (error,) = errors
    assert error.source in ("decode", "protocol")
    assert reason.lower() in error.message.lower()
    assert error.frame and len(error.frame) <= 201


async def test_oversized_frame_is_reported_then_reconnects(sim: Simulator) -> None:
    """A frame over max_frame_size is refused from its header: one `error` naming
    its size and the setting, then a reconnect, and the data flows again."""
    async with sim_client(sim, max_frame_size=4096) as client:
        errors: list[ErrorEvent] = []
        client.on("error", errors.append)
        await client.subscribe("ticker", "BTCUSDT")
        reconnected = expect(client, "reconnected")
        await sim.faults.send_raw("[" + "1," * 3000 + "1]")
        await within(reconnected)
        await client.wait_for("ticker:BTCUSDT", timeout=30)  # flowing again
        assert client.stats.decode_errors == 1
        assert client.stats.reconnects == 1
    (error,) = errors
    assert error.source == "decode"
    assert "6003 bytes" in error.message and "max_frame_size" in error.message
    assert "4096" in error.message


async def test_disconnect_during_reconnect_leaves_nothing_behind(
    sim: Simulator,
) -> None:
    """Exiting while the client waits to reconnect cancels every task and socket."""
    before = {t for t in asyncio.all_tasks()}
    problems: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, ctx: problems.append(ctx))
    config = sim.config()

    def slow_backoff() -> Iterator[float]:
        return itertools.repeat(30.0)

    async with WeexWebSocketClient(config, backoff=slow_backoff) as client:
        stream = client.stream_tickers(["BTCUSDT"])
        await anext(stream)
        sim.faults.refuse_connections(None)
        sim.faults.drop()
        await client.wait_for("reconnecting", timeout=5)
    with pytest.raises(StopAsyncIteration):
        await anext(stream)
    await asyncio.sleep(0.01)  # bounded: let cancelled tasks finish
    leftover = {t for t in asyncio.all_tasks() if t not in before} - {
        asyncio.current_task()
    }
    assert not [t.get_name() for t in leftover if "weex_events" in t.get_name()]
    assert problems == []
    sim.faults.reset()


async def test_handler_exception_does_not_stop_the_stream(sim: Simulator) -> None:
    """A raising handler yields error events while streams keep flowing."""
    async with sim_client(sim) as client:
        errors: list[ErrorEvent] = []
        client.on("error", errors.append)
        client.on("trade:BTCUSDT", lambda m: 1 / 0)
        count = 0
        async with asyncio.timeout(5):
            async for _ in client.stream_trades("BTCUSDT"):
                count += 1
                if count == 20:
                    break
    assert len(errors) >= 20
    assert all(
        e.source == "handler" and "ZeroDivisionError" in e.message for e in errors
    )


def test_config_rejects_nonsense_limits() -> None:
    """Limits that would make the SDK misbehave are refused up front."""
    for field in ("queue_size", "max_frame_size", "max_channels_per_connection"):
        with pytest.raises(ConfigError):
            WeexConfig(**{field: 0})
    with pytest.raises(ConfigError):
        WeexConfig(stale_after={"ticker": 0})


async def test_operation_budget_is_per_socket(sim: Simulator) -> None:
    """After a reconnect the new socket has a fresh operation budget, so the
    resubscription is not held back by the old socket's commands."""
    async with sim_client(sim, max_ops_per_hour=3) as client:
        await client.subscribe("ticker", ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
        sim.faults.drop()
        await client.wait_for("reconnected", timeout=30)
        # The server has all three and the client has read all three acks.
        await until(
            lambda: (
                len(live(sim)) == 3 and set(client.subscriptions.values()) == {"active"}
            )
        )


@pytest.mark.parametrize("refuse_drops", [False, True])
async def test_retry_policy_is_injectable(sim: Simulator, refuse_drops: bool) -> None:
    """`retryable` decides for drops and failed opens alike: refusing HTTP 503
    stops after one failed attempt; refusing every connection error stops at
    the drop itself. Either way an error event replaces the reconnect loop and
    the streams that needed that connection end with the cause."""
    config = sim.config()

    def retryable(exc: BaseException) -> bool:
        if not isinstance(exc, WeexConnectionError):
            return True
        return not refuse_drops and "503" not in exc.reason

    client = WeexWebSocketClient(config, backoff=zero_backoff, retryable=retryable)
    async with client:
        attempts: list[ConnectionEvent] = []
        client.on("reconnecting", attempts.append)
        stream = client.stream_tickers(["BTCUSDT"])
        await within(anext(stream))
        gave_up = expect(client, "error", lambda e: e.source == "connection")
        sim.faults.refuse_connections(None)
        sim.faults.drop()
        error = await within(gave_up)
        with pytest.raises(WeexConnectionError):  # the stream ends with the cause
            async with asyncio.timeout(5):
                async for _ in stream:
                    pass
        await asyncio.sleep(0.05)  # bounded: a retry loop would show up here
        assert not client.is_connected()
    if refuse_drops:
        assert attempts == [] and "503" not in error.message
        assert sim.stats.connections_refused == 0
    else:
        assert len(attempts) == 1 and "503" in error.message
        assert sim.stats.connections_refused == 1
    sim.faults.reset()
