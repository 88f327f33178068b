"""Prometheus metrics: the histogram, and `GET /metrics` on a running command."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.metrics_scrape import Samples, command, scrape
from weex_events import ClientStats
from weex_events.metrics import ClientCollector, LatencyHistogram

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
    "weex_private_recovered_total",
    "weex_latency_seconds",
)


def labelled(samples: Samples, name: str) -> dict[str, float]:
    """The samples of a one-label metric ``name``, by label value."""
    return {labels[0][1]: v for (n, labels), v in samples.items() if n == name}


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
    # Only tickers were asked for, on the public endpoint alone.
    messages = labelled(samples, "weex_messages_total")
    assert set(messages) == {"ticker"} and messages["ticker"] >= 1
    frames = labelled(samples, "weex_frames_total")
    assert set(frames) == {"public", "private"}
    assert frames["public"] >= 1 and frames["private"] == 0
    errors = labelled(samples, "weex_decode_errors_total")
    assert errors == {"public": 0, "private": 0}
    assert labelled(samples, "weex_private_recovered_total") == {}
    assert samples[("weex_connected", (("endpoint", "public"),))] == 1
    assert samples[("weex_connected", (("endpoint", "private"),))] == 0
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
                if any(labelled(samples, "weex_messages_total").values()):
                    break
                await asyncio.sleep(0.2)
    assert samples[("weex_connected", (("endpoint", "public"),))] == 1


class _Source:
    """Just enough of a client for the collector: stats and no-op registration."""

    def __init__(self, stats: ClientStats) -> None:
        self.stats = stats

    def on(self, event: str, handler: Any) -> Any:
        return handler

    def once(self, event: str, handler: Any) -> Any:
        return handler

    def off(self, event: str, handler: Any) -> None:
        pass


def test_collector_labels_the_per_kind_and_per_endpoint_counters() -> None:
    """Messages are exported per kind, frames and decode errors per endpoint, and
    the items recovery delivered per kind, each from ``client.stats``."""
    stats = ClientStats(
        messages=5, frames=9, decode_errors=1, handler_errors=0, reconnects=0,
        resyncs=0, recovered={"order": 2, "fill": 1},
        messages_by_kind={"ticker": 3, "order": 2},
        frames_by_endpoint={"public": 6, "private": 3},
        decode_errors_by_endpoint={"public": 1, "private": 0},
    )  # fmt: skip
    values = {
        (metric.name, tuple(sample.labels.values())): sample.value
        for metric in ClientCollector(_Source(stats)).collect()
        for sample in metric.samples
    }
    assert values[("weex_messages", ("ticker",))] == 3
    assert values[("weex_messages", ("order",))] == 2
    assert values[("weex_frames", ("public",))] == 6
    assert values[("weex_frames", ("private",))] == 3
    assert values[("weex_decode_errors", ("public",))] == 1
    assert values[("weex_private_recovered", ("order",))] == 2
    assert values[("weex_private_recovered", ("fill",))] == 1
