"""Async-iterator adapters over dispatch: ``async for msg in client.stream_…()``.

A :class:`Stream` registers a listener for each of its events *before* it
subscribes (so the first snapshot is never missed), holds a reference on each
channel it needs, and gives both back when the loop ends, breaks, raises or is
cancelled. Its queue is bounded with the policy of
:class:`~weex_events.queues.MessageQueue`: tickers and books conflate to the
latest per symbol, trades and klines drop the oldest, private data is kept. A
book's feed and a deferred ticker wait there unbuilt; ``__anext__`` builds them.

Release happens in :meth:`Stream.aclose`, on ``async with`` exit, when a pending
``__anext__`` is cancelled (as for async generators), when the client closes,
and, for a plain ``break``, when the stream object is garbage-collected (at once in
CPython, since nothing else refers to it).

A book stream sees only the book depth it asked for (``book:SYMBOL`` carries
every depth held for the symbol). Streams hold channels through a
:class:`Subscriber` (the hub), so this module does not depend on the
connection layer.

Imports: ``errors``, ``events``, ``kinds``, ``protocol``, ``subscriptions``,
``bookkeeper``, ``queues``, ``dispatch``, ``handlers``.
"""

from __future__ import annotations

import enum
import logging
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Protocol

from .bookkeeper import BookFeed
from .dispatch import Dispatcher
from .errors import ClientClosedError, ConfigError, WeexError
from .events import Channel, StreamMessage, channel_for_event
from .handlers import Handlers, Holder
from .kinds import book_depth, lookup
from .protocol import DeferredMessage
from .queues import MessageQueue, QueueClosed
from .subscriptions import make_channels

__all__ = ["Stream", "Streams", "Subscriber", "cut_book"]

log = logging.getLogger("weex_events.streams")


class Subscriber(Holder, Protocol):
    """A :class:`~weex_events.handlers.Holder` that can also wait for the
    server's answer (the hub)."""

    async def wait(self, channels: Sequence[Channel], timeout: float) -> None:
        """Wait until the server accepted every channel."""


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


def cut_book(level: int) -> Callable[[StreamMessage], StreamMessage]:
    """A transform keeping the best ``level`` levels of a ``book`` message."""

    def cut(msg: StreamMessage) -> StreamMessage:
        data = msg.data
        if len(data["bids"]) <= level and len(data["asks"]) <= level:
            return msg
        view = dict(data)
        view["bids"] = data["bids"][:level]
        view["asks"] = data["asks"][:level]
        return StreamMessage(
            msg.event,
            msg.kind,
            msg.symbol,
            view,
            msg.timestamp,
            msg.received_at,
            msg.raw,
        )

    return cut


