"""``RedisSubscriber``: the client's consumer API, fed from Redis Streams.

The subscriber reuses the client's own machinery: handlers and streams are the
:class:`~weex_events.handlers.HandlerMethods` and
:class:`~weex_events.streams.StreamMethods` of
:class:`~weex_events.WeexWebSocketClient`, registered on a
:class:`~weex_events.dispatch.Dispatcher`, so ``on``/``once``/``off`` (and the
decorators), ``wait_for``, ``stream_*`` and ``stream(*events)`` behave as on
the client: same ordering, same bounded queues and policies, same
:class:`~weex_events.StreamMessage` (``raw`` is ``None``). Where the client
subscribes a channel, the subscriber starts reading its stream key.

* **Start**: ``"$"`` reads from the live end (a book stream also delivers its
  last entry: the current book), ``"0"`` from the beginning, an entry id from
  after it, a number (seconds since the epoch) from that time.
* **Work sharing**: with ``group`` (and ``consumer``), entries are read with
  ``XREADGROUP`` and acknowledged once dispatched (sync handlers have run,
  streams and async handlers have them queued): at-least-once, since entries a
  consumer read but did not acknowledge are delivered again when it reconnects,
  and entries left pending on another consumer for ``claim_idle`` seconds are
  claimed and delivered here (``fanout.consumer_group``).
* **Faults**: a lost link is re-opened with backoff and reading resumes after
  the last entry delivered: no gap, no duplicate (without a group).

Imports: ``errors``, ``events``, ``backoff``, ``dispatch``, ``handlers``,
``streams``, ``client`` (``ClientStats``), ``fanout.entries``,
``fanout.consumer_group``, ``fanout.redis_link``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

from ..backoff import backoff as default_backoff
from ..dispatch import Dispatcher
from ..errors import ClientClosedError, ConfigError, WeexConnectionError
from ..events import Channel, ErrorEvent
from ..handlers import Handlers
from ..stats import ClientStats
from ..streams import Streams
from .consumer_api import ConsumerAPI
from .consumer_group import ConsumerGroup, claim_idle_ms
from .entries import channel_key, decode, start_id
from .redis_link import UNREACHABLE, open_redis, raise_if_cancelled, redacted

__all__ = ["RedisSubscriber"]

log = logging.getLogger("weex_events.fanout")


class _AccountHandlers(Handlers):
    """Handlers whose private events need the publisher's account, not secrets."""

    def __init__(self, dispatcher: Dispatcher, owner: RedisSubscriber) -> None:
        super().__init__(
            dispatcher,
            _Hub(owner),
            has_credentials=True,
            closed=lambda: owner._state == "closed",
        )
        self._owner = owner

    def require_credentials(self, kind: str) -> None:
        if self._owner._account is None:
            raise ConfigError(
                "account", f"private event {kind!r} needs the publisher's account"
            )


