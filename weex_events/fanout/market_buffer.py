"""Market data and lifecycle entries waiting for Redis: bounded, oldest dropped.

Market data is worth less the older it gets (DESIGN §2), so while Redis is
away the buffer keeps the newest ``size`` entries and counts what it drops.
Once the publisher has stopped, the buffer is closed: what waits, and what
comes after, is dropped and counted.

Imports: ``events``, ``streams`` (``cut_book``), ``fanout.entries``.
"""

from __future__ import annotations

import collections
import dataclasses
import time
from collections.abc import Callable
from typing import Any

from ..events import StreamMessage
from ..streams import cut_book
from .entries import encode, lifecycle_fields

__all__ = ["Item", "Lifecycle", "MarketBuffer", "fields_of", "lifecycle_handler"]


@dataclasses.dataclass(frozen=True, slots=True)
class Lifecycle:
    """A lifecycle event (``connected``, ``resync``…) to publish."""

    event: str
    payload: Any
    received_at: float


Item = StreamMessage | Lifecycle


def fields_of(item: Item, book_levels: int | None) -> dict[str, bytes]:
    """The entry fields of ``item``; books cut to ``book_levels`` if given."""
    if isinstance(item, Lifecycle):
        return lifecycle_fields(item.event, item.payload, item.received_at)
    if book_levels is not None and item.kind == "book":
        item = cut_book(book_levels)(item)
    return encode(item)


def lifecycle_handler(
    event: str, key: str, buffer: MarketBuffer, signal: Callable[[int], None]
) -> Callable[[Any], None]:
    """The publisher's handler of ``event``: append it to ``buffer`` for
    ``key``, then ``signal`` the count waiting (read path: nothing else)."""

    def take(payload: Any) -> None:
        signal(buffer.append(key, Lifecycle(event, payload, time.time())))

    take.__qualname__ = f"RedisPublisher.{event}"
    return take


class MarketBuffer:
    """``(key, item)`` pairs in arrival order, at most ``size`` of them.

    Attributes:
        dropped: entries dropped because the buffer was full.
    """

    def __init__(self, size: int) -> None:
        self._items: collections.deque[tuple[str, Item]] = collections.deque(
            maxlen=size
        )
        self.dropped = 0
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    def append(self, key: str, item: Item) -> int:
        """Keep ``item`` for ``key`` (dropping the oldest if full); the count."""
        items = self._items
        if self._closed:
            self.dropped += 1
            return 0
        if len(items) == items.maxlen:
            self.dropped += 1
        items.append((key, item))
        return len(items)

    def close(self) -> None:
        """Drop what waits and everything appended from now on, counted."""
        self._closed = True
        self.dropped += len(self._items)
        self._items.clear()

    def take(self, n: int) -> list[tuple[str, Item]]:
        """Remove and return up to ``n`` of the oldest entries."""
        items = self._items
        return [items.popleft() for _ in range(min(n, len(items)))]

    def put_back(self, batch: list[tuple[str, Item]]) -> None:
        """Return a batch that was not sent, ahead of newer entries; what no
        longer fits (the oldest) is dropped and counted."""
        items = self._items
        room = 0 if self._closed else (items.maxlen or 0) - len(items)
        keep = batch[len(batch) - room :] if room < len(batch) else batch
        self.dropped += len(batch) - len(keep)
        items.extendleft(reversed(keep))

    @property
    def oldest(self) -> float | None:
        """Receive time of the oldest entry."""
        return self._items[0][1].received_at if self._items else None
