"""``RedisPublisher``: a client's events, appended to Redis Streams (DESIGN §7).

The publisher registers plain sync handlers on the client (its public ``on``),
which only append the message to a bounded buffer: encoding and ``XADD`` happen
in a background task, in pipelined batches, never on the read path.

* **Batches**: a batch leaves when ``batch_size`` entries wait or
  ``flush_interval`` seconds after the first one arrived, whichever is first;
  while a batch is in flight the next one gathers.
* **Market data and lifecycle events** wait in one buffer of ``buffer_size``
  entries; when it is full the oldest entry is dropped and counted (``dropped``).
* **Private events** wait in their own buffer, in arrival order, and are never
  dropped: each is numbered by the publisher (``<ms>-<seq>`` ids), so a batch
  re-sent after a lost reply adds nothing twice. Past ``private_buffer_size``
  waiting entries the publisher stops loudly.
* **Failures** (:mod:`~weex_events.fanout.faults`, as for a subscriber): a
  lost link or a passing refusal (``OOM``, ``READONLY``...) is retried with
  a jittered, capped backoff, resuming with what waits. Anything else stops the
  publisher loudly, never the client (:meth:`RedisPublisher.wait_closed`).

Imports: ``errors``, ``events``, ``backoff``, ``dispatch``, ``client`` (types),
``fanout`` (``entries``, ``batch``, ``faults``, ``market_buffer``,
``private_log``, ``redis_link``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..backoff import backoff as default_backoff
from ..dispatch import Dispatcher
from ..errors import ConfigError, WeexError
from ..events import (
    LIFECYCLE_EVENTS,
    PRIVATE_KINDS,
    ErrorEvent,
    StreamMessage,
    split_event,
)
from .batch import send_batch
from .entries import account_id, events_key, market_key, private_key
from .faults import Remedy, remedy
from .market_buffer import MarketBuffer, lifecycle_handler
from .private_log import FanoutError, PrivateLog
from .redis_link import (
    UNREACHABLE,
    open_redis,
    raise_if_cancelled,
    redacted,
    reopen_redis,
)

if TYPE_CHECKING:
    from ..client import WeexWebSocketClient

__all__ = ["FanoutError", "RedisPublisher"]

log = logging.getLogger("weex_events.fanout")

#: Lifecycle events copied to ``{prefix}:{market}:events``.
PUBLISHED_LIFECYCLE = ("connected", "disconnected", "reconnected", "resync", "error")


class RedisPublisher:
    """Publish ``events`` of ``client`` to Redis Streams at ``url``.

    Use as ``async with RedisPublisher(client, url, events=[...])``: entering
    opens Redis and registers the handlers (which subscribe, as ``client.on``
    does); leaving publishes what is waiting (for up to ``close_timeout``
    seconds) and unregisters.

    Args:
        client: the client whose events are published.
        url: ``redis://host:port/db`` (Redis or Valkey).
        events: event names as for ``client.on``: ``"ticker:BTCUSDT"``,
            ``"book:BTCUSDT"``, ``"order"``…
        prefix: first part of every key.
        account: the private stream's name; a short hash of the API key when
            omitted (never the key).
        maxlen: approximate length kept per market stream (``MAXLEN ~``).
        private_maxlen: approximate length kept for the private stream.
        batch_size: entries per pipelined batch.
        flush_interval: seconds a batch waits to fill up.
        buffer_size: market entries kept while Redis is away (oldest dropped).
        private_buffer_size: private entries kept while Redis is away; past it
            the publisher stops loudly.
        book_levels: publish books cut to this many levels per side (``None``:
            the whole maintained view).
        backoff: factory of reconnect delays (tests inject zeros).
    """

    def __init__(
        self,
        client: WeexWebSocketClient,
        url: str,
        *,
        events: Iterable[str],
        prefix: str = "weex",
        account: str | None = None,
        maxlen: int = 100_000,
        private_maxlen: int = 1_000_000,
        batch_size: int = 500,
        flush_interval: float = 0.002,
        buffer_size: int = 100_000,
        private_buffer_size: int = 100_000,
        book_levels: int | None = None,
        backoff: Callable[[], Iterator[float]] | None = None,
        close_timeout: float = 5.0,
    ) -> None:
        self.client = client
        self.url = url
        self.events = tuple(events)
        config = client.config
        if account is None and config.api_key:
            account = account_id(config.api_key)
        self.account = account
        self._prefix = prefix
        self._market_name = config.market
        self._events_key = events_key(prefix, config.market)
        # Without credentials there are no private events: the log stays empty.
        self._private = PrivateLog(
            private_key(prefix, config.market, account or "-"), private_maxlen
        )
        self.maxlen = maxlen
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._book_levels = book_levels
        self._backoff = backoff or (lambda: default_backoff(0.1, 5.0))
        self._close_timeout = close_timeout
        self._market = MarketBuffer(buffer_size)
        self._private_limit = private_buffer_size
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._idle = asyncio.Event()
        self._closing = False
        self._handlers: list[tuple[str, Callable[[Any], None]]] = []
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None
        self._emitter = Dispatcher()
        self._oldest_in_flight: float | None = None
        self._published: collections.Counter[str] = collections.Counter()
        self._delays: Iterator[float] | None = None  # set while failing
        #: Times Redis took entries again after a failure.
        self.reconnects = 0
        #: Why the publisher stopped (``None`` while it publishes).
        self.failure: FanoutError | None = None
        self.connected = False

    def __repr__(self) -> str:
        return f"<RedisPublisher {redacted(self.url)} {len(self.events)} events>"

    # -- lifecycle -----------------------------------------------------------------

    async def __aenter__(self) -> RedisPublisher:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close; raise :attr:`failure` if the block ended without an exception."""
        try:
            await self.close()
        except FanoutError:
            if exc is None:
                raise

    async def start(self) -> None:
        """Open Redis, then register the handlers that feed the buffers.

        Raises:
            ConfigError: an unknown event name, or a private event without
                credentials (as ``client.on``).
            redis errors are not raised: an unreachable Redis is retried.
        """
        for event in self.events:
            if split_event(event)[0] in LIFECYCLE_EVENTS:
                raise ConfigError(
                    "events", f"{event!r}: lifecycle events are always published"
                )
        self._redis = open_redis(self.url)
        for event in self.events:
            private = split_event(event)[0] in PRIVATE_KINDS
            handler: Callable[[Any], None] = (
                self._take_private if private else self._take_market
            )
            self.client.on(event, handler)
            self._handlers.append((event, handler))
        for event in PUBLISHED_LIFECYCLE:
            take = lifecycle_handler(
                event, self._events_key, self._market, self._signal
            )
            self.client.on(event, take)
            self._handlers.append((event, take))
        self._task = asyncio.create_task(self._run(), name="weex_events: publisher")

    async def close(self) -> None:
        """Unregister, publish what waits (bounded by ``close_timeout``), close.

        Raises:
            FanoutError: the publisher had stopped on a failure (:attr:`failure`).
        """
        for event, handler in self._handlers:
            with contextlib.suppress(WeexError):
                self.client.off(event, handler)
        self._handlers.clear()
        task, self._task = self._task, None
        if task is not None:
            if not task.done():
                self._wake.set()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._close_timeout):
                        await self._drained()
            # The task ends by itself once told to; cancelling is the fallback.
            self._closing = True
            self._wake.set()
            await asyncio.wait({task}, timeout=self._close_timeout)
            task.cancel()
            await asyncio.wait({task}, timeout=self._close_timeout)
            if not task.done():
                log.warning("fan-out: the publisher task did not stop")
        await self._emitter.close()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        if self.failure is not None:
            raise self.failure

    async def _drained(self) -> None:
        while self.pending and self.failure is None:
            self._idle.clear()
            await self._idle.wait()

    async def wait_closed(self) -> None:
        """Wait until the publisher stops (closed, or failed: logged, emitted as
        ``error``, market entries waiting dropped, private ones kept).

        Raises:
            FanoutError: it stopped on a failure not retried (``__cause__``:
                Redis's error), as :meth:`close` and ``async with`` do.
        """
        if self._task is not None:
            await asyncio.wait({self._task})
        if self.failure is not None:
            raise self.failure

    def on(self, event: str, handler: Callable[[Any], Any]) -> None:
        """Call ``handler`` on the publisher's own ``error`` events."""
        self._emitter.add(event, handler)

    # -- counters ------------------------------------------------------------------

    @property
    def published(self) -> collections.Counter[str]:
        """Entries Redis confirmed, per stream key."""
        counts = collections.Counter(self._published)
        if self._private.published:
            counts[self._private.key] = self._private.published
        return counts

    @property
    def dropped(self) -> int:
        """Market entries dropped while Redis was away; all, once stopped."""
        return self._market.dropped

    @property
    def pending(self) -> int:
        """Entries waiting for Redis (market and private)."""
        return len(self._market) + len(self._private)

    @property
    def unpublished(self) -> list[StreamMessage]:
        """Private messages not (yet) in Redis, oldest first."""
        return self._private.messages()

    def lag(self, now: float | None = None) -> float:
        """Seconds the oldest waiting entry has waited (0 when none waits)."""
        times = (self._oldest_in_flight, self._market.oldest, self._private.oldest)
        oldest = [t for t in times if t is not None]
        if not oldest:
            return 0.0
        return max(0.0, (time.time() if now is None else now) - min(oldest))

    # -- the read path: append only --------------------------------------------------

    def _take_market(self, msg: StreamMessage) -> None:
        key = market_key(self._prefix, self._market_name, msg.kind, msg.symbol or "")
        self._signal(self._market.append(key, msg))

    def _take_private(self, msg: StreamMessage) -> None:
        if self.failure is not None:
            self._market.dropped += 1
            return
        waiting = self._private.append(msg)
        if waiting > self._private_limit:
            self._fail(f"{waiting} private events waiting for Redis")
        self._signal(waiting)

    def _signal(self, size: int) -> None:
        self._wake.set()
        if size >= self.batch_size:
            self._full.set()

    def _fail(self, reason: str, cause: Exception | None = None) -> None:
        """Stop for good: log, emit ``error``, drop market entries (counted)."""
        if self.failure is not None:
            return
        self.failure = FanoutError(reason, len(self._private))
        self.failure.__cause__ = cause
        self._market.close()
        log.error("fan-out to %s: %s", redacted(self.url), self.failure, exc_info=cause)
        self._emitter.emit(
            "error", ErrorEvent("fanout", str(self.failure), exception=self.failure)
        )
        self._closing = True  # the task ends
        self._wake.set()
        self._full.set()

    # -- the background task ---------------------------------------------------------

    async def _run(self) -> None:
        try:
            while not self._closing:
                try:
                    if not self.connected:
                        await self._redis.ping()
                        await self._private.seed(self._redis)
                        self.connected = True
                    await self._pump()
                except Exception as exc:
                    raise_if_cancelled()
                    if remedy(exc) is not Remedy.RECONNECT:
                        raise
                    await self._wait_out(exc)
        except Exception as exc:  # every failure not retried reaches the users
            what = f"{type(exc).__name__}: {exc}"
            self._fail(f"publishing to {redacted(self.url)} failed: {what}", exc)

    async def _wait_out(self, exc: Exception) -> None:
        """Back off, re-open the link, drop what Redis already has."""
        self.connected = False
        if self._delays is None:  # once per outage
            self._delays = self._backoff()
            log.warning("fan-out: Redis failed (%s); retrying", exc)
        await asyncio.sleep(next(self._delays))
        self._redis = await reopen_redis(self._redis, self.url)
        with contextlib.suppress(*UNREACHABLE):  # else: the next round
            await self._private.skip_published(self._redis)

    async def _pump(self) -> None:
        while not self._closing:
            if not self.pending:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
            if self._closing:
                return
            if self.pending < self.batch_size and self.flush_interval > 0:
                # Let the batch fill up for flush_interval at most. A timer setting
                # the event, unlike asyncio.timeout() around the wait, cannot
                # swallow a cancellation that races with it (Python 3.11).
                self._full.clear()
                loop = asyncio.get_running_loop()
                timer = loop.call_later(self.flush_interval, self._full.set)
                try:
                    await self._full.wait()
                finally:
                    timer.cancel()
            await self._flush()

    async def _flush(self) -> None:
        """Send one batch (:func:`send_batch`); entries refused wait again."""
        self._oldest_in_flight = self._market.oldest
        try:
            await send_batch(
                self._redis,
                self._market,
                self._private,
                size=self.batch_size,
                maxlen=self.maxlen,
                book_levels=self._book_levels,
                published=self._published,
            )
        finally:
            self._oldest_in_flight = None
        if self._delays is not None:  # the first batch through since a failure
            self._delays = None
            self.reconnects += 1
            log.info("fan-out: Redis takes entries again")