class _Hub:
    """What handlers and streams hold channels on: the subscriber's stream keys."""

    def __init__(self, owner: RedisSubscriber) -> None:
        self._owner = owner

    def acquire(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        self._owner._acquire(channels)

    def release(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        self._owner._release(channels)

    async def wait(self, channels: Sequence[Channel], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self._owner._wait_channels(channels)


class RedisSubscriber(ConsumerAPI):
    """Consume events published by a :class:`RedisPublisher`, from any process.

    Args:
        url: ``redis://host:port/db``.
        prefix: first part of every key (as the publisher's).
        market: ``"contract"`` or ``"spot"`` (as the publisher's client).
        account: the private stream's name (as the publisher's ``account``);
            needed for private events.
        start: where reading starts: ``"$"``, ``"0"``, an entry id or a time.
        group: a consumer group name, for work sharing with acks.
        consumer: this consumer's name in ``group`` (required with it).
        claim_idle: in a group, seconds an entry may stay pending on another
            consumer before this one claims and delivers it (checked at start,
            then every ``claim_idle / 2`` seconds); ``None``: never claim.
        queue_size: bound of each stream's and async handler's queue.
        count: entries read per call.
        block: seconds one read waits for new entries.
        subscribe_timeout: seconds streams wait for their stream's start to
            be fixed.
        backoff: factory of reconnect delays.
        clock: the monotonic clock that schedules claims.

    Raises:
        ConfigError: ``group`` without ``consumer``, a bad ``start`` or
            ``claim_idle``.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "weex",
        market: str = "contract",
        account: str | None = None,
        start: str | float = "$",
        group: str | None = None,
        consumer: str | None = None,
        claim_idle: float | None = 60.0,
        queue_size: int = 1024,
        count: int = 500,
        block: float = 0.1,
        subscribe_timeout: float = 10.0,
        backoff: Callable[[], Iterator[float]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if group is not None and not consumer:
            raise ConfigError("consumer", "a consumer group needs a consumer name")
        start_id(start, None, include_last=False)  # validate now
        claim_idle_ms(claim_idle)
        self.url = url
        self._prefix = prefix
        self._market = market
        self._account = account
        self._start = start
        self._group = (
            ConsumerGroup(
                group, consumer, claim_idle=claim_idle, count=count, clock=clock
            )
            if group is not None and consumer
            else None
        )
        self._count = count
        self._block_ms = max(1, int(block * 1000))
        self._backoff = backoff or (lambda: default_backoff(0.1, 5.0))
        self._queue_size = queue_size
        self._dispatcher = Dispatcher(queue_size)
        self._state = "new"
        self._handlers = _AccountHandlers(self._dispatcher, self)
        self._streams = Streams(
            self._dispatcher,
            _Hub(self),
            self._handlers,
            queue_size=queue_size,
            timeout=subscribe_timeout,
            closed=lambda: self._state == "closed",
        )
        self._refs: collections.Counter[str] = collections.Counter()
        self._channels: collections.Counter[Channel] = collections.Counter()
        #: The id each key is read after (or ``">"`` / ``"0"`` in a group).
        self._ids: dict[str, str] = {}
        #: Where a released key (start other than "$") carries on if read again.
        self._resume: dict[str, str] = {}
        self._changed = asyncio.Event()
        self._redis: Any = None
        self._task: asyncio.Task[None] | None = None
        self.entries = 0
        self.reconnects = 0
        self.bad_entries = 0

    def __repr__(self) -> str:
        return f"<RedisSubscriber {self._state} {redacted(self.url)}>"

    # -- lifecycle -----------------------------------------------------------------

    async def __aenter__(self) -> RedisSubscriber:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def connect(self) -> None:
        """Open Redis (checked with ``PING``) and start reading.

        Raises:
            WeexConnectionError: Redis cannot be reached.
            ClientClosedError: the subscriber was disconnected before.
        """
        if self._state == "open":
            return
        if self._state == "closed":
            raise ClientClosedError("this subscriber was disconnected")
        self._redis = open_redis(self.url)
        try:
            await self._redis.ping()
        except UNREACHABLE as exc:
            await self._redis.aclose()
            raise WeexConnectionError(redacted(self.url), str(exc)) from None
        self._state = "open"
        self._task = asyncio.create_task(self._run(), name="weex_events: subscriber")

    async def disconnect(self) -> None:
        """End every stream, stop reading, close Redis. Idempotent."""
        if self._state == "closed":
            return
        self._state = "closed"
        self._streams.close_all()
        if self._task is not None:
            # The loop ends by itself after the read in flight (``block``
            # seconds at most); cancelling is the fallback.
            self._changed.set()
            await asyncio.wait({self._task}, timeout=self._block_ms / 1000 + 5)
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
            if not self._task.done():
                log.warning("subscriber: the reading task did not stop")
        await self._dispatcher.close()
        if self._redis is not None:
            await self._redis.aclose()

    # -- what handlers and streams hold -----------------------------------------------

    def _key(self, channel: Channel) -> str:
        return channel_key(channel, self._prefix, self._market, self._account)

    def _acquire(self, channels: Sequence[Channel]) -> None:
        for channel in channels:
            self._channels[channel] += 1
            key = self._key(channel)
            self._refs[key] += 1
        self._changed.set()

    def _release(self, channels: Sequence[Channel]) -> None:
        for channel in channels:
            self._channels[channel] -= 1
            key = self._key(channel)
            self._refs[key] -= 1
            if self._refs[key] <= 0:
                del self._refs[key]
                last = self._ids.pop(key, None)
                if last is not None and self._group is None:
                    self._resume[key] = last
        self._channels += collections.Counter()

    async def _wait_channels(self, channels: Sequence[Channel]) -> None:
        if self._state != "open":
            raise ClientClosedError("the subscriber is not connected; use 'async with'")
        for channel in channels:
            await self._resolve(self._key(channel))

    # -- introspection ---------------------------------------------------------------

    @property
    def subscriptions(self) -> dict[Channel, str]:
        """Wanted channels: ``active`` once their stream is being read."""
        return {
            channel: "active" if self._key(channel) in self._ids else "pending"
            for channel in self._channels
        }

    @property
    def claimed(self) -> int:
        """Entries claimed from other consumers of the group and delivered."""
        return self._group.claimed if self._group is not None else 0

    @property
    def stats(self) -> ClientStats:
        """Counters since the subscriber was created (``frames``: entries read)."""
        dropped = dict(self._dispatcher.retired_dropped)
        conflated = dict(self._dispatcher.retired_conflated)
        queues = [s.queue for s in self._streams] + self._dispatcher.queues()
        for queue in queues:
            if queue.dropped:
                dropped[queue.name] = dropped.get(queue.name, 0) + queue.dropped
            if queue.conflated:
                conflated[queue.name] = conflated.get(queue.name, 0) + queue.conflated
        return ClientStats(
            messages=self._dispatcher.messages,
            frames=self.entries,
            decode_errors=self.bad_entries,
            handler_errors=self._dispatcher.handler_errors,
            reconnects=self.reconnects,
            resyncs=0,
            dropped=dropped,
            conflated=conflated,
            messages_by_kind=dict(self._dispatcher.kinds),
            frames_by_endpoint={"redis": self.entries},  # entries read
            decode_errors_by_endpoint={"redis": self.bad_entries},
        )

    # -- reading ---------------------------------------------------------------------

    async def _resolve(self, key: str) -> None:
        """Fix where ``key`` is read from (once per acquisition)."""
        if key in self._ids or key not in self._refs:
            return
        if key in self._resume and self._start != "$":
            # Read again later: carry on after what was delivered, no replay.
            self._ids.setdefault(key, self._resume.pop(key))
            return
        top = await self._redis.xrevrange(key, count=1)
        last = top[0][0].decode() if top else None
        book = key.split(":")[-2] == "book"
        after = start_id(self._start, last, include_last=book)
        if self._group is not None:
            after = await self._group.join(self._redis, key, after)
        if key in self._refs:
            self._ids.setdefault(key, after)
            self._changed.set()

    async def _run(self) -> None:
        delays: Iterator[float] | None = None
        while self._state == "open":
            try:
                await self._read_once()
            except UNREACHABLE as exc:
                raise_if_cancelled()
                if delays is None:
                    log.warning("subscriber: Redis unreachable (%s); retrying", exc)
                    delays = self._backoff()
                await asyncio.sleep(next(delays))
                with contextlib.suppress(*UNREACHABLE):
                    await self._redis.aclose()
                self._redis = open_redis(self.url)
                if self._group is not None:  # redeliver what was not acked
                    self._ids = dict.fromkeys(self._ids, "0")
                    self._group.restart()
                continue
            if delays is not None:
                delays = None
                self.reconnects += 1
                log.info("subscriber: Redis reachable again")

    async def _read_once(self) -> None:
        for key in [k for k in self._refs if k not in self._ids]:
            await self._resolve(key)
        if not self._ids:
            self._changed.clear()
            await self._changed.wait()
            return
        if self._group is None:
            reply = await self._redis.xread(
                dict(self._ids), count=self._count, block=self._block_ms
            )
            for key_b, entries in reply or ():
                key = key_b.decode()
                for entry_id, fields in entries:
                    if key not in self._ids:
                        break  # released meanwhile
                    self._ids[key] = entry_id.decode()
                    self._deliver(key, fields)
            return
        # Claim once this consumer's own backlog is read: what is then pending
        # is other consumers' (and the batch in hand, acked before the next claim).
        done = [key for key, after in self._ids.items() if after == ">"]
        await self._group.claim(self._redis, done, self._deliver)
        await self._group.read(self._redis, self._ids, self._block_ms, self._deliver)

    def _deliver(self, key: str, fields: Any) -> None:
        self.entries += 1
        try:
            msg = decode(fields)
        except ValueError as exc:
            self.bad_entries += 1
            log.warning("subscriber: bad entry on %s: %s", key, exc)
            self._dispatcher.emit("error", ErrorEvent("decode", str(exc)))
            return
        self._dispatcher.emit_message(msg)
