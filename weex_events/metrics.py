"""Prometheus metrics of a client (and of a fan-out publisher), DESIGN §8.

:class:`ClientCollector` is a ``prometheus_client`` collector read at scrape
time: counters come from ``client.stats`` (which the client keeps anyway: the
dispatcher's one counter is per kind, the connections count frames) and
from the low-rate lifecycle events (``connected``, ``reconnected``, ``resync``…),
so nothing is added to the per-message path. The exchange-to-handler latency
is *sampled*: every ``sample_interval`` seconds a one-shot handler per market
kind measures ``now - msg.timestamp`` for the next message it sees.

:func:`serve_metrics` serves ``GET /metrics`` from the event loop itself (not a
thread), so a scrape reads the client's counters between two of its callbacks.

It works with anything that has the client's consumer API and ``stats``:
:class:`~weex_events.WeexWebSocketClient` and
:class:`~weex_events.fanout.RedisSubscriber`.

Imports: ``errors``, ``events``, prometheus_client.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from .errors import WeexError
from .events import ConnectionEvent, ResyncEvent, StreamMessage

__all__ = [
    "LATENCY_BUCKETS",
    "ClientCollector",
    "LatencyHistogram",
    "MetricsServer",
    "serve_metrics",
]

log = logging.getLogger("weex_events.metrics")

#: Upper bounds (seconds) of the ``weex_latency_seconds`` buckets.
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
#: Market kinds whose latency is sampled (no subscription is added for them).
SAMPLED_KINDS = ("ticker", "trade", "book", "kline")
#: Counters only a RedisSubscriber has: name (``weex_fanout_<attribute>``), help.
_SUBSCRIBER_COUNTERS = {
    "weex_fanout_claimed": "Entries claimed from other consumers of a group",
    "weex_fanout_groups_lost": "Consumer groups found gone and created again",
}


class Source(Protocol):
    """What the collector reads: the client's consumer API and ``stats``."""

    @property
    def stats(self) -> Any: ...
    def on(self, event: str, handler: Any) -> Any: ...
    def once(self, event: str, handler: Any) -> Any: ...
    def off(self, event: str, handler: Any) -> None: ...


class Publisher(Protocol):
    """What the collector reads from a :class:`~weex_events.fanout.RedisPublisher`."""

    @property
    def published(self) -> Counter[str]: ...
    @property
    def dropped(self) -> int: ...

    def lag(self, now: float | None = None) -> float: ...


class LatencyHistogram:
    """Cumulative bucket counts of observed latencies (pure)."""

    def __init__(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        self.bounds = tuple(sorted(buckets))
        self.counts = [0] * (len(self.bounds) + 1)  # the last one is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        """Count one latency (negative values, from clock skew, count as 0)."""
        seconds = max(seconds, 0.0)
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.sum += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[str, float]]:
        """``(le, count)`` pairs as Prometheus wants them, ``+Inf`` last."""
        out: list[tuple[str, float]] = []
        running = 0
        for bound, n in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += n
            out.append((bound, float(running)))
        return out


