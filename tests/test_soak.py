"""Soak tests, run on demand: ``python -m pytest -m soak -s tests/test_soak.py``.

They are excluded from the default run (``-m 'not soak'`` in pyproject.toml)
because they take a minute; their figures are printed with ``-s``.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tracemalloc

import orjson
import pytest

from tests.conftest import zero_backoff
from tests.scripted import ScriptedServer, trade_frame
from weex_events import WeexConfig, WeexWebSocketClient

pytestmark = pytest.mark.soak

FRAMES = 1_000_000


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_million_frames_through_a_stalled_consumer(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """One million trades into a stream nobody reads: memory stays flat and the
    drop count is exact."""
    config = scripted_config.replace(queue_size=1000)
    frame = orjson.dumps(trade_frame("BTCUSDT", ("100.5", "0.1", False))).decode()
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        stream = client.stream_trades("BTCUSDT")
        first = asyncio.create_task(anext(stream))
        await scripted.wait(lambda: "BTCUSDT@trade" in scripted.live())
        await scripted.push(frame)
        await first
        ws = scripted.conns[0].ws
        tracemalloc.start()
        samples = []
        for chunk in range(10):
            for _ in range(FRAMES // 10):
                await ws.send_str(frame)
            async with asyncio.timeout(120):
                while client.stats.messages < 1 + (chunk + 1) * FRAMES // 10:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            gc.collect()
            samples.append(tracemalloc.get_traced_memory()[0])
        tracemalloc.stop()
        assert stream.pending == 1000
        assert stream.dropped == FRAMES - 1000
        assert client.stats.dropped == {stream.name: FRAMES - 1000}
        growth = samples[-1] - samples[0]
        print(
            f"\ntraced memory after each 100k frames (KiB): "
            f"{[s // 1024 for s in samples]}; growth {growth / 1024:.1f} KiB; "
            f"dropped {stream.dropped}"
        )
        assert growth < 512 * 1024
        await stream.aclose()


async def test_thousand_reconnect_cycles_leave_nothing_behind(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """1,000 forced reconnects: no extra tasks, sockets or handlers."""
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        client.on("ticker:BTCUSDT", lambda m: None)
        await client.subscribe("trade", "ETHUSDT")
        await scripted.wait(
            lambda: {"BTCUSDT@ticker", "ETHUSDT@trade"} <= scripted.live()
        )
        gc.collect()
        tasks, fds = len(asyncio.all_tasks()), open_fds()
        for _ in range(1000):
            scripted.drop()
            await client.wait_for("reconnected", timeout=5)
        await scripted.wait(
            lambda: {"BTCUSDT@ticker", "ETHUSDT@trade"} <= scripted.live()
        )
        gc.collect()
        await asyncio.sleep(0.05)  # bounded: let closed sockets be reaped
        after_tasks, after_fds = len(asyncio.all_tasks()), open_fds()
        print(
            f"\ntasks {tasks} -> {after_tasks}, fds {fds} -> {after_fds}, "
            f"reconnects {client.stats.reconnects}, "
            f"server connections {len(scripted.conns)}"
        )
        assert client.stats.reconnects == 1000
        assert after_tasks == tasks
        assert after_fds <= fds
        assert len(client.listeners("ticker:BTCUSDT")) == 1
        assert len(scripted.conns) == 1
