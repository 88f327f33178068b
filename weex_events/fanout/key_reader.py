"""``KeyReader``: the reading behind a :class:`RedisSubscriber`: which stream
keys it reads, where each starts, one ``XREAD`` (or the group's
``XREADGROUP``) after another, and what each failure means.

* **Keys** are held and let go by reference (each handler or stream that
  needs one); the reading task fixes where each new key starts, so that every
  Redis call, and every failure, goes through it (:meth:`KeyReader.started`
  waits for it).
* **Failures** (:mod:`~weex_events.fanout.faults`): the link is re-opened with
  backoff and reading resumes after the last entry delivered (in a group: this
  consumer's unacknowledged entries first); a lost group is created again,
  with a warning, counted in ``groups_lost``; anything else ends
  :meth:`KeyReader.run` with the exception, for the subscriber to surface.

Imports: ``errors``, ``fanout.entries``, ``fanout.consumer_group``,
``fanout.faults``, ``fanout.redis_link``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import WeexConnectionError
from .consumer_group import ConsumerGroup, Deliver
from .entries import start_id
from .faults import Remedy, remedy
from .redis_link import UNREACHABLE, open_redis, raise_if_cancelled, redacted

__all__ = ["KeyReader"]

log = logging.getLogger("weex_events.fanout")


class KeyReader:
    """Reads the stream keys held on it and hands each entry to ``deliver``.

    Args:
        url: ``redis://host:port/db``.
        start: where a key's reading starts (``RedisSubscriber``'s ``start``).
        group: this consumer's membership of a group, or ``None``.
        count: entries read per call.
        block_ms: milliseconds one read waits for new entries.
        backoff: factory of reconnect delays.
        deliver: called with a key and an entry's fields, in stream order.

    Attributes:
        ids: per key read, the id it is read after (``">"``/``"0"`` in a group).
        reconnects: times the link was re-opened and worked again.
        groups_lost: times the group was found gone and created again.
    """

    def __init__(
        self,
        url: str,
        *,
        start: str | float,
        group: ConsumerGroup | None,
        count: int,
        block_ms: int,
        backoff: Callable[[], Iterator[float]],
        deliver: Deliver,
    ) -> None:
        self.url = url
        self.group = group
        self._start = start
        self._count = count
        self._block_ms = block_ms
        self._backoff = backoff
        self._deliver = deliver
        self._refs: collections.Counter[str] = collections.Counter()
        self.ids: dict[str, str] = {}
        #: Where a released key (start other than "$") carries on if read again.
        self._resume: dict[str, str] = {}
        self._changed = asyncio.Event()  # keys held: wakes an idle reader
        self._settled = asyncio.Event()  # a key's start fixed, or reading over
        self._redis: Any = None
        self._reading = False
        self._lost_group = False
        self._relinked = False
        self.reconnects = 0
        self.groups_lost = 0

    async def open(self) -> None:
        """Open Redis (checked with ``PING``).

        Raises:
            WeexConnectionError: Redis cannot be reached.
        """
        self._redis = open_redis(self.url)
        try:
            await self._redis.ping()
        except UNREACHABLE as exc:
            await self._redis.aclose()
            raise WeexConnectionError(redacted(self.url), str(exc)) from None
        self._reading = True

    def stop(self) -> None:
        """Make :meth:`run` return after the read in flight."""
        self._reading = False
        self._changed.set()
        self._settled.set()

    async def close(self) -> None:
        """Close the link (after :meth:`run` ended)."""
        if self._redis is not None:
            await self._redis.aclose()

    # -- the keys held ---------------------------------------------------------------

    def hold(self, key: str) -> None:
        """One more holder of ``key``: read it."""
        self._refs[key] += 1
        self._changed.set()

    def let_go(self, key: str) -> None:
        """One holder less; the last one stops the reading of ``key``."""
        self._refs[key] -= 1
        if self._refs[key] <= 0:
            del self._refs[key]
            last = self.ids.pop(key, None)
            if last is not None and self.group is None:
                self._resume[key] = last

    async def started(self, keys: Iterable[str]) -> None:
        """Wait until each of ``keys`` is read (its start fixed), or reading
        is over (stopped, or failed: :meth:`run` raised)."""
        wanted = list(keys)
        while self._reading and not all(key in self.ids for key in wanted):
            self._settled.clear()
            await self._settled.wait()

    async def _resolve(self, key: str) -> None:
        """Fix where ``key`` is read from (once per acquisition)."""
        if key in self.ids or key not in self._refs:
            return
        if key in self._resume and self._start != "$":
            # Read again later: carry on after what was delivered, no replay.
            self.ids.setdefault(key, self._resume.pop(key))
            self._settled.set()
            return
        top = await self._redis.xrevrange(key, count=1)
        last = top[0][0].decode() if top else None
        book = key.split(":")[-2] == "book"
        after = start_id(self._start, last, include_last=book)
        if self.group is not None:
            after = await self.group.join(self._redis, key, after, last)
        if key in self._refs:
            self.ids.setdefault(key, after)
            self._settled.set()

    # -- reading ---------------------------------------------------------------------

    async def run(self) -> None:
        """Read until :meth:`stop`; retry what :func:`remedy` says to.

        Raises:
            Exception: the failure that stopped the reading (``Remedy.STOP``).
        """
        try:
            await self._read_until_stopped()
        finally:
            self._reading = False
            self._settled.set()

    async def _read_until_stopped(self) -> None:
        delays: Iterator[float] | None = None  # set while failures follow each other
        while self._reading:
            try:
                if self._lost_group:
                    await self._rejoin()
                await self._read_once()
            except Exception as exc:
                raise_if_cancelled()
                what = remedy(exc)
                if what is Remedy.STOP or (what is Remedy.REJOIN and not self.group):
                    raise
                first = delays is None
                if delays is None:
                    delays = self._backoff()
                if what is Remedy.REJOIN:
                    self.groups_lost += 1
                    self._lost_group = True
                    if not first:  # failing round after round: do not spin
                        await asyncio.sleep(next(delays))
                    continue
                if not self._relinked:  # once per outage
                    log.warning("subscriber: Redis failed (%s); retrying", exc)
                await asyncio.sleep(next(delays))
                await self._relink()
                continue
            delays = None
            if self._relinked:
                self._relinked = False
                self.reconnects += 1
                log.info("subscriber: Redis reachable again")

    async def _relink(self) -> None:
        with contextlib.suppress(*UNREACHABLE):
            await self._redis.aclose()
        self._redis = open_redis(self.url)
        self._relinked = True
        if self.group is not None:  # redeliver what was not acked
            self.ids = dict.fromkeys(self.ids, "0")
            self.group.restart()

    async def _rejoin(self) -> None:
        """Create the lost group again; read each key's own backlog first."""
        assert self.group is not None
        made = await self.group.rejoin(self._redis, list(self.ids))
        self.ids = dict.fromkeys(self.ids, "0")
        self._lost_group = False
        where = ", ".join(f"{key} after {at}" for key, at in made.items())
        log.warning(
            "subscriber: consumer group %r was gone (NOGROUP); %s; entries "
            "may be delivered again",
            self.group.group,
            f"created again on {where}" if made else "another consumer re-created it",
        )

    async def _read_once(self) -> None:
        self._changed.clear()  # before resolving: a key held meanwhile wakes us
        for key in [k for k in self._refs if k not in self.ids]:
            await self._resolve(key)
        if not self.ids:
            await self._changed.wait()
            return
        if self.group is None:
            reply = await self._redis.xread(
                dict(self.ids), count=self._count, block=self._block_ms
            )
            for key_b, entries in reply or ():
                key = key_b.decode()
                for entry_id, fields in entries:
                    if key not in self.ids:
                        break  # released meanwhile
                    self.ids[key] = entry_id.decode()
                    self._deliver(key, fields)
            return
        # Claim once this consumer's own backlog is read: what is then pending
        # is other consumers' (and the batch in hand, acked before the next claim).
        done = [key for key, after in self.ids.items() if after == ">"]
        await self.group.claim(self._redis, done, self._deliver)
        await self.group.read(self._redis, self.ids, self._block_ms, self._deliver)
