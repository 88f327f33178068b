"""Market data and lifecycle entries waiting for Redis: bounded, oldest dropped.

Market data is worth less the older it gets (DESIGN §2), so while Redis is
away the buffer keeps the newest ``size`` entries and counts what it drops.

Imports: ``events``, ``streams`` (``cut_book``), ``fanout.entries``.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

from ..events import StreamMessage
from ..streams import cut_book
from .entries import encode, lifecycle_fields

__all__ = ["Lifecycle", "MarketBuffer", "fields_of"]


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

    def __len__(self) -> int:
        return len(self._items)

    def append(self, key: str, item: Item) -> int:
        """Keep ``item`` for ``key`` (dropping the oldest if full); the count."""
        items = self._items
        if len(items) == items.maxlen:
            self.dropped += 1
        items.append((key, item))
        return len(items)

    def take(self, n: int) -> list[tuple[str, Item]]:
        """Remove and return up to ``n`` of the oldest entries."""
        items = self._items
        return [items.popleft() for _ in range(min(n, len(items)))]

    def put_back(self, batch: list[tuple[str, Item]]) -> None:
        """Return a batch that was not sent, ahead of newer entries; what no
        longer fits (the oldest) is dropped and counted."""
        items = self._items
        room = (items.maxlen or 0) - len(items)
        keep = batch[len(batch) - room :] if room < len(batch) else batch
        self.dropped += len(batch) - len(keep)
        items.extendleft(reversed(keep))

    @property
    def oldest(self) -> float | None:
        """Receive time of the oldest entry."""
        return self._items[0][1].received_at if self._items else None
