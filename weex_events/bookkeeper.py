"""The client's order books: one :class:`~weex_events.book.OrderBook` per book
channel, fed by depth frames, producing ``book`` messages and gap reports.

Pure like :mod:`weex_events.book`: it never awaits; the client hands it frames
and is told, through ``on_gap``, when a fresh snapshot is needed.

It also keeps the snapshot deadlines: a subscribed book still waiting for its
snapshot ``timeout`` seconds after it started waiting is :meth:`overdue`; it is
asked again with doubling deadlines, then its connection is replaced.

Views are built only when someone reads them: with ``emit_feed``, each applied
update hands out the channel's :class:`BookFeed` (its book and latest update),
and dispatch builds the ``book`` message from it for handlers at once, but for a
conflating book stream only when its consumer takes it (DESIGN §2): the deltas
a busy stream conflates away cost no view, no message and no allocation.

Imports: ``events``, ``kinds``, ``protocol``, ``book``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .book import OrderBook
from .events import Channel, StreamMessage
from .kinds import depth_of
from .protocol import DepthUpdate, new_message

__all__ = ["SNAPSHOT_RETRIES", "BookFeed", "BookKeeper", "Overdue"]

#: Fresh snapshots asked for (doubling the deadline each time) before the
#: connection carrying a book without one is replaced.
SNAPSHOT_RETRIES = 2

GapHandler = Callable[[Channel, str, str], None]
"""Called with (channel, reason, detail) when a book needs a fresh snapshot."""

Overdue = tuple[Channel, str, int]
"""A book past its snapshot deadline: (channel, ``"resync"`` or ``"reconnect"``,
attempt number)."""


class BookFeed:
    """One book channel, and the latest update applied to its book.

    The keeper keeps one per channel and hands the same object out after each
    applied update, so that a conflating stream's queue holds a reference, not a
    message: :meth:`message` builds the ``book`` message of the book as it is
    when the consumer reads it, which is the latest update's (DESIGN §2).

    Attributes:
        channel: the book channel.
        event: ``"book:SYMBOL"``.
        kind: ``"book"``.
        symbol: the book's symbol.
        depth: the WEEX book it mirrors (15 or 200), like ``data["depth"]``.
        book: the channel's :class:`~weex_events.book.OrderBook`.
        view: the levels per side the channel's consumers asked for.
        update: the latest update applied to ``book`` (``None`` before one).
    """

    __slots__ = ("book", "channel", "depth", "event", "symbol", "update", "view")
    kind = "book"

    def __init__(self, channel: Channel, book: OrderBook, view: int) -> None:
        self.channel = channel
        self.book = book
        self.view = view
        self.symbol = book.symbol
        self.event = "book:" + book.symbol
        self.depth = book.depth
        self.update: DepthUpdate | None = None

    def build(self, n: int) -> StreamMessage:
        """The message with the best ``n`` levels, stamped like the latest update."""
        update = self.update
        assert update is not None  # only handed out after an update
        return new_message(
            self.event,
            "book",
            self.symbol,
            self.book.snapshot_view(n),
            update.timestamp,
            update.received_at,
            update.raw,
        )

    def message(self, n: int) -> StreamMessage | None:
        """:meth:`build`, or ``None`` while the book cannot be published.

        A book that went through a gap or a reset since its feed was queued is
        invalid (or empty) until the fresh snapshot, which is handed out anew:
        nothing is delivered meanwhile, never an invalid book.
        """
        book = self.book
        update = self.update
        if update is None or not book.valid or book.version != update.last:
            return None
        return self.build(n)


class BookKeeper:
    """Books by channel, with the view depth each channel's consumers asked for.

    Args:
        number_type: of the books' prices and sizes.
        emit: called with each ``book`` message (when ``emit_feed`` is not given).
        on_gap: called when a book needs a fresh snapshot.
        emit_feed: called with the channel's :class:`BookFeed` after each applied
            update, instead of building the message here.
    """

    def __init__(
        self,
        number_type: type,
        emit: Callable[[StreamMessage], None],
        on_gap: GapHandler,
        emit_feed: Callable[[BookFeed], None] | None = None,
    ) -> None:
        self._number_type = number_type
        self._emit = emit
        # Called with the feed after each applied update: emit_feed, or this
        # keeper building the message itself.
        self._publish: Callable[[BookFeed], None] = emit_feed or self._build_and_emit
        self._on_gap = on_gap
        self._feeds: dict[Channel, BookFeed] = {}
        # The per-frame lookup: a frame's (symbol, level) -> its channel's feed.
        self._routes: dict[tuple[str, int], BookFeed] = {}
        # Books made for a subscription the server has not acknowledged yet: a
        # delta reaching them belongs to an earlier subscription of the channel
        # (released and taken again while its frames were still on the wire).
        self._unacknowledged: set[Channel] = set()
        self.resyncs = 0
        # Books waiting for a snapshot: (waiting since, snapshots asked again).
        self._waiting: dict[Channel, tuple[float, int]] = {}

    def track(self, channel: Channel, view: int | None) -> None:
        """Keep a book for ``channel`` published at ``view`` levels; ``None``
        drops it (nobody holds the channel any more). The counts of who wants
        which view live in the hub."""
        if view is None:
            feed = self._feeds.pop(channel, None)
            if feed is not None:
                feed.book.reset()  # a feed still queued somewhere builds nothing
            self._unacknowledged.discard(channel)
            self._waiting.pop(channel, None)
        else:
            feed = self._feeds.get(channel)
            if feed is None:
                book = OrderBook(
                    channel.symbol or "", depth_of(channel.arg), self._number_type
                )
                self._feeds[channel] = feed = BookFeed(channel, book, view)
                self._unacknowledged.add(channel)
            feed.view = view
        self._route()

    def _route(self) -> None:
        """Rebuild the per-frame lookup after a consumer came or went.

        A frame for ``(symbol, level)`` belongs to the channel
        ``Channel("book", symbol, str(level))``: only channels of that exact
        form get a route (the others can never match a frame).
        """
        routes: dict[tuple[str, int], BookFeed] = {}
        for channel, feed in self._feeds.items():
            kind, symbol, arg = channel
            if kind != "book" or symbol is None or arg is None:
                continue
            if not (arg.isascii() and arg.isdigit()):
                continue
            level = int(arg)
            if str(level) == arg:
                routes[symbol, level] = feed
        self._routes = routes

    def apply(self, update: DepthUpdate) -> None:
        """Apply a depth frame; emit a ``book`` message or report a gap."""
        feed = self._routes.get((update.symbol, update.level))
        if feed is None:
            return  # a late frame for a book nobody wants any more
        book = feed.book
        gap = book.apply(update)
        if gap is not None:
            if gap.reason == "no_snapshot" and feed.channel in self._unacknowledged:
                # Not a gap: the new subscription's snapshot comes after its ack.
                book.reset()
                return
            self.resyncs += 1
            self._on_gap(feed.channel, gap.reason, gap.detail)
            return
        if not book.valid:
            return  # waiting for the fresh snapshot: never emit an invalid book
        feed.update = update
        self._publish(feed)

    def _build_and_emit(self, feed: BookFeed) -> None:
        self._emit(feed.build(feed.view))

    def acknowledged(self, channel: Channel) -> None:
        """The server acknowledged ``channel``'s subscription: from now on a delta
        before the snapshot is a real ``no_snapshot`` gap."""
        self._unacknowledged.discard(channel)

    def advanced(self, update: DepthUpdate) -> bool:
        """Whether ``update``'s book is valid (so the frame counted as data)."""
        feed = self._routes.get((update.symbol, update.level))
        return feed is not None and feed.book.valid

    def overdue(
        self, subscribed: Iterable[Channel], now: float, timeout: float
    ) -> list[Overdue]:
        """Books of ``subscribed`` channels still without a snapshot past their
        deadline, and what to do: ask again (``resync``) up to
        :data:`SNAPSHOT_RETRIES` times, each deadline twice the previous, then
        ``reconnect``.

        A book's wait starts at the first call that sees it subscribed and
        invalid, so call this every fraction of ``timeout``.
        """
        due: list[Overdue] = []
        for channel in subscribed:
            feed = self._feeds.get(channel)
            if feed is None:
                continue
            if feed.book.valid:
                self._waiting.pop(channel, None)
                continue
            since, asked = self._waiting.setdefault(channel, (now, 0))
            if now - since <= timeout * 2**asked:
                continue
            asked += 1
            if asked > SNAPSHOT_RETRIES:
                self._waiting.pop(channel, None)
                due.append((channel, "reconnect", asked))
            else:
                self._waiting[channel] = (now, asked)
                due.append((channel, "resync", asked))
        return due

    def reset(self, channels: Iterable[Channel]) -> None:
        """The socket carrying ``channels`` was lost: restart from snapshots.

        Books that were valid report a ``reconnect`` gap (the resubscription after
        the reconnect brings the snapshot).
        """
        for channel in channels:
            feed = self._feeds.get(channel)
            if feed is None:
                continue
            self._waiting.pop(channel, None)  # a new socket, a new deadline
            book = feed.book
            was_valid = book.valid
            book.reset()
            if was_valid:
                self.resyncs += 1
                self._on_gap(channel, "reconnect", "socket lost")
