"""Prometheus metrics: the histogram, and `GET /metrics` on a running command."""

from __future__ import annotations

import asyncio

from tests.metrics_scrape import command, scrape
from weex_events.metrics import LatencyHistogram

DOCUMENTED = (
    "weex_frames_total",
    "weex_messages_total",
    "weex_decode_errors_total",
    "weex_handler_errors_total",
    "weex_reconnects_total",
    "weex_connected",
    "weex_book_resyncs_total",
    "weex_queue_dropped_total",
    "weex_queue_conflated_total",
    "weex_latency_seconds",
)


def test_latency_histogram_buckets_are_cumulative() -> None:
    """Each bucket counts the samples at or below its bound; +Inf counts all;
    a negative latency (clock skew) counts as zero."""
    histogram = LatencyHistogram((0.01, 0.1))
    for seconds in (0.005, 0.01, 0.05, 3.0, -1.0):
        histogram.observe(seconds)
    assert histogram.cumulative() == [("0.01", 3.0), ("0.1", 4.0), ("+Inf", 5.0)]
    assert histogram.count == 5 and histogram.sum == 3.065


async def test_tail_serves_the_documented_metrics() -> None:
    """`tail --sim --metrics-port 0` serves every documented metric with values
    that follow the client: messages flowing, the public endpoint connected,
    latency sampled, no errors."""
    async with command("tail", "--sim", "--metrics-port", "0", "ticker:BTCUSDT") as (
        _,
        url,
    ):
        async with asyncio.timeout(120):
            while True:
                body, samples = await scrape(url)
                if samples.get(("weex_latency_seconds_count", ())):
                    break
                await asyncio.sleep(0.2)
    for name in DOCUMENTED:
        assert f"# TYPE {name} " in body, name
    assert samples[("weex_messages_total", (("kind", "all"),))] >= 1
    assert samples[("weex_frames_total", (("endpoint", "all"),))] >= 1
    assert samples[("weex_connected", (("endpoint", "public"),))] == 1
    assert samples[("weex_connected", (("endpoint", "private"),))] == 0
    assert samples[("weex_decode_errors_total", (("endpoint", "all"),))] == 0
    assert samples[("weex_handler_errors_total", ())] == 0
    assert samples[("weex_reconnects_total", (("endpoint", "public"),))] == 0
    count = samples[("weex_latency_seconds_count", ())]
    assert samples[("weex_latency_seconds_bucket", (("le", "+Inf"),))] == count


async def test_demo_serves_metrics_too() -> None:
    """`demo --metrics-port 0` serves its client's metrics while it runs."""
    async with command("demo", "--plain", "--metrics-port", "0") as (_, url):
        async with asyncio.timeout(120):
            while True:
                _, samples = await scrape(url)
                if samples.get(("weex_messages_total", (("kind", "all"),))):
                    break
                await asyncio.sleep(0.2)
    assert samples[("weex_connected", (("endpoint", "public"),))] == 1
