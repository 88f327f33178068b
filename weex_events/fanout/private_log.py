"""The publisher's private entries: kept in arrival order until Redis has them.

Private events are never dropped silently (DESIGN §2), so they stay here until
an ``XADD`` reply confirms them. Each is numbered by the publisher
(``<ms>-<seq>``, :func:`~weex_events.fanout.entries.entry_id`) the first time it
is sent and keeps that id: when a reply is lost and a batch is sent again,
Redis refuses the entries it already has ("equal or smaller than the target
stream top item"), and :meth:`PrivateLog.skip_published` recognises them by id
and content, so nothing is added twice and nothing is lost.

Imports: ``errors``, ``events``, ``fanout.entries``, ``fanout.redis_link``.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from ..errors import WeexError
from ..events import StreamMessage
from .entries import EntryId, encode, entry_id, format_id, parse_id
from .redis_link import ResponseError

__all__ = ["FanoutError", "PrivateLog"]

log = logging.getLogger("weex_events.fanout")


class FanoutError(WeexError):
    """Fan-out stopped: the publisher's private events could not reach Redis
    in time, or the publisher's writing or a subscriber's reading failed in a
    way it does not retry (its ``__cause__`` is the Redis error).

    Attributes:
        reason: what happened.
        pending: private entries that were waiting (none of them was dropped
            silently: they are in :attr:`RedisPublisher.unpublished`); 0 for
            a subscriber.
    """

    def __init__(self, reason: str, pending: int = 0) -> None:
        self.reason = reason
        self.pending = pending
        super().__init__(f"fan-out stopped: {reason}")


@dataclasses.dataclass(slots=True)
class Entry:
    """One private message, with its id and fields once first sent."""

    msg: StreamMessage
    id: EntryId | None = None
    fields: dict[str, bytes] | None = None


class PrivateLog:
    """The private entries of one account's stream waiting for Redis.

    Attributes:
        key: the private stream.
        maxlen: approximate length kept (``MAXLEN ~``).
        published: entries Redis confirmed.
    """

    def __init__(self, key: str, maxlen: int) -> None:
        self.key = key
        self.maxlen = maxlen
        self.published = 0
        self._entries: collections.deque[Entry] = collections.deque()
        self._last: EntryId | None = None
        self._seeded = False

    def __len__(self) -> int:
        return len(self._entries)

    def append(self, msg: StreamMessage) -> int:
        """Keep ``msg`` (read path: nothing else); the number now waiting."""
        entries = self._entries
        entries.append(Entry(msg))
        return len(entries)

    @property
    def oldest(self) -> float | None:
        """Receive time of the oldest waiting message."""
        return self._entries[0].msg.received_at if self._entries else None

    def messages(self) -> list[StreamMessage]:
        """The waiting messages, oldest first."""
        return [e.msg for e in self._entries]

    async def seed(self, redis: Any) -> None:
        """Continue numbering after the stream's last entry (once)."""
        if not self._seeded:
            self._last = await self._top(redis)
            self._seeded = True

    def add_to(self, pipe: Any, n: int, now_ms: int) -> list[Entry]:
        """Queue up to ``n`` waiting entries on ``pipe``; numbers new ones."""
        sent: list[Entry] = []
        for entry in self._entries:
            if len(sent) >= n:
                break
            if entry.id is None:
                entry.id = self._last = entry_id(now_ms, self._last)
                entry.fields = encode(entry.msg, private=True)
            pipe.xadd(
                self.key,
                entry.fields,
                id=format_id(entry.id),
                maxlen=self.maxlen,
                approximate=True,
            )
            sent.append(entry)
        return sent

    async def settle(
        self, redis: Any, sent: Sequence[Entry], results: Sequence[Any]
    ) -> None:
        """Drop what Redis confirmed, in order; what it refused stays, in order.

        Raises:
            Exception: Redis's error for the first entry it refused for another
                reason than holding it (:mod:`~weex_events.fanout.faults`
                tells a wait from a stop).
        """
        done: set[int] = set()
        clash = False
        refused: list[tuple[Entry, Exception]] = []
        for entry, result in zip(sent, results, strict=True):
            if isinstance(result, ResponseError) and "smaller" in str(result):
                clash = True  # already there (a lost reply), or another writer
            elif isinstance(result, Exception):
                refused.append((entry, result))
            else:
                done.add(id(entry))
        entries = self._entries
        while entries and id(entries[0]) in done:
            entries.popleft()
            self.published += 1
        if refused:
            # Entries confirmed after a refused one are in Redis: never resent;
            # the refused ones get ids after theirs when sent again.
            waiting = [e for e in entries if id(e) not in done]
            if len(waiting) < len(entries):
                for entry, _ in refused:
                    entry.id = None
            self.published += len(entries) - len(waiting)
            self._entries = collections.deque(waiting)
            raise refused[0][1]
        if clash:
            await self.skip_published(redis)

    async def skip_published(self, redis: Any) -> None:
        """After a failure, drop waiting entries Redis already has.

        An entry numbered at or below the stream's last id whose stored fields
        are its own is already there. Any other clash (another writer) renumbers
        what waits, after the stream's last id.
        """
        entries = self._entries
        if not entries or entries[0].id is None:
            return
        top = await self._top(redis)
        if top is None:
            return  # an empty stream (a restart without persistence): resend
        while entries and entries[0].id is not None and entries[0].id <= top:
            first = format_id(entries[0].id)
            stored = await redis.xrange(self.key, first, first)
            if not stored or not _same(stored[0][1], entries[0].fields):
                log.warning("fan-out: %s has another writer", self.key)
                break
            entries.popleft()
            self.published += 1
        self._last = max(top, self._last) if self._last else top
        for entry in entries:
            if entry.id is not None and entry.id <= top:
                entry.id = None

    async def _top(self, redis: Any) -> EntryId | None:
        top = await redis.xrevrange(self.key, count=1)
        return parse_id(top[0][0].decode()) if top else None


def _same(stored: dict[Any, Any], fields: dict[str, bytes] | None) -> bool:
    if fields is None:
        return False
    got = {(k.decode() if isinstance(k, bytes) else k): v for k, v in stored.items()}
    return got == fields
