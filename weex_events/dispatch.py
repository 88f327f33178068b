"""Event dispatch: the only pyee code, plus ordered, bounded handler queues.

Handlers are registered on a :class:`pyee.EventEmitter`, so registration keeps
pyee's semantics (registration order, ``once``, ``listeners()``, one entry per
handler and event). Each handler is wrapped in a :class:`Listener`:

* a **sync** handler runs inline, in arrival order; an exception it raises becomes
  an ``error`` event and never reaches the read loop;
* an **async** handler gets its own bounded :class:`MessageQueue` and worker task,
  so it sees its events in arrival order and a slow one delays only itself.

Market data frames reach listeners through :meth:`Dispatcher.emit_message`, a
lean path over a per-event tuple of listeners derived from pyee's registry
(rebuilt only when handlers change); lifecycle events go through ``pyee.emit``.

Queue policy (DESIGN §2 *Backpressure*): tickers and books conflate to the latest
per symbol; trades and klines drop the oldest when full; private data and
lifecycle events are never dropped: the queue grows past its bound and
``slow_consumer`` says so.

Imports: ``errors``, ``events``, pyee.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import traceback
from collections.abc import Callable
from typing import Any

from pyee import EventEmitter

from .errors import ClientClosedError
from .events import PRIVATE_KINDS, ErrorEvent, SlowConsumerEvent, StreamMessage

__all__ = ["Dispatcher", "Handler", "Listener", "MessageQueue", "QueueClosed"]

log = logging.getLogger("weex_events.dispatch")

Handler = Callable[[Any], Any]
_CONFLATE = frozenset({"ticker", "book"})


class QueueClosed(Exception):
    """Raised by :meth:`MessageQueue.get` once the queue is closed and empty."""


def _policy(kind: str | None) -> str:
    if kind in _CONFLATE:
        return "conflate"
    if kind is None or kind in PRIVATE_KINDS:
        return "keep"
    return "drop_oldest"


class MessageQueue:
    """A bounded single-consumer queue with a per-item overflow policy.

    Attributes:
        name: who consumes it (for ``slow_consumer``).
        maxsize: the bound.
        dropped: items dropped because the queue was full.
        conflated: items replaced by a newer one for the same event (tickers,
            books) before the consumer got to them.
    """

    __slots__ = (
        "_behind",
        "_closed",
        "_error",
        "_items",
        "_on_slow",
        "_slots",
        "_waiter",
        "conflated",
        "dropped",
        "maxsize",
        "name",
    )

    def __init__(
        self,
        maxsize: int,
        name: str,
        on_slow: Callable[[SlowConsumerEvent], None] | None = None,
    ) -> None:
        self.maxsize = maxsize
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
        kind = item.kind if item.__class__ is StreamMessage else None
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
        if len(self._items) > self.maxsize:
            self._overflow(item, kind)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _overflow(self, item: Any, kind: str | None) -> None:
        policy = _policy(kind)
        if policy != "keep":
            items = self._items
            for i, entry in enumerate(items):
                head = entry[0] if entry.__class__ is list else entry
                head_kind = head.kind if head.__class__ is StreamMessage else None
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
            event = (
                item.event if item.__class__ is StreamMessage else type(item).__name__
            )
            self._on_slow(
                SlowConsumerEvent(
                    self.name, event, len(self._items), self.dropped, policy
                )
            )

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


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


class Listener:
    """A registered handler: runs it, isolates its errors, bounds its backlog."""

    __slots__ = (
        "_dispatcher",
        "_graceful",
        "_task",
        "event",
        "handler",
        "inline",
        "is_async",
        "name",
        "on_remove",
        "once",
        "queue",
    )

    def __init__(
        self,
        dispatcher: Dispatcher,
        event: str,
        handler: Handler,
        *,
        once: bool = False,
        on_remove: Callable[[], None] | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self.event = event
        self.handler = handler
        self.once = once
        self.on_remove = on_remove
        self.name = _name(handler)
        self.is_async = inspect.iscoroutinefunction(handler) or (
            not inspect.isfunction(handler)
            and inspect.iscoroutinefunction(getattr(handler, "__call__", None))  # noqa: B004
        )
        self.queue: MessageQueue | None = None
        self._task: asyncio.Task[None] | None = None
        self._graceful = False
        if self.is_async:
            self.queue = MessageQueue(
                dispatcher.queue_size, self.name, dispatcher.report_slow
            )
        #: A plain sync handler: :meth:`Dispatcher.emit_message` runs it itself
        #: (what :meth:`__call__` would do, without the extra call per message).
        self.inline = not self.is_async and not once

    def __call__(self, payload: Any) -> None:
        queue = self.queue
        if queue is None:
            if self.once:  # like pyee: unregistered before it runs
                self._dispatcher.remove(self.event, self.handler)
            try:
                self.handler(payload)
            except Exception as exc:
                self._dispatcher.report_handler_error(self, payload, exc)
            return
        queue.put(payload)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._work(queue), name=f"weex_events: handler {self.name}"
            )
        if self.once:  # the queued payload is still handled
            self._dispatcher.remove(self.event, self.handler, graceful=True)

    async def _work(self, queue: MessageQueue) -> None:
        while True:
            try:
                payload = await queue.get()
            except QueueClosed:
                return
            try:
                await self.handler(payload)
            except Exception as exc:
                self._dispatcher.report_handler_error(self, payload, exc)

    def close(self, *, graceful: bool) -> asyncio.Task[None] | None:
        """Stop the worker: after the queued items (``graceful``) or at once."""
        if self.queue is None:
            return None
        self.queue.close()
        task = self._task
        if task is not None and not graceful:
            task.cancel()
        return task


class Dispatcher:
    """Registry of listeners on a pyee emitter, with a fast path for data."""

    def __init__(self, queue_size: int = 1024) -> None:
        self.emitter = EventEmitter()
        self.queue_size = queue_size
        self._listeners: dict[tuple[str, Handler], Listener] = {}
        self._table: dict[str, tuple[Listener, ...]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.messages = 0
        # Drop counts of queues that are gone (closed streams, removed handlers),
        # so that stats never forget a loss.
        self.retired_dropped: collections.Counter[str] = collections.Counter()
        self.retired_conflated: collections.Counter[str] = collections.Counter()
        self.handler_errors = 0
        self.slow_events = 0
        self._closed = False

    # -- registration ----------------------------------------------------------------

    def add(
        self,
        event: str,
        handler: Handler,
        *,
        once: bool = False,
        on_remove: Callable[[], None] | None = None,
    ) -> bool:
        """Register ``handler`` for ``event``; ``False`` if it already was."""
        if self._closed:
            raise ClientClosedError()
        key = (event, handler)
        if key in self._listeners:
            return False
        listener = Listener(self, event, handler, once=once, on_remove=on_remove)
        self._listeners[key] = listener
        self.emitter.add_listener(event, listener)
        self._rebuild(event)
        return True

    def remove(self, event: str, handler: Handler, *, graceful: bool = False) -> bool:
        """Unregister ``handler`` from ``event``; ``False`` if it was not there."""
        listener = self._listeners.pop((event, handler), None)
        if listener is None:
            return False
        self.emitter.remove_listener(event, listener)
        self._rebuild(event)
        if listener.queue is not None:
            self.retire(listener.queue)
        task = listener.close(graceful=graceful)
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if listener.on_remove is not None:
            listener.on_remove()
        return True

    def handlers(self, event: str) -> list[Handler]:
        """The user handlers registered for ``event``, in registration order."""
        return [lst.handler for lst in self._table.get(event, ())]

    def has_listeners(self, event: str) -> bool:
        """Whether anything listens to ``event``."""
        return event in self._table

    def _rebuild(self, event: str) -> None:
        listeners: tuple[Listener, ...] = tuple(
            lst for lst in self.emitter.listeners(event) if isinstance(lst, Listener)
        )
        if listeners:
            self._table[event] = listeners
        else:
            self._table.pop(event, None)

    # -- emission --------------------------------------------------------------------

    def emit_message(self, msg: StreamMessage) -> None:
        """Deliver a data message to ``msg.event`` then ``msg.kind`` listeners."""
        # Runs once per message: the two names are unrolled rather than looped
        # over, and plain sync handlers are called here rather than through
        # Listener.__call__ (each saves a Python call per message).
        self.messages += 1
        table = self._table
        event = msg.event
        listeners = table.get(event)
        if listeners is not None:
            for listener in listeners:
                if listener.inline:
                    try:
                        listener.handler(msg)
                    except Exception as exc:
                        self.report_handler_error(listener, msg, exc)
                else:
                    listener(msg)
        kind = msg.kind
        if event == kind:
            return  # no symbol (account items): one event name, one delivery
        listeners = table.get(kind)
        if listeners is not None:
            for listener in listeners:
                if listener.inline:
                    try:
                        listener.handler(msg)
                    except Exception as exc:
                        self.report_handler_error(listener, msg, exc)
                else:
                    listener(msg)

    def emit(self, event: str, payload: Any) -> None:
        """Deliver a lifecycle or diagnostic event through pyee."""
        if event in self._table:
            self.emitter.emit(event, payload)
        elif event == "error":
            log.debug(
                "error event with no handler: %s", getattr(payload, "message", payload)
            )

    def report_handler_error(
        self, listener: Listener, payload: Any, exc: Exception
    ) -> None:
        """Turn a handler's exception into an ``error`` event and a log line."""
        self.handler_errors += 1
        event = getattr(payload, "event", listener.event)
        log.error(
            "handler %s raised on %s: %s", listener.name, event, exc, exc_info=exc
        )
        if listener.event == "error":
            return  # an error handler failing must not recurse
        tb = "".join(traceback.format_exception(exc))
        self.emit(
            "error",
            ErrorEvent(
                "handler",
                f"{type(exc).__name__}: {exc}",
                event=event,
                handler=listener.name,
                exception=exc,
                traceback=tb,
            ),
        )

    def report_slow(self, info: SlowConsumerEvent) -> None:
        """Announce that a queue overflowed (once per backlog episode)."""
        self.slow_events += 1
        log.warning(
            "slow consumer %s on %s: %d pending, %d dropped, policy %s",
            info.consumer,
            info.event,
            info.pending,
            info.dropped,
            info.policy,
        )
        self.emit("slow_consumer", info)

    # -- introspection and shutdown ------------------------------------------------

    def retire(self, queue: MessageQueue) -> None:
        """Keep the counters of a queue that is going away."""
        if queue.dropped:
            self.retired_dropped[queue.name] += queue.dropped
        if queue.conflated:
            self.retired_conflated[queue.name] += queue.conflated

    def queues(self) -> list[MessageQueue]:
        """The queues of async handlers (for ``stats``)."""
        return [lst.queue for lst in self._listeners.values() if lst.queue is not None]

    async def close(self) -> None:
        """Cancel every handler worker and forget every handler."""
        self._closed = True
        tasks = set(self._tasks)
        for (_event, _handler), listener in list(self._listeners.items()):
            task = listener.close(graceful=False)
            if task is not None:
                tasks.add(task)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._listeners.clear()
        self._table.clear()
        self.emitter.remove_all_listeners()
