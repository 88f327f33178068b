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
* **Faults** (``fanout.key_reader``): a lost link is re-opened with backoff
  and reading resumes after the last entry delivered: no gap, no duplicate
  (without a group). A lost consumer group is created again. Any other
  failure stops the subscriber loudly: its streams raise
  :class:`FanoutError`, as do :meth:`RedisSubscriber.wait_closed`, pending
  ``wait_for`` calls and the exit of ``async with``.

Imports: ``errors``, ``events``, ``backoff``, ``dispatch``, ``handlers``,
``streams``, ``client`` (``ClientStats``), ``fanout.entries``,
``fanout.consumer_group``, ``fanout.key_reader``, ``fanout.private_log``
(``FanoutError``), ``fanout.redis_link``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

from ..backoff import backoff as default_backoff
from ..dispatch import Dispatcher
from ..errors import ClientClosedError, ConfigError
from ..events import Channel, ErrorEvent
from ..stats import ClientStats
from ..streams import Streams
from .consumer_api import AccountHandlers, ConsumerAPI, KeyHub
from .consumer_group import ConsumerGroup, claim_idle_ms
from .entries import channel_key, decode, start_id
from .key_reader import KeyReader
from .private_log import FanoutError
from .redis_link import redacted

__all__ = ["RedisSubscriber"]

log = logging.getLogger("weex_events.fanout")


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

    Attributes:
        failure: why the subscriber stopped reading (``None`` while it reads).

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
        self._group = (
            ConsumerGroup(
                group, consumer, claim_idle=claim_idle, count=count, clock=clock
            )
            if group is not None and consumer
            else None
        )
        self._block = block
        self._reader = KeyReader(
            url,
            start=start,
            group=self._group,
            count=count,
            block_ms=max(1, int(block * 1000)),
            backoff=backoff or (lambda: default_backoff(0.1, 5.0)),
            deliver=self._deliver,
        )
        self._queue_size = queue_size
        self._dispatcher = Dispatcher(queue_size)
        self._state = "new"
        hub = KeyHub(self._acquire, self._release, self._wait_channels)
        self._handlers = AccountHandlers(
            self._dispatcher,
            hub,
            account=account,
            closed=lambda: self._state == "closed",
        )
        self._streams = Streams(
            self._dispatcher,
            hub,
            self._handlers,
            queue_size=queue_size,
            timeout=subscribe_timeout,
            closed=lambda: self._state == "closed",
        )
        self._channels: collections.Counter[Channel] = collections.Counter()
        self._task: asyncio.Task[None] | None = None
        self.entries = 0
        self.bad_entries = 0
        self.failure: FanoutError | None = None

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
        """Disconnect; raise :attr:`failure` if the block ended without one."""
        await self.disconnect()
        if exc is None and self.failure is not None:
            raise self.failure

    async def connect(self) -> None:
        """Open Redis (checked with ``PING``) and start reading.

        Raises:
            WeexConnectionError: Redis cannot be reached.
            ClientClosedError: the subscriber was disconnected before.
            FanoutError: it stopped on a failure before.
        """
        if self._state == "open":
            return
        if self.failure is not None:
            raise self.failure
        if self._state == "closed":
            raise ClientClosedError("this subscriber was disconnected")
        await self._reader.open()
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
            self._reader.stop()
            await asyncio.wait({self._task}, timeout=self._block + 5)
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
            if not self._task.done():
                log.warning("subscriber: the reading task did not stop")
        await self._dispatcher.close()
        await self._reader.close()

    async def wait_closed(self) -> None:
        """Wait until the subscriber stops reading (disconnected, or failed).

        Raises:
            FanoutError: it stopped on a failure (:attr:`failure`).
        """
        if self._task is not None:
            await asyncio.wait({self._task})
        if self.failure is not None:
            raise self.failure

    async def wait_for(
        self,
        event: str,
        timeout: float | None = None,
        predicate: Callable[[Any], bool] | None = None,
    ) -> Any:
        """Wait for the next ``event`` (matching ``predicate``); its payload.

        Raises:
            TimeoutError: nothing came within ``timeout`` seconds.
            FanoutError: the subscriber stopped on a failure.
        """
        if self.failure is not None:
            raise self.failure
        task = self._task
        waiting = asyncio.ensure_future(super().wait_for(event, timeout, predicate))
        if task is not None and not task.done():
            try:
                await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
            except BaseException:  # cancelled
                waiting.cancel()
                raise
            if self.failure is not None and not waiting.done():
                waiting.cancel()
                raise self.failure
        return await waiting

    # -- what handlers and streams hold -----------------------------------------------

    def _key(self, channel: Channel) -> str:
        return channel_key(channel, self._prefix, self._market, self._account)

    def _acquire(self, channels: Sequence[Channel]) -> None:
        for channel in channels:
            self._channels[channel] += 1
            self._reader.hold(self._key(channel))

    def _release(self, channels: Sequence[Channel]) -> None:
        for channel in channels:
            self._channels[channel] -= 1
            self._reader.let_go(self._key(channel))
        self._channels += collections.Counter()

    async def _wait_channels(self, channels: Sequence[Channel]) -> None:
        # The reading task fixes where new keys start: any Redis failure meets
        # the one policy of fanout.faults there, never a stream's own caller.
        if self._state == "open":
            await self._reader.started(self._key(channel) for channel in channels)
        if self.failure is not None:
            raise self.failure
        if self._state != "open":
            raise ClientClosedError("the subscriber is not connected; use 'async with'")

    # -- introspection ---------------------------------------------------------------

    @property
    def subscriptions(self) -> dict[Channel, str]:
        """Wanted channels: ``active`` once their stream is being read."""
        return {
            channel: "active" if self._key(channel) in self._reader.ids else "pending"
            for channel in self._channels
        }

    @property
    def reconnects(self) -> int:
        """Times the link to Redis was re-opened and worked again."""
        return self._reader.reconnects

    @property
    def groups_lost(self) -> int:
        """Times the consumer group was found gone (``NOGROUP``) and created again."""
        return self._reader.groups_lost

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

    async def _run(self) -> None:
        try:
            await self._reader.run()
        except Exception as exc:  # every failure reaches the subscriber's users
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        """Stop for good: log, emit ``error``, end streams and waiters."""
        self.failure = FanoutError(
            f"reading {redacted(self.url)} failed: {type(exc).__name__}: {exc}"
        )
        self.failure.__cause__ = exc
        if self._state == "open":
            self._state = "failed"
        log.error("subscriber: %s", self.failure, exc_info=exc)
        self._dispatcher.emit(
            "error", ErrorEvent("fanout", str(self.failure), exception=self.failure)
        )
        self._streams.close_all(self.failure)

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
