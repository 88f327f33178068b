"""Maintained order books against the simulator: REST agreement and resyncs."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import paused_book, zero_backoff
from weex_events import ResyncEvent, WeexRestClient, WeexWebSocketClient
from weex_events.sim import Simulator

pytestmark = pytest.mark.weex_sim(seed=11)


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture (seed 11, speed 20)."""
    return weex_sim


@pytest.mark.parametrize("level", [15, 200])
async def test_book_matches_rest_depth_at_same_version(
    sim: Simulator, level: int
) -> None:
    """After many deltas, the maintained book equals the simulator's REST depth."""
    async with WeexWebSocketClient(sim.config(), backoff=zero_backoff) as client:
        seen = 0
        async with asyncio.timeout(5):
            async for _ in client.stream_order_book("BTCUSDT", level=level):
                seen += 1
                if seen == 30:
                    break
        await client.subscribe("book", "BTCUSDT", level=level)  # keep it alive
        book = await paused_book(client, sim, "BTCUSDT")
        async with WeexRestClient(sim.config()) as rest:
            depth = await rest.depth("BTCUSDT", limit=level)
        sim.resume()
    assert depth["lastUpdateId"] >= book.data["version"]
    assert [list(level) for level in book.data["bids"]] == depth["bids"]
    assert [list(level) for level in book.data["asks"]] == depth["asks"]
    assert len(book.data["bids"]) == level


@pytest.mark.parametrize("fault", ["skip_depth_version", "repeat_depth_version"])
async def test_injected_depth_fault_resyncs_once(sim: Simulator, fault: str) -> None:
    """A skipped or a repeated version gives exactly one resync and a correct book."""
    async with WeexWebSocketClient(sim.config(), backoff=zero_backoff) as client:
        resyncs: list[ResyncEvent] = []
        client.on("resync", resyncs.append)
        client.on("book:ETHUSDT", lambda m: None)
        await client.wait_for("book:ETHUSDT", timeout=30)
        getattr(sim.faults, fault)("ETHUSDT")
        await client.wait_for("resync", timeout=30)
        fresh = await client.wait_for("book:ETHUSDT", timeout=30)
        for _ in range(20):  # the chain holds again after the resync
            await client.wait_for("book:ETHUSDT", timeout=30)
        book = await paused_book(client, sim, "ETHUSDT")
        async with WeexRestClient(sim.config()) as rest:
            depth = await rest.depth("ETHUSDT", limit=15)
        sim.resume()
        assert client.stats.resyncs == 1
    assert len(resyncs) == 1 and resyncs[0].reason == "gap"
    assert fresh.data["bids"] and fresh.data["asks"]
    assert [list(level) for level in book.data["bids"]] == depth["bids"]
    assert [list(level) for level in book.data["asks"]] == depth["asks"]


async def test_slow_server_only_adds_latency(sim: Simulator) -> None:
    """A server delaying every frame keeps the client connected and ordered."""
    async with WeexWebSocketClient(sim.config(), backoff=zero_backoff) as client:
        versions: list[int] = []
        client.on("book:BTCUSDT", lambda m: versions.append(m.data["version"]))
        await client.wait_for("book:BTCUSDT", timeout=5)
        sim.faults.slow(0.05)
        for _ in range(5):
            await client.wait_for("book:BTCUSDT", timeout=5)
        sim.faults.slow(0)
        assert client.is_connected() and client.stats.resyncs == 0
    assert versions == sorted(versions)
