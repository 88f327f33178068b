"""Trade, kline and ticker streams over the wire, and determinism end to end."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from weex_events.sim import Simulator

from .conftest import Connect

MINUTE = 60_000
START = 1_767_225_600_000


async def test_trade_snapshot_then_live_trades(
    sim: Simulator, connect: Connect
) -> None:
    """tradeSnapshot carries recent trades; later trade frames are newer, ids unique."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["BTCUSDT@trade"])
    snapshot, *live = await probe.collect(6)
    assert snapshot["e"] == "tradeSnapshot"
    times = [t["T"] for t in snapshot["d"]]
    assert times == sorted(times) and times[-1] <= snapshot["E"]
    ids: set[str] = {t["t"] for t in snapshot["d"]}
    last = times[-1]
    for frame in live:
        assert frame["e"] == "trade" and frame["d"]
        for trade in frame["d"]:
            assert last <= trade["T"] <= frame["E"]
            last = trade["T"]
            assert trade["t"] not in ids
            ids.add(trade["t"])
            # v is exactly p × q, printed with the tick's plus the step's decimals.
            assert Decimal(trade["v"]) == Decimal(trade["p"]) * Decimal(trade["q"])
            assert len(trade["v"].split(".")[1]) == 1 + 3
            assert isinstance(trade["m"], bool)


async def test_kline_history_then_bar_updates(sim: Simulator, connect: Connect) -> None:
    """klineSnapshot: 100 closed contiguous bars and the current one; then updates."""
    probe = await connect(sim)
    await probe.request(
        "SUBSCRIBE", ["ETHUSDT@kline_1m", "ETHUSDT@kline_1h_MARK_PRICE"]
    )
    frames = await probe.collect(8)
    snapshots = {f["d"][-1]["i"]: f for f in frames if f["e"] == "klineSnapshot"}
    assert set(snapshots) == {"1m", "1h"}
    assert snapshots["1m"]["p"] == "LAST_PRICE" and snapshots["1h"]["p"] == "MARK_PRICE"
    for interval, snapshot in snapshots.items():
        bars = snapshot["d"]
        assert len(bars) == 101
        assert all(a["T"] == b["t"] for a, b in itertools.pairwise(bars))
        assert bars[-1]["t"] <= snapshot["E"] < bars[-1]["T"]
        step = 60 * MINUTE if interval == "1h" else MINUTE
        assert all(bar["T"] - bar["t"] == step for bar in bars)
    current = snapshots["1m"]["d"][-1]
    for frame in frames:
        if frame["e"] == "kline" and frame["d"][0]["i"] == "1m":
            (bar,) = frame["d"]
            assert bar["t"] >= current["t"]
            assert Decimal(bar["l"]) <= Decimal(bar["c"]) <= Decimal(bar["h"])


async def test_kline_rolls_over_to_a_new_bar(connect: Connect) -> None:
    """When the minute ends a kline frame brings a bar whose t is the old bar's T."""
    simulator = Simulator(symbols=["BTCUSDT"], start_time_ms=START - 300)
    simulator.pause()
    async with simulator as sim:
        probe = await connect(sim)
        await probe.request("SUBSCRIBE", ["BTCUSDT@kline_1m"])
        (snapshot,) = await probe.barrier()
        old = snapshot["d"][-1]
        sim.step(5)
        bars = [f["d"][0] for f in await probe.barrier()]
    assert old["T"] == START
    assert bars[-1]["t"] == START and bars[-1]["T"] == START + MINUTE
    assert any(bar["t"] == old["t"] for bar in bars)


async def test_tickers_are_consistent_and_paced(
    sim: Simulator, connect: Connect
) -> None:
    """Ticker fields agree with each other and come every 100-300 simulated ms."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["ADAUSDT@ticker"])
    frames = await probe.collect(8)
    for frame in frames:
        (item,) = frame["d"]
        last, opened = Decimal(item["c"]), Decimal(item["o"])
        assert Decimal(item["p"]) == last - opened
        assert abs(Decimal(item["P"]) - (last - opened) / opened) <= Decimal(
            "0.0000005"
        )
        assert Decimal(item["l"]) <= last <= Decimal(item["h"])
        assert Decimal(item["l"]) <= Decimal(item["w"]) <= Decimal(item["h"])
        assert item["C"] - item["O"] == 86_400_000
        assert abs(Decimal(item["m"]) - last) / last < Decimal("0.01")
    gaps = [b["E"] - a["E"] for a, b in itertools.pairwise(frames)]
    assert all(100 <= gap <= 300 for gap in gaps), gaps


async def _recording(seed: int, connect: Connect) -> list[Any]:
    simulator = Simulator(
        seed=seed, symbols=["BTCUSDT", "ETHUSDT"], start_time_ms=START
    )
    simulator.pause()
    async with simulator as sim:
        probe = await connect(sim)
        await probe.request(
            "SUBSCRIBE",
            ["BTCUSDT@depth", "ETHUSDT@trade", "ETHUSDT@ticker", "BTCUSDT@kline_5m"],
        )
        sim.step(25)
        return await probe.barrier()


async def test_same_seed_same_frames_over_the_wire(connect: Connect) -> None:
    """Two simulators with the same seed and steps send identical frames."""
    first = await _recording(3, connect)
    assert len(first) > 50
    assert first == await _recording(3, connect)
    assert first != await _recording(4, connect)
