"""Event dispatch: the only pyee code, plus ordered, bounded handler queues.

Handlers are registered on a :class:`pyee.EventEmitter`, so registration keeps
pyee's semantics (registration order, ``once``, ``listeners()``, one entry per
handler and event). Each handler is wrapped in a
:class:`~weex_events.listener.Listener` (sync handlers inline, async ones behind
an ordered, bounded queue).

pyee's registry is the only registry: the per-event tuples that
:meth:`Dispatcher.emit_message` walks (a lean path for market data) are derived
from it whenever handlers change, and every other question (is this handler
registered, which queues exist) is answered from those tuples. Lifecycle events
go through ``pyee.emit``.

:meth:`Dispatcher.observe` is the one hook for whole-stream observers (per-event
counters for metrics, a recorder): it registers like a handler, so it costs
nothing when unused, and stays out of :meth:`Dispatcher.handlers`.

Async handlers' queues are :class:`~weex_events.queues.MessageQueue` (their
overflow policies live there).

Imports: ``errors``, ``events``, ``protocol`` (its types), ``bookkeeper``,
``queues``, ``listener``, ``slow_handlers``, pyee.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from pyee import EventEmitter

from .bookkeeper import BookFeed
from .errors import ClientClosedError
from .events import ErrorEvent, SlowConsumerEvent, StreamMessage
from .listener import Handler, Listener
from .protocol import DeferredMessage
from .queues import MessageQueue
from .slow_handlers import SlowHandlers

__all__ = ["Dispatcher", "Handler", "Listener"]

log = logging.getLogger("weex_events.dispatch")


class Dispatcher:
    """Registry of listeners on a pyee emitter, with a fast path for data."""

    def __init__(
        self,
        queue_size: int = 1024,
        private_backlog: int | None = None,
        *,
        slow_handler: float = 0.1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.emitter = EventEmitter()
        self.queue_size = queue_size
        self.private_backlog = private_backlog
        #: Reports sync handlers that hold the read loop.
        self.slow = SlowHandlers(slow_handler, clock, self.emit)
        # Derived from the emitter by _rebuild: never edited on its own.
        self._table: dict[str, tuple[Listener, ...]] = {}
        # Derived from _table: book:SYMBOL's listeners then book's, per symbol
        # event, for emit_book (one lookup per book update).
        self._books: dict[str, tuple[Listener, ...]] = {}
        #: Derived from the table: the ticker events every listener of which
        #: (the event's and ``ticker``'s) takes deferred messages, i.e. only
        #: conflating streams listen. The codecs share this set and hand out a
        #: :class:`~weex_events.protocol.DeferredMessage` for these events.
        self.deferred: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        #: Data messages dispatched, per kind (``ticker``, ``order``…).
        self.kinds: dict[str, int] = {}
        # Drop counts of queues that are gone (closed streams, removed handlers),
        # so that stats never forget a loss.
        self.retired_dropped: collections.Counter[str] = collections.Counter()
        self.retired_conflated: collections.Counter[str] = collections.Counter()
        self.handler_errors = 0
        self._closed = False

    # -- registration ----------------------------------------------------------------

    def add(
        self,
        event: str,
        handler: Handler,
        *,
        once: bool = False,
        on_remove: Callable[[], None] | None = None,
        observer: bool = False,
        feeds: bool = False,
        deferred: bool = False,
    ) -> bool:
        """Register ``handler`` for ``event``; ``False`` if it already was.

        ``feeds``: the handler takes a :class:`~weex_events.bookkeeper.BookFeed`
        for book events; ``deferred``: it takes a
        :class:`~weex_events.protocol.DeferredMessage` for ticker events (both:
        a conflating stream's put, which builds the message when read).
        """
        if self._closed:
            raise ClientClosedError()
        if self._find(event, handler) is not None:
            return False
        listener = Listener(
            self, event, handler, once=once, on_remove=on_remove, observer=observer
        )
        listener.feeds = feeds
        listener.deferred = deferred
        self.emitter.add_listener(event, listener)
        self._rebuild(event)
        return True

    def observe(self, events: Iterable[str], observer: Handler) -> Callable[[], None]:
        """Call ``observer`` (sync) for every message or payload of ``events``
        (``"ticker"``, ``"order"``, ``"error"``…), after the handlers registered
        before it; returns the function that removes it. Observers subscribe
        nothing and are not listed by :meth:`handlers`."""
        names = list(dict.fromkeys(events))
        for event in names:
            self.add(event, observer, observer=True)

        def stop() -> None:
            for event in names:
                self.remove(event, observer)

        return stop

    def _find(self, event: str, handler: Handler) -> Listener | None:
        for listener in self._table.get(event, ()):
            if listener.handler == handler:
                return listener
        return None

    def remove(self, event: str, handler: Handler, *, graceful: bool = False) -> bool:
        """Unregister ``handler`` from ``event``; ``False`` if it was not there."""
        listener = self._find(event, handler)
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
        return [lst.handler for lst in self._table.get(event, ()) if not lst.observer]

    def _rebuild(self, event: str) -> None:
        listeners: tuple[Listener, ...] = tuple(
            lst for lst in self.emitter.listeners(event) if isinstance(lst, Listener)
        )
        if listeners:
            self._table[event] = listeners
        else:
            self._table.pop(event, None)
        if event == "book" or event.startswith("book:"):
            table = self._table
            generic = table.get("book", ())
            self._books = {
                name: (*listeners, *generic)
                for name, listeners in table.items()
                if name.startswith("book:")
            }
            self._books[""] = generic  # a symbol with no listeners of its own
        elif event == "ticker" or event.startswith("ticker:"):
            self._defer_tickers()

    def _defer_tickers(self) -> None:
        """Recompute :attr:`deferred` in place (the codecs hold the set)."""
        table = self._table
        generic = table.get("ticker", ())
        deferred = {
            name
            for name, listeners in table.items()
            if name.startswith("ticker:")
            and all(listener.deferred for listener in (*listeners, *generic))
        }
        if deferred != self.deferred:
            self.deferred.clear()
            self.deferred.update(deferred)

    # -- emission --------------------------------------------------------------------

    def emit_message(self, msg: StreamMessage | DeferredMessage) -> None:
        """Deliver a data message to ``msg.event`` then ``msg.kind`` listeners.

        A :class:`~weex_events.protocol.DeferredMessage` comes only for an
        event in :attr:`deferred`, whose every listener takes one: it goes
        through unbuilt, like a message.
        """
        # Runs once per message: the two names are unrolled rather than looped
        # over, and plain sync handlers are called here rather than through
        # Listener.__call__ (each saves a Python call per message). The one
        # counter is per kind, so metrics need no observer on this path; a plain
        # dict with try (free in 3.11+) costs a fraction of a Counter's +=.
        kind = msg.kind
        try:
            self.kinds[kind] += 1
        except KeyError:
            self.kinds[kind] = 1
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

    @property
    def messages(self) -> int:
        """Data messages dispatched, all kinds."""
        return sum(self.kinds.values())

    def emit_book(self, feed: BookFeed) -> None:
        """A book update: ``feeds`` listeners get ``feed``, others one message,
        built once, by the first of them (plain sync handlers called here, as
        in :meth:`emit_message`)."""
        try:
            self.kinds["book"] += 1
        except KeyError:
            self.kinds["book"] = 1
        books = self._books
        listeners = books.get(feed.event)
        if listeners is None:
            listeners = books.get("", ())
        msg: StreamMessage | None = None
        for listener in listeners:
            if listener.feeds:
                listener.handler(feed)
                continue
            if msg is None:
                msg = feed.build(feed.view)
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
        log.warning(
            "slow consumer %s on %s: %d pending, %d dropped, policy %s",
            info.consumer,
            info.event,
            info.pending,
            info.dropped,
            info.policy,
        )
        self.emit("slow_consumer", info)

    def blocked(self, events: Iterable[str], seconds: float) -> None:
        """A message of ``events`` held the read loop ``seconds``: report its sync
        handler, or, when several ran, time each one's next call."""
        suspects = [
            lst
            for event in events
            for lst in self._table.get(event, ())
            if not lst.is_async
        ]
        self.slow.blocked(suspects, seconds)

    # -- introspection and shutdown ------------------------------------------------

    def retire(self, queue: MessageQueue) -> None:
        """Keep the counters of a queue that is going away."""
        if queue.dropped:
            self.retired_dropped[queue.name] += queue.dropped
        if queue.conflated:
            self.retired_conflated[queue.name] += queue.conflated

    def queues(self) -> list[MessageQueue]:
        """The queues of async handlers (for ``stats``)."""
        return [
            lst.queue
            for listeners in self._table.values()
            for lst in listeners
            if lst.queue is not None
        ]

    async def close(self) -> None:
        """Cancel every handler worker and forget every handler."""
        self._closed = True
        tasks = set(self._tasks)
        for listeners in list(self._table.values()):
            for listener in listeners:
                task = listener.close(graceful=False)
                if task is not None:
                    tasks.add(task)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._table.clear()
        self._books.clear()
        self.deferred.clear()
        self.emitter.remove_all_listeners()