class ClientCollector:
    """Collect a client's (or subscriber's) metrics, and a publisher's.

    Use as ``async with ClientCollector(client) as collector`` and register it
    on a :class:`prometheus_client.CollectorRegistry`; entering registers the
    lifecycle handlers and starts latency sampling, leaving stops both.

    Args:
        client: a :class:`~weex_events.WeexWebSocketClient` or a
            :class:`~weex_events.fanout.RedisSubscriber`.
        publisher: a :class:`~weex_events.fanout.RedisPublisher` to export too.
        sample_interval: seconds between latency samples.
    """

    def __init__(
        self,
        client: Source,
        *,
        publisher: Publisher | None = None,
        sample_interval: float = 1.0,
    ) -> None:
        self.client = client
        self.publisher = publisher
        self.sample_interval = sample_interval
        self.latency = LatencyHistogram()
        self.connected: dict[str, int] = {"public": 0, "private": 0}
        self.reconnects: Counter[str] = Counter({"public": 0, "private": 0})
        self.resyncs: Counter[str] = Counter()
        is_connected = getattr(client, "is_connected", None)
        if callable(is_connected) and is_connected():
            self.connected["public"] = 1
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> ClientCollector:
        for event in ("connected", "disconnected", "reconnecting", "reconnected"):
            self.client.on(event, self._on_connection)
        self.client.on("resync", self._on_resync)
        self._task = asyncio.create_task(
            self._sample_forever(), name="weex_events: metrics sampler"
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        with contextlib.suppress(WeexError):
            for event in ("connected", "disconnected", "reconnecting", "reconnected"):
                self.client.off(event, self._on_connection)
            self.client.off("resync", self._on_resync)
            for kind in SAMPLED_KINDS:
                self.client.off(kind, self._sample)

    # -- lifecycle and samples (low rate) -------------------------------------------

    def _on_connection(self, event: ConnectionEvent) -> None:
        endpoint = str(event.endpoint)
        up = event.event in ("connected", "reconnected")
        self.connected[endpoint] = 1 if up else 0
        if event.event == "reconnected":
            self.reconnects[endpoint] += 1

    def _on_resync(self, event: ResyncEvent) -> None:
        self.resyncs[event.symbol] += 1

    def _sample(self, msg: StreamMessage) -> None:
        self.latency.observe(time.time() - msg.timestamp)

    async def _sample_forever(self) -> None:
        while True:
            for kind in SAMPLED_KINDS:
                try:
                    self.client.once(kind, self._sample)  # a no-op if still waiting
                except WeexError:
                    return  # the client closed
            await asyncio.sleep(self.sample_interval)

    # -- the prometheus_client collector protocol ---------------------------------

    def describe(self) -> list[Metric]:
        """Nothing up front: metrics are read at scrape time."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The metrics of DESIGN §8, read now."""
        stats = self.client.stats
        yield _counter(
            "weex_frames", "WebSocket frames received", "endpoint",
            stats.frames_by_endpoint,
        )  # fmt: skip
        yield _counter(
            "weex_messages", "Data messages dispatched", "kind",
            stats.messages_by_kind,
        )  # fmt: skip
        yield _counter(
            "weex_decode_errors", "Frames refused as malformed", "endpoint",
            stats.decode_errors_by_endpoint,
        )  # fmt: skip
        total = CounterMetricFamily(
            "weex_handler_errors", "Exceptions raised by handlers"
        )
        total.add_metric([], stats.handler_errors)
        yield total
        yield _counter(
            "weex_reconnects", "Successful reconnects", "endpoint", self.reconnects
        )
        gauge = GaugeMetricFamily(
            "weex_connected", "1 while the endpoint is connected", labels=["endpoint"]
        )
        for endpoint, up in sorted(self.connected.items()):
            gauge.add_metric([endpoint], up)
        yield gauge
        yield _counter(
            "weex_book_resyncs", "Order book resynchronisations", "symbol", self.resyncs
        )
        yield _counter(
            "weex_queue_dropped", "Messages dropped by full queues", "consumer",
            stats.dropped,
        )  # fmt: skip
        yield _counter(
            "weex_queue_conflated", "Tickers/books superseded before being read",
            "consumer", stats.conflated,
        )  # fmt: skip
        yield _counter(
            "weex_private_recovered", "Private items delivered by recovery over REST",
            "kind", stats.recovered,
        )  # fmt: skip
        histogram = HistogramMetricFamily(
            "weex_latency_seconds", "Exchange time to handler, sampled"
        )
        histogram.add_metric([], self.latency.cumulative(), self.latency.sum)
        yield histogram
        for name, doc in _SUBSCRIBER_COUNTERS.items():
            value = getattr(self.client, name.removeprefix("weex_fanout_"), None)
            if isinstance(value, int):  # a RedisSubscriber: the client has none
                yield CounterMetricFamily(name, doc, value=value)
        if self.publisher is not None:
            yield from _publisher_metrics(self.publisher)


def _counter(
    name: str, doc: str, label: str, values: dict[str, int] | Counter[str]
) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def _publisher_metrics(publisher: Publisher) -> Iterable[Metric]:
    yield _counter(
        "weex_fanout_published", "Entries appended to Redis", "stream",
        publisher.published,
    )  # fmt: skip
    dropped = CounterMetricFamily(
        "weex_fanout_dropped",
        "Entries dropped: market ones while Redis was away; all once stopped",
    )
    dropped.add_metric([], publisher.dropped)
    yield dropped
    lag = GaugeMetricFamily(
        "weex_fanout_lag_seconds", "Age of the oldest entry waiting for Redis"
    )
    lag.add_metric([], publisher.lag())
    yield lag


class MetricsServer:
    """A minimal HTTP/1.1 server of ``GET /metrics`` on the event loop.

    Attributes:
        host: the interface it listens on.
        port: the port it listens on (the one picked when 0 was asked).
    """

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """``http://host:port/metrics``."""
        return f"http://{self.host}:{self.port}/metrics"

    async def start(self) -> None:
        """Listen.

        Raises:
            OSError: the port is taken.
        """
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            async with asyncio.timeout(10):
                request = await reader.readline()
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass  # headers: none matter here
            parts = request.split()
            if (
                len(parts) >= 2
                and parts[0] == b"GET"
                and parts[1].split(b"?")[0]
                in (
                    b"/metrics",
                    b"/",
                )
            ):
                body = generate_latest(self.registry)
                head = f"HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE_LATEST}\r\n"
            else:
                body = b"not found: GET /metrics\n"
                head = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
            head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError) as exc:
            log.debug("metrics request dropped: %s", exc)
        except Exception:  # a scrape must never take the process down
            log.exception("metrics request failed")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def serve_metrics(
    client: Source,
    port: int,
    *,
    host: str = "127.0.0.1",
    publisher: Publisher | None = None,
    registry: CollectorRegistry | None = None,
) -> AsyncIterator[MetricsServer]:
    """Serve ``client``'s (and ``publisher``'s) metrics on ``http://host:port/metrics``.

    ``port=0`` picks a free port (see :attr:`MetricsServer.port`). A fresh
    registry is used unless one is given.
    """
    registry = registry if registry is not None else CollectorRegistry()
    async with ClientCollector(client, publisher=publisher) as collector:
        registry.register(collector)
        server = MetricsServer(registry, host, port)
        await server.start()
        try:
            yield server
        finally:
            await server.close()
            registry.unregister(collector)


@contextlib.asynccontextmanager
async def maybe_serve_metrics(
    client: Source,
    port: int | None,
    *,
    publisher: Publisher | None = None,
    announce: Any = None,
) -> AsyncIterator[MetricsServer | None]:
    """:func:`serve_metrics` when ``port`` is given (the ``--metrics-port`` of
    the command line), writing the URL to ``announce``; nothing otherwise.

    Raises:
        OSError: the port is taken.
    """
    if port is None:
        yield None
        return
    async with serve_metrics(client, port, publisher=publisher) as server:
        if announce is not None:
            announce.write(f"weex-events: metrics on {server.url}\n")
            announce.flush()
        yield server
