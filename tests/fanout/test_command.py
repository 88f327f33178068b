"""`weex-events fanout`: an ingest process publishing to Redis, with metrics."""

from __future__ import annotations

import asyncio

from tests.metrics_scrape import command, scrape
from weex_events.fanout import RedisSubscriber


async def test_fanout_command_publishes_and_exports_its_counters(
    redis_url: str, prefix: str
) -> None:
    """`fanout --sim` publishes tickers a subscriber reads, and its /metrics shows
    the entries published per stream, no drops, a lag, and the client's messages
    per kind and frames per endpoint."""
    args = ("fanout", "--redis", redis_url, "--prefix", prefix, "--sim")
    async with command(*args, "--metrics-port", "0", "ticker:BTCUSDT", "order") as (
        proc,
        url,
    ):
        async with RedisSubscriber(redis_url, prefix=prefix, start="0") as sub:
            msg = await sub.wait_for("ticker:BTCUSDT", timeout=120)
        assert msg.symbol == "BTCUSDT" and msg.data["last"]
        stream = (("stream", f"{prefix}:contract:ticker:BTCUSDT"),)
        async with asyncio.timeout(120):
            while True:
                _, samples = await scrape(url)
                if samples.get(("weex_fanout_published_total", stream)):
                    break
                await asyncio.sleep(0.2)
        assert samples[("weex_fanout_dropped_total", ())] == 0
        assert samples[("weex_fanout_lag_seconds", ())] >= 0
        assert samples[("weex_connected", (("endpoint", "private"),))] == 1
        assert samples[("weex_messages_total", (("kind", "ticker"),))] >= 1
        assert samples[("weex_frames_total", (("endpoint", "public"),))] >= 1
        for endpoint in ("public", "private"):
            errors = ("weex_decode_errors_total", (("endpoint", endpoint),))
            assert samples[errors] == 0
        proc.terminate()
        async with asyncio.timeout(60):
            assert await proc.wait() == 0
