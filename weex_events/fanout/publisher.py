"""``RedisPublisher``: a client's events, appended to Redis Streams (DESIGN §7).

The publisher registers plain sync handlers on the client (its public ``on``),
which only append the message to a bounded buffer: encoding and ``XADD`` happen
in a background task, in pipelined batches, never on the read path.

* **Batches**: a batch leaves when ``batch_size`` entries wait or
  ``flush_interval`` seconds after the first one arrived, whichever is first;
  while a batch is in flight the next one gathers.
* **Market data and lifecycle events** wait in one buffer of ``buffer_size``
  entries; when Redis is away and the buffer is full the oldest entry is dropped
  and counted (``dropped``).
* **Private events** wait in their own buffer, in arrival order, and are never
  dropped: each is numbered by the publisher (``<ms>-<seq>`` ids), so a batch
  re-sent after a lost reply is recognised entry by entry and nothing is added
  twice. Past ``private_buffer_size`` waiting entries the publisher stops
  loudly: an ``error`` event, a log line, and :meth:`RedisPublisher.wait_closed`
  raises :class:`FanoutError`.
* **Redis restarts**: every failure re-opens the link after a jittered,
  capped backoff and resumes with what is waiting.

Imports: ``errors``, ``events``, ``backoff``, ``dispatch``, ``client`` (types),
``fanout.entries``, ``fanout.redis_link``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

import orjson

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
from ..streams import cut_book
from .entries import (
    EntryId,
    account_id,
    encode,
    entry_id,
    events_key,
    format_id,
    market_key,
    parse_id,
    private_key,
)
from .redis_link import (
    UNREACHABLE,
    ResponseError,
    open_redis,
    raise_if_cancelled,
    redacted,
)

if TYPE_CHECKING:
    from ..client import WeexWebSocketClient

__all__ = ["FanoutError", "RedisPublisher"]

log = logging.getLogger("weex_events.fanout")

#: Lifecycle events copied to ``{prefix}:{market}:events``.
PUBLISHED_LIFECYCLE = ("connected", "disconnected", "reconnected", "resync", "error")


class FanoutError(WeexError):
    """The publisher stopped: private events could not reach Redis in time.

    Attributes:
        reason: what happened.
        pending: private entries that were waiting (none of them was dropped
            silently: they are in :attr:`RedisPublisher.unpublished`).
    """

    def __init__(self, reason: str, pending: int = 0) -> None:
        self.reason = reason
        self.pending = pending
        super().__init__(f"fan-out stopped: {reason}")


@dataclasses.dataclass(slots=True)
class _Private:
    msg: StreamMessage
    id: EntryId | None = None
    fields: dict[str, bytes] | None = None


class _Retry(Exception):
    """Redis refused a private entry for a reason worth waiting out (out of
    memory, a read-only replica…): the entries stay, in order, within the
    private bound, as during an outage."""


_RETRIED: tuple[type[BaseException], ...] = (*UNREACHABLE, _Retry)


def _lifecycle_fields(event: str, payload: Any, now: float) -> dict[str, bytes]:
    data = (
        {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}
        if dataclasses.is_dataclass(payload)
        else {"value": payload}
    )
    data.pop("traceback", None)
    text = orjson.dumps(data, default=str)
    stamp = repr(now).encode()
    return {"event": event.encode(), "ts": stamp, "recv": stamp, "data": text}


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
        self._market = config.market
        self._events_key = events_key(prefix, config.market)
        self._private_key = (
            private_key(prefix, config.market, account) if account else None
        )
        self.maxlen = maxlen
        self.private_maxlen = private_maxlen
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._book_levels = book_levels
        self._backoff = backoff or (lambda: default_backoff(0.1, 5.0))
        self._close_timeout = close_timeout
        self._market_buf: collections.deque[tuple[str, Any]] = collections.deque(
            maxlen=buffer_size
        )
        self._private_buf: collections.deque[_Private] = collections.deque()
        self._private_limit = private_buffer_size
        self._last_id: EntryId | None = None
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._idle = asyncio.Event()
        self._closing = False
        self._handlers: list[tuple[str, Callable[[Any], None]]] = []
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None
        self._emitter = Dispatcher()
        self._oldest_in_flight: float | None = None
        #: Entries appended, per stream key.
        self.published: collections.Counter[str] = collections.Counter()
        #: Market/lifecycle entries dropped while Redis was away.
        self.dropped = 0
        #: Times the link to Redis was re-opened.
        self.reconnects = 0
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
        await self.close()

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
            kind, _ = split_event(event)
            private = kind in PRIVATE_KINDS
            handler: Callable[[Any], None] = (
                self._take_private if private else self._take_market
            )
            self.client.on(event, handler)
            self._handlers.append((event, handler))
        for event in PUBLISHED_LIFECYCLE:
            take = self._lifecycle_handler(event)
            self.client.on(event, take)
            self._handlers.append((event, take))
        self._task = asyncio.create_task(self._run(), name="weex_events: publisher")

    async def close(self) -> None:
        """Unregister, publish what waits (bounded by ``close_timeout``), close."""
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
        await self._emitter.close()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def _drained(self) -> None:
        while self.pending and self.failure is None:
            self._idle.clear()
            await self._idle.wait()

    async def wait_closed(self) -> None:
        """Wait until the publisher stops; raise :class:`FanoutError` if it failed."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self.failure is not None:
            raise self.failure

    def on(self, event: str, handler: Callable[[Any], Any]) -> None:
        """Call ``handler`` on the publisher's own ``error`` events."""
        self._emitter.add(event, handler)

    # -- counters ------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Entries waiting for Redis (market and private)."""
        return len(self._market_buf) + len(self._private_buf)

    @property
    def unpublished(self) -> list[StreamMessage]:
        """Private messages not (yet) in Redis, oldest first."""
        return [p.msg for p in self._private_buf]

    def lag(self, now: float | None = None) -> float:
        """Seconds the oldest waiting entry has waited (0 when none waits)."""
        oldest = [
            t
            for t in (
                self._oldest_in_flight,
                self._market_buf[0][1].received_at if self._market_buf else None,
                self._private_buf[0].msg.received_at if self._private_buf else None,
            )
            if t is not None
        ]
        if not oldest:
            return 0.0
        return max(0.0, (time.time() if now is None else now) - min(oldest))

    # -- the read path: append only --------------------------------------------------

    def _take_market(self, msg: StreamMessage) -> None:
        buf = self._market_buf
        if len(buf) == buf.maxlen:
            self.dropped += 1
        key = market_key(self._prefix, self._market, msg.kind, msg.symbol or "")
        buf.append((key, msg))
        self._signal(len(buf))

    def _take_private(self, msg: StreamMessage) -> None:
        if self.failure is not None:
            return
        buf = self._private_buf
        buf.append(_Private(msg))
        if len(buf) > self._private_limit:
            self._fail(f"{len(buf)} private events waiting for Redis")
        self._signal(len(buf))

    def _lifecycle_handler(self, event: str) -> Callable[[Any], None]:
        def take(payload: Any) -> None:
            buf = self._market_buf
            if len(buf) == buf.maxlen:
                self.dropped += 1
            now = time.time()
            buf.append((self._events_key, _Lifecycle(event, payload, now)))
            self._signal(len(buf))

        take.__qualname__ = f"RedisPublisher.{event}"
        return take

    def _signal(self, size: int) -> None:
        self._wake.set()
        if size >= self.batch_size:
            self._full.set()

    def _fail(self, reason: str) -> None:
        self.failure = FanoutError(reason, len(self._private_buf))
        log.error("fan-out to %s stopped: %s", redacted(self.url), reason)
        self._emitter.emit("error", ErrorEvent("fanout", str(self.failure)))
        if self._task is not None:
            self._task.cancel()

    # -- the background task ---------------------------------------------------------

    async def _run(self) -> None:
        delays: Iterator[float] | None = None
        while not self._closing:
            try:
                if self._private_key is not None and self._last_id is None:
                    self._last_id = await self._top_id()
                if not self.connected:
                    self.connected = True
                    if delays is not None:
                        self.reconnects += 1
                        log.info("fan-out: Redis reachable again")
                await self._pump()
            except _RETRIED as exc:
                raise_if_cancelled()
                self._oldest_in_flight = None
                if self.connected:
                    log.warning("fan-out: Redis unreachable (%s); retrying", exc)
                self.connected = False
                if delays is None:
                    delays = self._backoff()
                await asyncio.sleep(next(delays))
                await self._reset_link()
                if self._private_buf and self._private_buf[0].id is not None:
                    await self._skip_published()
                continue
            delays = None

    async def _reset_link(self) -> None:
        with contextlib.suppress(*UNREACHABLE):
            await self._redis.aclose()
        self._redis = open_redis(self.url)

    async def _pump(self) -> None:
        while not self._closing:
            if not self.pending:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
            if self._closing:
                return
            if self.pending < self.batch_size and self.flush_interval > 0:
                # Let the batch fill up for flush_interval at most. A timer that
                # sets the event, rather than asyncio.timeout() around the wait,
                # cannot swallow a cancellation that races with it (Python 3.11).
                self._full.clear()
                loop = asyncio.get_running_loop()
                timer = loop.call_later(self.flush_interval, self._full.set)
                try:
                    await self._full.wait()
                finally:
                    timer.cancel()
            await self._flush()

    async def _flush(self) -> None:
        """Send one batch; market entries leave the buffer, private ones stay
        until Redis confirmed them."""
        n_market = min(len(self._market_buf), self.batch_size)
        market = [self._market_buf.popleft() for _ in range(n_market)]
        private = list(_head(self._private_buf, self.batch_size - n_market))
        self._oldest_in_flight = min(
            (item.received_at for _, item in market), default=None
        )
        pipe = self._redis.pipeline(transaction=False)
        for key, item in market:
            fields = _fields(item, self._book_levels)
            pipe.xadd(key, fields, maxlen=self.maxlen, approximate=True)
        now_ms = int(time.time() * 1000)
        for entry in private:
            if entry.id is None:
                entry.id = self._last_id = entry_id(now_ms, self._last_id)
                entry.fields = encode(entry.msg, private=True)
            pipe.xadd(
                self._private_key,
                entry.fields,
                id=format_id(entry.id),
                maxlen=self.private_maxlen,
                approximate=True,
            )
        try:
            results = await pipe.execute(raise_on_error=False)
        except BaseException:
            # Put the market batch back (oldest first) unless newer data filled
            # the buffer meanwhile; what does not fit is dropped and counted.
            room = (self._market_buf.maxlen or 0) - len(self._market_buf)
            keep = market[len(market) - room :] if room < len(market) else market
            self.dropped += len(market) - len(keep)
            self._market_buf.extendleft(reversed(keep))
            raise
        self._oldest_in_flight = None
        for (key, _), result in zip(market, results, strict=False):
            if isinstance(result, Exception):
                self.dropped += 1
                log.error("fan-out: %s refused an entry: %s", key, result)
            else:
                self.published[key] += 1
        await self._settle_private(private, results[n_market:])

    async def _settle_private(self, sent: list[_Private], results: list[Any]) -> None:
        stale = False
        for result in results:
            if isinstance(result, ResponseError) and "smaller" in str(result):
                stale = True  # already there (a lost reply), or another writer
                continue
            if isinstance(result, Exception):
                raise _Retry(str(result))
            self.published[self._private_key or ""] += 1
        if stale:
            await self._skip_published()
        # Entries Redis confirmed leave the buffer, in order.
        done = {
            id(e)
            for e, r in zip(sent, results, strict=True)
            if not isinstance(r, Exception)
        }
        while self._private_buf and id(self._private_buf[0]) in done:
            self._private_buf.popleft()

    async def _top_id(self) -> EntryId | None:
        assert self._private_key is not None
        top = await self._redis.xrevrange(self._private_key, count=1)
        return parse_id(top[0][0].decode()) if top else None

    async def _skip_published(self) -> None:
        """After a failure, drop waiting private entries Redis already has.

        Entries are numbered by this publisher, so one whose id is at or below
        the stream's last id and whose fields match the stored entry is already
        there. Any other clash (another writer) renumbers what waits.
        """
        top = await self._top_id()
        if top is None:
            return
        buf = self._private_buf
        while buf and buf[0].id is not None and buf[0].id <= top:
            stored = await self._redis.xrange(
                self._private_key, format_id(buf[0].id), format_id(buf[0].id)
            )
            if stored and _same(stored[0][1], buf[0].fields):
                buf.popleft()
                self.published[self._private_key or ""] += 1
                continue
            log.warning("fan-out: %s has another writer", self._private_key)
            break
        self._last_id = top
        for entry in buf:
            if entry.id is not None and entry.id <= top:
                entry.id = None


@dataclasses.dataclass(frozen=True, slots=True)
class _Lifecycle:
    event: str
    payload: Any
    received_at: float


def _fields(item: StreamMessage | _Lifecycle, levels: int | None) -> dict[str, bytes]:
    if isinstance(item, _Lifecycle):
        return _lifecycle_fields(item.event, item.payload, item.received_at)
    if levels is not None and item.kind == "book":
        item = cut_book(levels)(item)
    return encode(item)


def _head(buf: collections.deque[_Private], n: int) -> Iterator[_Private]:
    for i, entry in enumerate(buf):
        if i >= n:
            return
        yield entry


def _same(stored: dict[Any, Any], fields: dict[str, bytes] | None) -> bool:
    if fields is None:
        return False
    got = {(k.decode() if isinstance(k, bytes) else k): v for k, v in stored.items()}
    return got == fields