class Stream:
    """An async iterator of :class:`~weex_events.StreamMessage` for some events.

    Use it in ``async for``; optionally as ``async with client.stream(...) as s``
    for deterministic release. Attributes ``dropped``, ``conflated`` and
    ``pending`` report its backlog.
    """

    def __init__(
        self,
        owner: Streams,
        events: Sequence[str],
        channels: Sequence[Channel],
        *,
        transform: Callable[[StreamMessage], StreamMessage] | None = None,
        book_level: int | None = None,
    ) -> None:
        self._owner = owner
        self.events = tuple(events)
        self.channels = tuple(channels)
        self._transform = transform
        self._book_level = book_level
        self.name = f"stream({', '.join(self.events)})"
        dispatcher = owner.dispatcher
        self._queue = MessageQueue(
            owner.queue_size,
            self.name,
            dispatcher.report_slow,
            private_limit=dispatcher.private_backlog,
            fail=True,
        )
        self._put: Callable[..., None] = self._queue.put
        if book_level is not None:
            # book:SYMBOL carries every depth held for the symbol: keep ours.
            depth, put = book_depth(book_level), self._queue.put

            def put_book(m: BookFeed | StreamMessage) -> None:  # a feed or a message
                if (m.depth if m.__class__ is BookFeed else m.data["depth"]) == depth:  # type: ignore[union-attr]
                    put(m)

            self._put = put_book
        self._state = _State.NEW
        self._held = False
        self._ended = False

    def __repr__(self) -> str:
        return f"<Stream {', '.join(self.events)} {self._state.value}>"

    @property
    def queue(self) -> MessageQueue:
        """The stream's bounded queue (its counters feed ``client.stats``)."""
        return self._queue

    @property
    def dropped(self) -> int:
        """Messages dropped because this stream's queue was full."""
        return self._queue.dropped

    @property
    def conflated(self) -> int:
        """Tickers/books replaced by a newer one before being read."""
        return self._queue.conflated

    @property
    def pending(self) -> int:
        """Messages waiting to be read."""
        return len(self._queue)

    def __aiter__(self) -> Stream:
        return self

    async def __anext__(self) -> StreamMessage:
        # A closed stream still goes through its queue: what was left is
        # delivered, then the error it was closed with (or the end) is raised.
        if self._state is _State.NEW:
            try:
                await self._open()
            except ClientClosedError:
                if self._ended:  # the client closed while we were subscribing
                    raise StopAsyncIteration from None
                raise
        while True:
            try:
                item = await self._queue.get()
            except QueueClosed:
                self._release()
                raise StopAsyncIteration from None
            except BaseException:  # cancelled, or the stream failed: let go
                self._release()
                raise
            if item.__class__ is DeferredMessage:  # a ticker, checked on arrival
                item = item.message()
            elif item.__class__ is BookFeed:  # None after a gap, until the snapshot
                item = item.message(self._book_level or 0)
                if item is None:
                    self._queue.conflated += 1
                    continue
            break
        msg: StreamMessage = item
        if self._transform is not None:
            msg = self._transform(msg)
        return msg

    async def _open(self) -> None:
        owner = self._owner
        self._state = _State.OPEN
        owner.opened(self)
        try:
            dispatcher = owner.dispatcher
            feeds = self._book_level is not None
            for event in self.events:
                dispatcher.add(event, self._put, feeds=feeds, deferred=True)
            owner.subscriber.acquire(self.channels, book_level=self._book_level)
            self._held = True
            await owner.wait(self.channels)
        except BaseException:
            self._release()
            raise

    def close(self, error: BaseException | None = None) -> None:
        """End the stream; a pending ``__anext__`` ends (or raises ``error``)."""
        self._ended = True
        self._queue.close(error)
        self._release()

    async def aclose(self) -> None:
        """End the stream and give its subscriptions back."""
        self.close()

    async def __aenter__(self) -> Stream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _release(self) -> None:
        if self._state is _State.CLOSED:
            return
        was_open = self._state is _State.OPEN
        self._state = _State.CLOSED
        self._queue.close()
        if not was_open:
            return
        owner = self._owner
        try:
            dispatcher = owner.dispatcher
            for event in self.events:
                dispatcher.remove(event, self._put)
            if self._held:
                self._held = False
                owner.subscriber.release(self.channels, book_level=self._book_level)
        except ClientClosedError:
            pass
        except Exception:  # never let cleanup (maybe from __del__) raise
            log.exception("releasing %s", self.name)
        owner.closed(self)

    def __del__(self) -> None:
        if getattr(self, "_state", _State.CLOSED) is _State.OPEN:
            self._release()


