"""Bounded single-consumer queues with overflow policies, for streams and async
handlers (DESIGN §2 *Backpressure*).

Tickers and books conflate to the latest per symbol; trades and klines drop the
oldest when full, and so do ``error`` events; private data and other lifecycle
events are never dropped silently: the queue grows past its bound and
``slow_consumer`` says so, once per backlog episode. Past ``private_limit``
items (``WeexConfig.private_backlog``) the consumer fails loudly instead of
holding more: the whole backlog is dropped (counted in ``dropped``),
``slow_consumer`` reports policy ``"recover"`` (the client then recovers the
account over REST), and a queue made with ``fail=True`` (a stream's) ends with
:class:`~weex_events.SlowConsumerError`.

The policy of each kind comes from the registry (:mod:`weex_events.kinds`);
anything that is not a data message (lifecycle payloads) is kept. A book
stream's queue holds :class:`~weex_events.bookkeeper.BookFeed` (a book whose
view is built when read), and a ticker stream's may hold
:class:`~weex_events.protocol.DeferredMessage` (a checked ticker whose message is
built when read), conflated like the messages they stand for.

Imports: ``errors``, ``events``, ``kinds``, ``bookkeeper``, ``protocol``.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any

from .bookkeeper import BookFeed
from .errors import SlowConsumerError
from .events import ErrorEvent, SlowConsumerEvent, StreamMessage
from .kinds import KINDS, Policy
from .protocol import DeferredMessage

__all__ = ["RECOVER", "MessageQueue", "QueueClosed"]

_CONFLATE = frozenset(k.name for k in KINDS.values() if k.policy is Policy.CONFLATE)
_POLICIES: dict[str | None, str] = {k.name: k.policy.value for k in KINDS.values()}
# Not a channel kind: ``error`` events drop the oldest (see _kind_of).
_POLICIES["error"] = Policy.DROP_OLDEST.value
_KEEP = Policy.KEEP.value
_PRIVATE = frozenset(k.name for k in KINDS.values() if k.private)
# What a queue holds that has a kind and an event (put spells it out: hot path).
_DATA = (StreamMessage, BookFeed, DeferredMessage)
#: The ``slow_consumer`` policy of a private backlog past its limit.
RECOVER = "recover"


def _kind_of(item: Any) -> str | None:
    """The queue kind of a payload that is not a message: ``error`` events are
    dropped oldest first like market data (a hung ``error`` handler must not
    hold every bad frame); other lifecycle events are kept."""
    return "error" if item.__class__ is ErrorEvent else None


class QueueClosed(Exception):
    """Raised by :meth:`MessageQueue.get` once the queue is closed and empty."""


def _policy(kind: str | None) -> str:
    return _POLICIES.get(kind, _KEEP)


class MessageQueue:
    """A bounded single-consumer queue with a per-item overflow policy.

    Attributes:
        name: who consumes it (for ``slow_consumer``).
        maxsize: the bound.
        private_limit: the backlog past which the consumer fails (module doc);
            ``None``: private items are kept without limit.
        dropped: items dropped because the queue was full.
        conflated: items replaced by a newer one for the same event (tickers,
            books) before the consumer got to them.
    """

    __slots__ = (
        "_behind",
        "_bound",
        "_closed",
        "_error",
        "_fail",
        "_items",
        "_on_slow",
        "_slots",
        "_waiter",
        "conflated",
        "dropped",
        "maxsize",
        "name",
        "private_limit",
    )

    def __init__(
        self,
        maxsize: int,
        name: str,
        on_slow: Callable[[SlowConsumerEvent], None] | None = None,
        *,
        private_limit: int | None = None,
        fail: bool = False,
    ) -> None:
        self.maxsize = maxsize
        self.private_limit = private_limit
        self._bound = maxsize if private_limit is None else min(maxsize, private_limit)
        self._fail = fail
        self.name = name
        self.dropped = 0
        self.conflated = 0
        self._items: collections.deque[Any] = collections.deque()
        self._slots: dict[str, list[Any]] = {}
        self._waiter: asyncio.Future[None] | None = None
        self._on_slow = on_slow
        self._behind = False
        self._closed = False
        self._error: BaseException | None = None

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: Any) -> None:
        """Add ``item``; never blocks and never raises."""
        if self._closed:
            return
        cls = item.__class__
        kind = (
            item.kind
            if cls is StreamMessage or cls is BookFeed or cls is DeferredMessage
            else _kind_of(item)
        )
        if kind in _CONFLATE:
            key = item.event
            slot = self._slots.get(key)
            if slot is not None:
                slot[0] = item  # the consumer gets the latest for this symbol
                self.conflated += 1
                return
            slot = [item, key]
            self._slots[key] = slot
            self._items.append(slot)
        else:
            self._items.append(item)
        if len(self._items) > self._bound:
            self._overflow(item, kind)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _overflow(self, item: Any, kind: str | None) -> None:
        limit = self.private_limit
        if limit is not None and kind in _PRIVATE and len(self._items) > limit:
            self._give_up(item, limit)
            return
        if len(self._items) <= self.maxsize:
            return
        policy = _policy(kind)
        if policy != "keep":
            items = self._items
            for i, entry in enumerate(items):
                head = entry[0] if entry.__class__ is list else entry
                head_kind = head.kind if isinstance(head, _DATA) else _kind_of(head)
                if _policy(head_kind) != "keep":
                    del items[i]
                    if entry.__class__ is list:
                        del self._slots[entry[1]]
                    self.dropped += 1
                    break
            else:
                policy = "keep"  # everything pending is private: keep it all
        if not self._behind and self._on_slow is not None:
            self._behind = True
            event = item.event if isinstance(item, _DATA) else type(item).__name__
            self._on_slow(
                SlowConsumerEvent(
                    self.name, event, len(self._items), self.dropped, policy
                )
            )

    def _give_up(self, item: Any, limit: int) -> None:
        """Past the private limit: drop the backlog, report, maybe end the queue."""
        pending = len(self._items)
        self._items.clear()
        self._slots.clear()
        self.dropped += pending
        self._behind = False
        if self._on_slow is not None:
            event = item.event if isinstance(item, _DATA) else type(item).__name__
            self._on_slow(
                SlowConsumerEvent(self.name, event, pending, self.dropped, RECOVER)
            )
        if self._fail:
            self.close(SlowConsumerError(self.name, pending, limit))

    async def get(self) -> Any:
        """The oldest item, waiting if there is none.

        Raises:
            QueueClosed: the queue was closed and is empty.
            BaseException: the error the queue was failed with.
        """
        items = self._items
        while not items:
            if self._error is not None:
                raise self._error
            if self._closed:
                raise QueueClosed
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            await waiter
        entry = items.popleft()
        if entry.__class__ is list:
            del self._slots[entry[1]]
            entry = entry[0]
        if not items:
            self._behind = False
        return entry

    def get_nowait(self) -> Any | None:
        """The oldest item, or ``None`` when empty."""
        if not self._items:
            return None
        entry = self._items.popleft()
        if entry.__class__ is list:
            del self._slots[entry[1]]
            entry = entry[0]
        return entry

    def close(self, error: BaseException | None = None) -> None:
        """End the queue: ``get`` drains what is left, then raises."""
        self._closed = True
        if error is not None and self._error is None:
            self._error = error
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self._waiter = None
