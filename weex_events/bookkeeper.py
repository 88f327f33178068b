"""The client's order books: one :class:`~weex_events.book.OrderBook` per book
channel, fed by depth frames, producing ``book`` messages and gap reports.

Pure like :mod:`weex_events.book`: it never awaits; the client hands it frames
and is told, through ``on_gap``, when a fresh snapshot is needed.

It also keeps the snapshot deadlines: a subscribed book still waiting for its
snapshot ``timeout`` seconds after it started waiting is :meth:`overdue`; it is
asked again with doubling deadlines, then its connection is replaced.

Imports: ``events``, ``kinds``, ``protocol``, ``book``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .book import OrderBook
from .events import Channel, StreamMessage
from .kinds import depth_of
from .protocol import DepthUpdate, new_message

__all__ = ["SNAPSHOT_RETRIES", "BookKeeper", "Overdue"]

#: Fresh snapshots asked for (doubling the deadline each time) before the
#: connection carrying a book without one is replaced.
SNAPSHOT_RETRIES = 2

GapHandler = Callable[[Channel, str, str], None]
"""Called with (channel, reason, detail) when a book needs a fresh snapshot."""

Overdue = tuple[Channel, str, int]
"""A book past its snapshot deadline: (channel, ``"resync"`` or ``"reconnect"``,
attempt number)."""

# What a depth frame needs, found by (symbol, level) in one lookup: the channel,
# its book, the event name and the view depth to publish.
_Route = tuple[Channel, OrderBook, str, int]


class BookKeeper:
    """Books by channel, with the view depth each channel's consumers asked for."""

    def __init__(
        self,
        number_type: type,
        emit: Callable[[StreamMessage], None],
        on_gap: GapHandler,
    ) -> None:
        self._number_type = number_type
        self._emit = emit
        self._on_gap = on_gap
        self._books: dict[Channel, OrderBook] = {}
        self._views: dict[Channel, int] = {}
        self._routes: dict[tuple[str, int], _Route] = {}
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
            self._books.pop(channel, None)
            self._views.pop(channel, None)
            self._unacknowledged.discard(channel)
            self._waiting.pop(channel, None)
        else:
            if channel not in self._books:
                self._books[channel] = OrderBook(
                    channel.symbol or "", depth_of(channel.arg), self._number_type
                )
                self._unacknowledged.add(channel)
            self._views[channel] = view
        self._route()

    def _route(self) -> None:
        """Rebuild the per-frame lookup after a consumer came or went.

        A frame for ``(symbol, level)`` belongs to the channel
        ``Channel("book", symbol, str(level))``: only channels of that exact
        form get a route (the others can never match a frame).
        """
        routes: dict[tuple[str, int], _Route] = {}
        for channel, book in self._books.items():
            kind, symbol, arg = channel
            if kind != "book" or symbol is None or arg is None:
                continue
            if not (arg.isascii() and arg.isdigit()):
                continue
            level = int(arg)
            if str(level) == arg:
                view = self._views[channel]
                routes[symbol, level] = (channel, book, "book:" + symbol, view)
        self._routes = routes

    def apply(self, update: DepthUpdate) -> None:
        """Apply a depth frame; emit a ``book`` message or report a gap."""
        route = self._routes.get((update.symbol, update.level))
        if route is None:
            return  # a late frame for a book nobody wants any more
        channel, book, event, view = route
        gap = book.apply(update)
        if gap is not None:
            if gap.reason == "no_snapshot" and channel in self._unacknowledged:
                # Not a gap: the new subscription's snapshot comes after its ack.
                book.reset()
                return
            self.resyncs += 1
            self._on_gap(channel, gap.reason, gap.detail)
            return
        if not book.valid:
            return  # waiting for the fresh snapshot: never emit an invalid book
        self._emit(
            new_message(
                event,
                "book",
                update.symbol,
                book.snapshot_view(view),
                update.timestamp,
                update.received_at,
                update.raw,
            )
        )

    def acknowledged(self, channel: Channel) -> None:
        """The server acknowledged ``channel``'s subscription: from now on a delta
        before the snapshot is a real ``no_snapshot`` gap."""
        self._unacknowledged.discard(channel)

    def advanced(self, update: DepthUpdate) -> bool:
        """Whether ``update``'s book is valid (so the frame counted as data)."""
        route = self._routes.get((update.symbol, update.level))
        return route is not None and route[1].valid

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
            book = self._books.get(channel)
            if book is None:
                continue
            if book.valid:
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
            book = self._books.get(channel)
            if book is None:
                continue
            self._waiting.pop(channel, None)  # a new socket, a new deadline
            was_valid = book.valid
            book.reset()
            if was_valid:
                self.resyncs += 1
                self._on_gap(channel, "reconnect", "socket lost")
