"""Depth chains over the wire: integrity, window and REST consistency (§1.5, §3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp

from weex_events.sim import Simulator

from .conftest import Connect


class Chain:
    """Rebuilds one subscription's book from its frames, checking WEEX's rules."""

    def __init__(self) -> None:
        # Decimal price -> [price text, size text], as received.
        self.bids: dict[Decimal, list[str]] = {}
        self.asks: dict[Decimal, list[str]] = {}
        self.last_u: int | None = None
        self.frames = 0

    def apply(self, frame: dict[str, Any]) -> None:
        """Apply one frame; assert the chain, the window and the uncrossed book."""
        if self.last_u is None:
            assert frame["e"] == "depthSnapshot" and frame["d"] == "SNAPSHOT"
            self.bids.clear()
            self.asks.clear()
        else:
            assert frame["e"] == "depth" and frame["d"] == "CHANGED"
            # WEEX-WS.md §1.5: U equals the previous frame's u.
            assert frame["U"] == self.last_u, "gap in the depth chain"
            assert frame["u"] > frame["U"]
            assert frame["b"] or frame["a"], "a delta must change something"
        for side, levels in ((self.bids, frame["b"]), (self.asks, frame["a"])):
            for price, size in levels:
                if size == "0":
                    assert Decimal(price) in side, "deleting a level that is not there"
                    del side[Decimal(price)]
                else:
                    side[Decimal(price)] = [price, size]
        assert len(self.bids) == len(self.asks) == frame["l"]
        assert max(self.bids) < min(self.asks), "crossed book"
        self.last_u = frame["u"]
        self.frames += 1

    def levels(self) -> tuple[list[list[str]], list[list[str]]]:
        """Bids and asks as REST lists, best first."""
        bids = [self.bids[p] for p in sorted(self.bids, reverse=True)]
        asks = [self.asks[p] for p in sorted(self.asks)]
        return bids, asks


async def test_depth_chains_hold_at_high_speed(connect: Connect) -> None:
    """Hundreds of deltas chain U == previous u and keep a full, uncrossed window."""
    async with Simulator(seed=11, speed=40, symbols=["BTCUSDT", "ADAUSDT"]) as sim:
        probe = await connect(sim)
        await probe.request(
            "SUBSCRIBE",
            [
                "BTCUSDT@depth",
                "BTCUSDT@depth200",
                "ADAUSDT@depth15",
                "ADAUSDT@depth200",
            ],
        )
        chains: dict[tuple[str, int], Chain] = {}
        deletions = 0
        for frame in await probe.collect(400, timeout=8):
            chains.setdefault((frame["s"], frame["l"]), Chain()).apply(frame)
            deletions += sum(size == "0" for _, size in frame["b"] + frame["a"])
    assert set(chains) == {
        ("BTCUSDT", 15),
        ("BTCUSDT", 200),
        ("ADAUSDT", 15),
        ("ADAUSDT", 200),
    }
    assert all(chain.frames > 20 for chain in chains.values())
    assert deletions > 50


async def test_rest_depth_matches_the_book_rebuilt_from_frames(
    sim: Simulator, connect: Connect, http: aiohttp.ClientSession
) -> None:
    """After pausing, REST depth equals the WS book, at a lastUpdateId >= the last u."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["ETHUSDT@depth", "ETHUSDT@depth200"])
    chains = {15: Chain(), 200: Chain()}
    for frame in await probe.collect(30):
        chains[frame["l"]].apply(frame)
    sim.pause()
    for round_ in range(3):
        for frame in await probe.barrier():
            chains[frame["l"]].apply(frame)
        version = sim.market.book("ETHUSDT").version
        for levels, chain in chains.items():
            url = f"{sim.rest_url}/capi/v3/market/depth?symbol=ETHUSDT&limit={levels}"
            async with http.get(url) as resp:
                body = await resp.json()
            assert body["lastUpdateId"] == version
            assert chain.last_u is not None and chain.last_u <= version
            assert (body["bids"], body["asks"]) == chain.levels(), f"round {round_}"
        sim.step(2)


async def test_rest_depth_answers_the_requested_size(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """REST depth returns 15 levels by default, 200 on request, errors otherwise."""
    base = f"{paused_sim.rest_url}/capi/v3/market/depth?symbol="
    async with http.get(base + "ADAUSDT") as resp:
        body = await resp.json()
    assert len(body["bids"]) == len(body["asks"]) == 15
    assert Decimal(body["bids"][0][0]) < Decimal(body["asks"][0][0])
    async with http.get(base + "ADAUSDT&limit=200") as resp:
        assert len((await resp.json())["asks"]) == 200
    async with http.get(base + "ADAUSDT&limit=7") as resp:
        assert resp.status == 400
        assert (await resp.json())["code"] == -1141
    async with http.get(f"{paused_sim.rest_url}/capi/v3/market/depth") as resp:
        assert resp.status == 400
        assert (await resp.json())["code"] == -1140
    async with http.get(f"{paused_sim.rest_url}/capi/v3/market/nothing") as resp:
        assert resp.status == 404
