"""Where a connection's output goes (a :class:`~weex_events.connection.Sink`):
data to dispatch, stamped for liveness; depth frames to the order books;
lifecycle events to handlers; a lost socket to the books; a connection that
gave up to the streams that needed it.

Imports: ``errors``, ``events``, ``protocol``, ``bookkeeper``, ``liveness``,
``dispatch``, ``streams``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .bookkeeper import BookKeeper
from .dispatch import Dispatcher
from .errors import WeexError
from .events import Channel, SubscriptionEvent
from .liveness import Liveness
from .protocol import Decoded, DepthUpdate
from .streams import Streams

__all__ = ["Outputs"]


class Outputs:
    """The client's :class:`~weex_events.connection.Sink`.

    ``streams`` is set once the client has made them (they need the hub, which
    needs the connections, which need this).
    """

    def __init__(
        self, dispatcher: Dispatcher, liveness: Liveness, books: BookKeeper
    ) -> None:
        # Attributes, not methods: the read loop calls `deliver` per message.
        self.deliver = liveness.wrap(dispatcher.emit_message)
        self.dispatcher = dispatcher
        self._liveness = liveness
        self._watch_books = liveness.watching("book")
        self._books = books
        self.streams: Streams | None = None
        #: Apply a depth frame to its book; ``book`` or ``resync`` follows. The
        #: keeper itself unless book arrivals are watched (one call less a frame).
        self.deliver_depth: Callable[[DepthUpdate], None] = (
            self._stamp_depth if self._watch_books else books.apply
        )

    def emit(self, event: str, payload: Any) -> None:
        """A lifecycle event to handlers; a book's subscription acknowledged
        first tells the books (see :meth:`BookKeeper.acknowledged`)."""
        if event == "subscribed" and isinstance(payload, SubscriptionEvent):
            self._books.acknowledged(payload.channel)
        self.dispatcher.emit(event, payload)

    def _stamp_depth(self, update: DepthUpdate) -> None:
        books = self._books
        books.apply(update)
        # Only a frame that advanced a valid book is book data: deltas with no
        # snapshot under them must not hide a dead book from `stale`.
        if books.advanced(update):
            self._liveness.stamp("book", update.symbol, update.received_at)

    def connection_reset(self, channels: Iterable[Channel]) -> None:
        """A socket was lost: its books restart from the next snapshot."""
        self._books.reset(channels)

    def blocked(self, item: Decoded, seconds: float) -> None:
        """Delivering ``item`` held the read loop ``seconds``: find the handler."""
        if isinstance(item, DepthUpdate):
            events = ["book:" + item.symbol, "book"]
        elif isinstance(item, list):
            events = list(dict.fromkeys(n for m in item for n in (m.event, m.kind)))
        else:
            return
        self.dispatcher.blocked(events, seconds)

    def connection_failed(self, channels: Iterable[Channel], exc: WeexError) -> None:
        """A connection gave up: streams that needed it end with ``exc``."""
        if self.streams is not None:
            self.streams.fail(channels, exc)
