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
* **A lost group** (``NOGROUP``: ``XGROUP DESTROY``, the stream deleted, a
  restart without persistence) is created again (:meth:`ConsumerGroup.rejoin`)
  where it loses nothing the stream still holds (:func:`recreate_at`).

Imports: ``errors``, ``fanout.entries``, ``fanout.redis_link``.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import ConfigError
from .entries import EntryId, format_id, parse_id
from .redis_link import ResponseError

__all__ = ["ClaimSchedule", "ConsumerGroup", "claim_idle_ms", "recreate_at"]

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


def recreate_at(floor: EntryId | None, witness_held: bool) -> str:
    """Where to create a lost group again: the id to hand out entries after.

    ``floor`` is the last entry id the group is known to have handed out (to
    this consumer, or before it joined); ``witness_held`` says whether the
    stream still holds an entry this consumer saw in it. The stream kept (the
    group was destroyed): at ``floor``, so nothing after it is lost and only
    what other consumers had after it comes again. The stream is new (deleted,
    or Redis restarted empty; its ids may even be lower than the old ones) or
    nothing is known: at ``"0"``, everything it holds.
    """
    if floor is None or floor == (0, 0) or not witness_held:
        return "0"
    return format_id(floor)


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
        #: Per key, the last entry id the group is known to have handed out.
        self._floors: dict[str, EntryId] = {}
        #: Per key, an entry id seen in the stream: is it still the same stream?
        self._witnesses: dict[str, EntryId] = {}

    async def join(self, redis: Any, key: str, after: str, last: str | None) -> str:
        """Create the group on ``key`` at ``after`` unless it exists; the id
        to read from (``"0"``: this consumer's pending entries first).

        ``last`` is the stream's last entry id (``None``: empty).
        """
        if await self._create(redis, key, after):
            self._floors[key] = parse_id(after)
        else:  # it exists: where it stands is handed out already
            with contextlib.suppress(ResponseError):  # the key went meanwhile
                for group in await redis.xinfo_groups(key):
                    if group["name"] == self.group.encode():
                        last_delivered = group["last-delivered-id"].decode()
                        self._floors[key] = parse_id(last_delivered)
        if last is not None:
            self._witnesses[key] = parse_id(last)
        return "0"

    async def rejoin(self, redis: Any, keys: Iterable[str]) -> dict[str, str]:
        """After ``NOGROUP``: create the group again on ``keys`` where it is
        gone, at :func:`recreate_at`; claim on every key again at once.

        Returns the keys it was created on here, with the id it was created at
        (none when another consumer of the group was first).
        """
        made: dict[str, str] = {}
        for key in keys:
            witness = self._witnesses.get(key)
            held = witness is not None and bool(
                await redis.xrange(key, format_id(witness), format_id(witness))
            )
            at = recreate_at(self._floors.get(key), held)
            if await self._create(redis, key, at):
                made[key] = at
                if not held:  # a new stream: what was known is of the old one
                    self._floors.pop(key, None)
                    self._witnesses.pop(key, None)
        self.restart()
        return made

    async def _create(self, redis: Any, key: str, at: str) -> bool:
        """``XGROUP CREATE ... MKSTREAM``; ``False`` if the group exists."""
        try:
            await redis.xgroup_create(key, self.group, at, mkstream=True)
        except ResponseError as exc:
            if str(exc).startswith("BUSYGROUP"):
                return False
            raise
        return True

    def _handed_out(self, key: str, entry_id: bytes, held: bool) -> None:
        """Note an entry the group handed out (``held``: with its fields)."""
        parsed = parse_id(entry_id.decode())
        if parsed > self._floors.get(key, (0, 0)):
            self._floors[key] = parsed
        if held:
            self._witnesses[key] = parsed

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
            if entries:  # in id order: the last one is the highest
                self._handed_out(key, entries[-1][0], bool(entries[-1][1]))
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
                    self._handed_out(key, entry_id, True)
                acks.setdefault(key, []).append(entry_id)
            self._schedule.advanced(key, str(following), self._clock())
        await self._ack(redis, acks)

    async def _ack(self, redis: Any, acks: dict[str, list[bytes]]) -> None:
        if acks:
            pipe = redis.pipeline(transaction=False)
            for key, ids in acks.items():
                pipe.xack(key, self.group, *ids)
            # Raised as Redis sent it, not reworded as "Command # 1 of pipeline
            # caused error: ...": the reading task tells errors by their code.
            for result in await pipe.execute(raise_on_error=False):
                if isinstance(result, Exception):
                    raise result
