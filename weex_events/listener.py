"""One registered handler: how it runs, how its errors are isolated, how its
backlog is bounded.

* a **sync** handler runs inline, in arrival order; an exception it raises becomes
  an ``error`` event and never reaches the read loop;
* an **async** handler gets its own bounded :class:`MessageQueue` and worker task,
  so it sees its events in arrival order and a slow one delays only itself.

What a listener needs from its dispatcher is the :class:`Host` protocol.

Imports: ``events``, ``queues``, ``slow_handlers``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any, Protocol

from .events import SlowConsumerEvent
from .queues import MessageQueue, QueueClosed
from .slow_handlers import SlowHandlers

__all__ = ["Handler", "Host", "Listener"]

Handler = Callable[[Any], Any]


class Host(Protocol):
    """The dispatcher, as its listeners see it."""

    queue_size: int
    private_backlog: int | None
    slow: SlowHandlers

    def remove(self, event: str, handler: Handler, *, graceful: bool = False) -> bool:
        """Unregister ``handler`` from ``event``."""

    def report_handler_error(
        self, listener: Listener, payload: Any, exc: Exception
    ) -> None:
        """A handler raised: an ``error`` event and a log line."""

    def report_slow(self, info: SlowConsumerEvent) -> None:
        """A queue fell behind: a ``slow_consumer`` event."""


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


class Listener:
    """A registered handler: runs it, isolates its errors, bounds its backlog."""

    __slots__ = (
        "_dispatcher",
        "_task",
        "deferred",
        "event",
        "feeds",
        "handler",
        "inline",
        "is_async",
        "name",
        "observer",
        "on_remove",
        "once",
        "queue",
        "timed",
    )

    def __init__(
        self,
        dispatcher: Host,
        event: str,
        handler: Handler,
        *,
        once: bool = False,
        on_remove: Callable[[], None] | None = None,
        observer: bool = False,
    ) -> None:
        self._dispatcher = dispatcher
        self.feeds = False  # takes a BookFeed (a book stream's put, never raises)
        self.deferred = False  # takes a DeferredMessage (a stream's put, likewise)
        self.event = event
        self.handler = handler
        self.observer = observer
        self.once = once
        self.on_remove = on_remove
        self.name = _name(handler)
        self.is_async = inspect.iscoroutinefunction(handler) or (
            not inspect.isfunction(handler)
            and inspect.iscoroutinefunction(getattr(handler, "__call__", None))  # noqa: B004
        )
        self.queue: MessageQueue | None = None
        self._task: asyncio.Task[None] | None = None
        if self.is_async:
            self.queue = MessageQueue(
                dispatcher.queue_size,
                self.name,
                dispatcher.report_slow,
                private_limit=dispatcher.private_backlog,
            )
        #: A plain sync handler: :meth:`Dispatcher.emit_message` runs it itself
        #: (what :meth:`__call__` would do, without the extra call per message).
        self.inline = not self.is_async and not once
        #: Suspected of holding the read loop: its next call is timed.
        self.timed = False

    def __call__(self, payload: Any) -> None:
        queue = self.queue
        if queue is None:
            if self.once:  # like pyee: unregistered before it runs
                self._dispatcher.remove(self.event, self.handler)
            if self.timed:
                dispatcher = self._dispatcher
                dispatcher.slow.timed_call(
                    self,
                    payload,
                    lambda exc: dispatcher.report_handler_error(self, payload, exc),
                )
                return
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
