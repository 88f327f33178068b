"""A subscriber's membership of a Redis consumer group: reading its share of
the entries (``XREADGROUP``), claiming what other consumers left pending
(``XAUTOCLAIM``) and acknowledging both (``XACK``).

* **Reading**: each key's own pending entries first (a consumer restarted
  under the same name gets back what it read and did not acknowledge), then
  new entries. Entries are acknowledged once dispatched.
* **Claiming**: entries pending on another consumer of the group (a dead
  one's, typically) for at least ``claim_idle`` seconds are taken over,
  delivered and acknowledged. Each key is checked once this consumer's own
  backlog on it is read (at start, and after a reconnect), then every
  ``claim_idle / 2`` seconds (:class:`ClaimSchedule`).
  A consumer that was only slow, not dead, may see its entries delivered a
  second time by the claimant: delivery is at least once.

Imports: ``errors``, ``fanout.redis_link``.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import ConfigError
from .redis_link import ResponseError

__all__ = ["ClaimSchedule", "ConsumerGroup", "claim_idle_ms"]

#: Called with a stream key and an entry's fields, to dispatch the entry.
Deliver = Callable[[str, Any], None]

#: The cursor of ``XAUTOCLAIM`` that starts a pass, and that ends one.
START = "0-0"


def claim_idle_ms(claim_idle: object) -> int | None:
    """``claim_idle`` (seconds, or ``None``: never claim) in milliseconds.

    Raises:
        ConfigError: not ``None`` nor a finite number of seconds above 0.
    """
    if claim_idle is None:
        return None
    if (
        isinstance(claim_idle, bool)
        or not isinstance(claim_idle, int | float)
        or not math.isfinite(claim_idle)
        or claim_idle <= 0
    ):
        raise ConfigError(
            "claim_idle",
            "expected seconds an entry stays pending before another consumer "
            f"claims it (a number > 0), or None to never claim; got {claim_idle!r}",
        )
    return max(1, round(claim_idle * 1000))


class ClaimSchedule:
    """When each stream key is next checked for entries to claim (pure).

    A key new to the schedule is due at once; a pass over it takes one
    ``XAUTOCLAIM`` per round of reading, each from the cursor the previous
    one returned, until the cursor comes back to ``0-0``; the next pass is
    due ``interval`` seconds later. Callers pass ``now``.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        #: Keys in the middle of a pass: the cursor to carry on from.
        self._cursors: dict[str, str] = {}
        #: Keys between passes: when the next pass is due.
        self._next: dict[str, float] = {}

    def due(self, keys: Iterable[str], now: float) -> dict[str, str]:
        """The keys to claim on now, each with its cursor, in ``keys`` order.

        Keys not in ``keys`` (no longer read) are forgotten: reading them
        again starts with a pass.
        """
        wanted = list(keys)
        for table in (self._cursors, self._next):
            for key in table.keys() - set(wanted):
                del table[key]
        out: dict[str, str] = {}
        for key in wanted:
            if key in self._cursors:
                out[key] = self._cursors[key]
            elif now >= self._next.get(key, -math.inf):
                out[key] = START
        return out

    def advanced(self, key: str, cursor: str, now: float) -> None:
        """Record the cursor a claim on ``key`` returned (``0-0``: pass done)."""
        if cursor == START:
            self._cursors.pop(key, None)
            self._next[key] = now + self.interval
        else:
            self._cursors[key] = cursor
            self._next.pop(key, None)

    def restart(self) -> None:
        """Make every key due at once, from the start (after a reconnect)."""
        self._cursors.clear()
        self._next.clear()


class ConsumerGroup:
    """One consumer of a group, on the stream keys a subscriber reads.

    Args:
        group: the group's name.
        consumer: this consumer's name in it.
        claim_idle: seconds an entry stays pending on a consumer before this
            one claims it; ``None`` never claims.
        count: entries read or claimed per call.
        clock: the monotonic clock of the claim schedule.

    Attributes:
        claimed: entries claimed from other consumers and delivered.

    Raises:
        ConfigError: ``claim_idle`` is invalid.
    """

    def __init__(
        self,
        group: str,
        consumer: str,
        *,
        claim_idle: float | None,
        count: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.group = group
        self.consumer = consumer
        self._idle_ms = claim_idle_ms(claim_idle)
        self._schedule = (
            ClaimSchedule(claim_idle / 2) if claim_idle is not None else None
        )
        self._count = count
        self._clock = clock
        self.claimed = 0

    async def join(self, redis: Any, key: str, after: str) -> str:
        """Create the group on ``key`` at ``after`` unless it exists; the id
        to read from (``"0"``: this consumer's pending entries first)."""
        with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
            await redis.xgroup_create(key, self.group, after, mkstream=True)
        return "0"

    def restart(self) -> None:
        """After a reconnect: claim on every key again at once."""
        if self._schedule is not None:
            self._schedule.restart()

    async def read(
        self, redis: Any, ids: dict[str, str], block_ms: int, deliver: Deliver
    ) -> None:
        """Read once: the pending backlogs of keys in ``ids`` not at ``">"``
        yet (without blocking), else new entries; deliver, then acknowledge.

        ``ids`` is updated: a key whose backlog is done moves to ``">"``.
        """
        backlog = {k: v for k, v in ids.items() if v != ">"}
        streams = backlog or dict(ids)
        reply = await redis.xreadgroup(
            self.group,
            self.consumer,
            streams,
            count=self._count,
            block=None if backlog else block_ms,
        )
        seen: set[str] = set()
        acks: dict[str, list[bytes]] = {}
        for key_b, entries in reply or ():
            key = key_b.decode()
            for entry_id, fields in entries:
                seen.add(key)
                if key in ids and ids[key] != ">":
                    ids[key] = entry_id.decode()
                if fields:  # a pending entry trimmed away comes back empty
                    deliver(key, fields)
                acks.setdefault(key, []).append(entry_id)
        for key in backlog:
            if key not in seen and key in ids:
                ids[key] = ">"  # backlog done: new entries from now on
        await self._ack(redis, acks)

    async def claim(self, redis: Any, keys: Iterable[str], deliver: Deliver) -> None:
        """Claim, deliver and acknowledge entries idle past ``claim_idle`` on
        the keys that are due (at most one ``XAUTOCLAIM`` per key).

        ``XAUTOCLAIM`` takes this consumer's own idle entries too, so pass
        only keys whose own backlog has been read.
        """
        if self._schedule is None:
            return
        assert self._idle_ms is not None
        acks: dict[str, list[bytes]] = {}
        for key, cursor in self._schedule.due(keys, self._clock()).items():
            # Redis >= 7 also returns the ids of entries trimmed away; it has
            # removed them from the pending list itself.
            reply = await redis.xautoclaim(
                key, self.group, self.consumer, self._idle_ms, cursor, count=self._count
            )
            following = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
            for entry_id, fields in reply[1]:
                if entry_id is None:
                    continue
                if fields:
                    self.claimed += 1
                    deliver(key, fields)
                acks.setdefault(key, []).append(entry_id)
            self._schedule.advanced(key, str(following), self._clock())
        await self._ack(redis, acks)

    async def _ack(self, redis: Any, acks: dict[str, list[bytes]]) -> None:
        if acks:
            pipe = redis.pipeline(transaction=False)
            for key, ids in acks.items():
                pipe.xack(key, self.group, *ids)
            await pipe.execute()
