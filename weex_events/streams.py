"""Async-iterator adapters over dispatch: ``async for msg in client.stream_…()``.

A :class:`Stream` registers a listener for each of its events *before* it
subscribes (so the first snapshot is never missed), holds a reference on each
channel it needs, and gives both back when the loop ends, breaks, raises or is
cancelled. Its queue is bounded with the policy of
:class:`~weex_events.queues.MessageQueue`: tickers and books conflate to the
latest per symbol, trades and klines drop the oldest, private data is kept.

Release happens in :meth:`Stream.aclose`, on ``async with`` exit, when a pending
``__anext__`` is cancelled (as for async generators), when the client closes,
and, for a plain ``break``, when the stream object is garbage-collected (at once in
CPython, since nothing else refers to it).

Imports: ``errors``, ``events``, ``subscriptions``, ``dispatch``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType

from .dispatch import Dispatcher
from .errors import ClientClosedError, ConfigError
from .events import Channel, StreamMessage, channel_for_event
from .queues import MessageQueue, QueueClosed
from .subscriptions import book_depth, make_channels

__all__ = ["Stream", "StreamHost", "StreamMethods", "cut_book"]

log = logging.getLogger("weex_events.streams")


@dataclass(frozen=True, slots=True)
class StreamHost:
    """What a stream needs from the client, as bound callables.

    Attributes:
        dispatcher: the client's dispatcher (listeners are registered there).
        opened: track an open stream, so that the client can end it on close.
        closed: forget a stream (its queue's drop counts are kept).
        acquire: hold a reference on channels (``book_level`` for books).
        release: give the references back.
        wait_channels: wait until the server accepted every channel.
    """

    dispatcher: Dispatcher
    opened: Callable[[Stream], None]
    closed: Callable[[Stream], None]
    acquire: Callable[..., None]
    release: Callable[..., None]
    wait_channels: Callable[[Sequence[Channel]], Awaitable[None]]


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
        host: StreamHost,
        events: Sequence[str],
        channels: Sequence[Channel],
        *,
        queue_size: int,
        transform: Callable[[StreamMessage], StreamMessage] | None = None,
        book_level: int | None = None,
    ) -> None:
        self._host = host
        self.events = tuple(events)
        self.channels = tuple(channels)
        self._transform = transform
        self._book_level = book_level
        self.name = f"stream({', '.join(self.events)})"
        self._queue = MessageQueue(queue_size, self.name, host.dispatcher.report_slow)
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
        try:
            msg: StreamMessage = await self._queue.get()
        except QueueClosed:
            self._release()
            raise StopAsyncIteration from None
        except BaseException:  # cancelled, or the stream failed: let go
            self._release()
            raise
        if self._transform is not None:
            msg = self._transform(msg)
        return msg

    async def _open(self) -> None:
        host = self._host
        self._state = _State.OPEN
        host.opened(self)
        try:
            dispatcher = host.dispatcher
            for event in self.events:
                dispatcher.add(event, self._queue.put)
            host.acquire(self.channels, book_level=self._book_level)
            self._held = True
            await host.wait_channels(self.channels)
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
        host = self._host
        try:
            dispatcher = host.dispatcher
            for event in self.events:
                dispatcher.remove(event, self._queue.put)
            if self._held:
                self._held = False
                host.release(self.channels, book_level=self._book_level)
        except ClientClosedError:
            pass
        except Exception:  # never let cleanup (maybe from __del__) raise
            log.exception("releasing %s", self.name)
        host.closed(self)

    def __del__(self) -> None:
        if getattr(self, "_state", _State.CLOSED) is _State.OPEN:
            self._release()


class StreamMethods:
    """The ``stream_*`` methods of :class:`~weex_events.WeexWebSocketClient`.

    Each returns a :class:`Stream` at once; nothing is subscribed until the
    first ``__anext__`` (so the first snapshot is never missed).
    """

    def _stream(
        self,
        events: list[str],
        channels: list[Channel],
        *,
        transform: Callable[[StreamMessage], StreamMessage] | None = None,
        book_level: int | None = None,
    ) -> Stream:
        raise NotImplementedError

    def _event_name(self, event: str) -> str:
        raise NotImplementedError

    def _require_credentials(self, kind: str) -> None:
        raise NotImplementedError

    def stream(self, *events: str) -> Stream:
        """Iterate over the given events, e.g. ``stream("ticker:BTCUSDT", "order")``.

        Symbol and private events subscribe for the duration of the loop.
        """
        if not events:
            raise ConfigError("events", "name at least one event")
        names = [self._event_name(e) for e in events]
        channels = [c for c in map(channel_for_event, names) if c is not None]
        for channel in channels:
            if channel.private:
                self._require_credentials(channel.kind)
        return self._stream(names, channels)

    def stream_tickers(self, symbols: str | Iterable[str]) -> Stream:
        """Tickers for ``symbols``, conflated to the latest per symbol when behind."""
        channels = make_channels("ticker", symbols, {})
        return self._stream([f"ticker:{c.symbol}" for c in channels], channels)

    def stream_trades(self, symbol: str) -> Stream:
        """Every trade of ``symbol``, one message per trade."""
        channels = make_channels("trade", symbol, {})
        return self._stream([f"trade:{c.symbol}" for c in channels], channels)

    def stream_klines(self, symbol: str, interval: str = "1m") -> Stream:
        """Bar updates of ``symbol``; ``data["closed"]`` marks finished bars."""
        channels = make_channels("kline", symbol, {"interval": interval})
        return self._stream([f"kline:{c.symbol}" for c in channels], channels)

    def stream_order_book(self, symbol: str, level: int = 5) -> Stream:
        """The maintained order book of ``symbol``, cut to ``level`` levels per side.

        Raises:
            ConfigError: ``level`` is not between 1 and 200 (raised at call time).
        """
        depth = book_depth(level)
        channels = make_channels("book", symbol, {"level": depth})
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
        self._require_credentials(kind)
        return self._stream([kind], [Channel(kind)])