class Streams:
    """Makes the client's streams and keeps track of the open ones.

    Each ``stream_*`` method returns a :class:`Stream` at once; nothing is
    subscribed until the first ``__anext__`` (so the first snapshot is never
    missed).

    Args:
        dispatcher: where streams register their listeners.
        subscriber: where they hold their channels (the hub).
        handlers: event-name checks and the credentials check.
        queue_size: each stream's queue bound.
        timeout: seconds to wait for the server's acknowledgement.
        closed: whether the client is closed (making a stream then raises).
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        subscriber: Subscriber,
        handlers: Handlers,
        *,
        queue_size: int,
        timeout: float,
        closed: Callable[[], bool],
    ) -> None:
        self.dispatcher = dispatcher
        self.subscriber = subscriber
        self.queue_size = queue_size
        self.market = handlers.market
        self._handlers = handlers
        self._timeout = timeout
        self._closed = closed
        self._open: weakref.WeakSet[Stream] = weakref.WeakSet()

    def __iter__(self) -> Iterator[Stream]:
        return iter(list(self._open))

    def opened(self, stream: Stream) -> None:
        """Track an open stream, so that it can be ended on close."""
        self._open.add(stream)

    def closed(self, stream: Stream) -> None:
        """Forget a closed stream (its drop counts stay in ``stats``)."""
        self._open.discard(stream)
        self.dispatcher.retire(stream.queue)

    async def wait(self, channels: Sequence[Channel]) -> None:
        """Wait until the server accepted every channel."""
        await self.subscriber.wait(channels, self._timeout)

    def close_all(self, error: WeexError | None = None) -> None:
        """End every open stream (with ``error``, if given)."""
        for stream in list(self._open):
            stream.close(error)

    def fail(self, channels: Iterable[Channel], error: WeexError) -> None:
        """End, with ``error``, the streams that needed any of ``channels``."""
        dead = set(channels)
        for stream in list(self._open):
            if dead.intersection(stream.channels):
                stream.close(error)

    def _stream(
        self,
        events: list[str],
        channels: list[Channel],
        *,
        transform: Callable[[StreamMessage], StreamMessage] | None = None,
        book_level: int | None = None,
    ) -> Stream:
        if self._closed():
            raise ClientClosedError()
        return Stream(
            self, events, channels, transform=transform, book_level=book_level
        )

    def stream(self, *events: str) -> Stream:
        """Iterate over the given events, e.g. ``stream("ticker:BTCUSDT", "order")``.

        Symbol and private events subscribe for the duration of the loop.
        """
        if not events:
            raise ConfigError("events", "name at least one event")
        names = [self._handlers.event_name(e) for e in events]
        channels = [c for c in map(channel_for_event, names) if c is not None]
        for channel in channels:
            if channel.private:
                self._handlers.require_credentials(channel.kind)
        return self._stream(names, channels)

    def stream_tickers(self, symbols: str | Iterable[str]) -> Stream:
        """Tickers for ``symbols``, conflated to the latest per symbol when behind."""
        channels = make_channels("ticker", symbols, {}, self.market)
        return self._stream([f"ticker:{c.symbol}" for c in channels], channels)

    def stream_book_tickers(self, symbols: str | Iterable[str]) -> Stream:
        """Best bid/ask of ``symbols`` (spot), conflated to the latest per symbol.

        Raises:
            ConfigError: the market is not spot (raised at call time).
        """
        channels = make_channels("book_ticker", symbols, {}, self.market)
        return self._stream([f"book_ticker:{c.symbol}" for c in channels], channels)

    def stream_trades(self, symbol: str) -> Stream:
        """Every trade of ``symbol``, one message per trade."""
        channels = make_channels("trade", symbol, {}, self.market)
        return self._stream([f"trade:{c.symbol}" for c in channels], channels)

    def stream_klines(self, symbol: str, interval: str = "1m") -> Stream:
        """Bar updates of ``symbol``; ``data["closed"]`` marks finished bars."""
        channels = make_channels("kline", symbol, {"interval": interval}, self.market)
        return self._stream([f"kline:{c.symbol}" for c in channels], channels)

    def stream_order_book(self, symbol: str, level: int = 5) -> Stream:
        """The maintained order book of ``symbol``, cut to ``level`` levels per side.

        Raises:
            ConfigError: ``level`` is not between 1 and 200 (raised at call time).
        """
        depth = book_depth(level)
        channels = make_channels("book", symbol, {"level": depth}, self.market)
        return self._stream(
            [f"book:{c.symbol}" for c in channels],
            channels,
            transform=cut_book(level),
            book_level=level,
        )

    def stream_account(self) -> Stream:
        """Account (balance) updates."""
        return self._private_stream("account")

    def stream_positions(self) -> Stream:
        """Position updates."""
        return self._private_stream("position")

    def stream_orders(self) -> Stream:
        """Order updates."""
        return self._private_stream("order")

    def stream_fills(self) -> Stream:
        """Fills (executions) of your orders."""
        return self._private_stream("fill")

    def _private_stream(self, kind: str) -> Stream:
        lookup(kind, self.market)
        self._handlers.require_credentials(kind)
        return self._stream([kind], [Channel(kind)])
