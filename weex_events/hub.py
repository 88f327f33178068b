"""The subscription hub: desired channels, one reference count per channel, and
their placement over each endpoint's connections.

Handlers (``client.on("ticker:BTCUSDT", h)``), streams and explicit
``subscribe()`` calls all hold references on the same :class:`Channel` here; the
first reference subscribes and the last one released unsubscribes. Books also
count the view depth each consumer asked for (the largest is published).

WEEX allows 100 channels per connection (WEEX-WS.md §1.1), so channels are
spread over as many connections as needed ("sharding"). A connection that has
had channels rejected four times or more takes no new channels: a sixth
rejected command would close it with 1007 (§1.4).

Imports: ``errors``, ``events``, ``kinds``, ``bookkeeper``, ``connection``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from .bookkeeper import BookKeeper
from .connection import ChannelState, Connection
from .errors import ClientClosedError, ConfigError
from .events import Channel, Endpoint
from .kinds import depth_of

__all__ = ["Hub"]

ConnectionFactory = Callable[[Endpoint], Connection]


class Hub:
    """Who wants which channel, and which connection carries it.

    Args:
        factory: makes a (not yet started) connection for an endpoint.
        books: the order books; told the view depth of each book channel.
        max_channels: channels per connection before another one is opened.
        max_connections: connections over all endpoints (the per-IP limit).
    """

    #: Rejections after which a connection gets no new channels.
    REJECTION_GUARD = 4

    def __init__(
        self,
        factory: ConnectionFactory,
        books: BookKeeper,
        *,
        max_channels: int,
        max_connections: int,
    ) -> None:
        self._factory = factory
        self._books = books
        self._max_channels = max_channels
        self._max_connections = max_connections
        self._refs: Counter[Channel] = Counter()
        self._explicit: Counter[Channel] = Counter()
        self._views: dict[Channel, Counter[int]] = {}
        self._conns: dict[Endpoint, list[Connection]] = {e: [] for e in Endpoint}
        self._where: dict[Channel, Connection] = {}
        #: Whether wanted channels are placed on connections (the client is open).
        self.placing = False

    # -- what is wanted --------------------------------------------------------------

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._refs))

    def __contains__(self, channel: object) -> bool:
        return channel in self._refs

    def acquire(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        """Hold a reference on each channel; the first one subscribes.

        Raises:
            ConfigError: the channel cannot be placed (every connection full).
        """
        for channel in channels:
            if channel.kind == "book":
                self._view(channel, book_level, +1)
        new = []
        for channel in channels:
            self._refs[channel] += 1
            if self._refs[channel] == 1:
                new.append(channel)
        if not self.placing:
            return
        for channel in new:
            try:
                self.place(channel)
            except ConfigError:
                self.release([channel], book_level=book_level)
                raise

    def release(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        """Give back references taken with :meth:`acquire`; the last unsubscribes."""
        for channel in channels:
            if channel.kind == "book":
                self._view(channel, book_level, -1)
        for channel in channels:
            count = self._refs.get(channel, 0)
            if count > 1:
                self._refs[channel] = count - 1
            elif count == 1:
                del self._refs[channel]
                conn = self._where.pop(channel, None)
                if conn is not None:
                    conn.remove(channel)

    def hold(self, channels: Sequence[Channel]) -> None:
        """An explicit ``subscribe()``: a reference :meth:`let_go` can give back."""
        self._explicit.update(channels)
        self.acquire(channels)

    def let_go(self, channels: Sequence[Channel]) -> None:
        """An explicit ``unsubscribe()``; channels never held explicitly are ignored."""
        held = [c for c in channels if self._explicit[c]]
        self._explicit.subtract(held)
        self._explicit += Counter()  # drop zero counts
        self.release(held)

    def _view(self, channel: Channel, level: int | None, delta: int) -> None:
        views = self._views.get(channel)
        if views is None:
            if delta < 0:
                return
            views = self._views[channel] = Counter()
        views[level or depth_of(channel.arg)] += delta
        views = +views
        if views:
            self._views[channel] = views
            self._books.track(channel, max(views))
        else:
            del self._views[channel]
            self._books.track(channel, None)

    # -- where it lives --------------------------------------------------------------

    def connections(self, endpoint: Endpoint | None = None) -> list[Connection]:
        """The connections of ``endpoint`` (primary first), or of all endpoints."""
        if endpoint is not None:
            return self._conns[endpoint]
        return [conn for conns in self._conns.values() for conn in conns]

    def first(self, endpoint: Endpoint) -> Connection:
        """The endpoint's primary connection, created (not started) on first use."""
        conns = self._conns[endpoint]
        if not conns:
            conns.append(self._factory(endpoint))
        return conns[0]

    def conn_of(self, channel: Channel) -> Connection | None:
        """The connection carrying ``channel``, if it is placed."""
        return self._where.get(channel)

    def place(self, channel: Channel, *, start: bool = True) -> Connection:
        """Put ``channel`` on a connection of its endpoint, opening one if needed
        (started in the background unless ``start`` is false).

        Raises:
            ConfigError: every connection is full and opening another would
                exceed the per-IP connection limit.
        """
        conn = self._where.get(channel)
        if conn is not None:
            return conn
        endpoint = Endpoint.PRIVATE if channel.private else Endpoint.PUBLIC
        conns = self._conns[endpoint]
        for candidate in conns:
            if (
                len(candidate.desired) < self._max_channels
                and candidate.rejections < self.REJECTION_GUARD
            ):
                conn = candidate
                break
        else:
            if conns and len(self.connections()) >= self._max_connections:
                raise ConfigError(
                    "max_connections",
                    "every connection carries its maximum of channels and opening "
                    "another would exceed the per-IP connection limit",
                )
            conn = self._factory(endpoint)
            conns.append(conn)
            if start:
                conn.start_background()
        self._where[channel] = conn
        conn.add(channel)
        return conn

    def place_wanted(self) -> Connection | None:
        """Start placing: put each channel wanted so far on a connection (public
        ones start in the background). Returns the private endpoint's first
        connection, not started, if a private channel is wanted: its opening
        errors are the caller's.

        Raises:
            ConfigError: as :meth:`place`.
        """
        self.placing = True
        for channel in self:
            if channel.private:
                self.first(Endpoint.PRIVATE)
            self.place(channel, start=not channel.private)
        private = self.connections(Endpoint.PRIVATE)
        return private[0] if private else None

    def forget_connections(self, endpoint: Endpoint) -> None:
        """Drop an endpoint's connections that never opened (a failed connect)."""
        self._conns[endpoint].clear()

    async def wait(self, channels: Sequence[Channel], timeout: float) -> None:
        """Wait until the server accepted every channel.

        Raises:
            ClientClosedError: the client is not connected.
            SubscriptionError: the server rejected a channel.
            TimeoutError: no answer within ``timeout`` seconds per channel.
        """
        if not self.placing:
            raise ClientClosedError("the client is not connected; use 'async with'")
        for channel in channels:
            conn = self.place(channel)
            await conn.wait_active(channel, timeout)

    def state(self, channel: Channel) -> ChannelState | None:
        """The server-side state of a wanted channel, if it is placed."""
        conn = self._where.get(channel)
        return conn.state.get(channel) if conn is not None else None

    def states(self) -> dict[Channel, str]:
        """Wanted channels and their state: ``pending``, ``active`` or ``failed``."""
        result = {}
        for channel in self._refs:
            state = self.state(channel)
            result[channel] = state.value if state is not None else "pending"
        return result

    def resubscribe(self, channel: Channel) -> None:
        """Ask for a fresh snapshot of ``channel`` where it lives."""
        conn = self._where.get(channel)
        if conn is not None:
            conn.resubscribe(channel)
