"""``WeexWebSocketClient``: the public face that ties the layers together.

The client owns the aiohttp session, one :class:`~weex_events.connection.Connection`
per endpoint (the private one opened lazily on the first private subscription),
the :class:`~weex_events.dispatch.Dispatcher`, the reference-counted desired
subscriptions, and one :class:`~weex_events.book.OrderBook` per book channel.

Imports: every module listed above it in DESIGN §4.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import urllib.parse
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from .auth import Credentials, ServerClock
from .backoff import Backoff, backoff, is_retryable
from .books import BookKeeper
from .config import WeexConfig
from .connection import ChannelState, Connection, Sleep
from .dispatch import Dispatcher
from .errors import (
    ClientClosedError,
    ConfigError,
    DecodeError,
    SubscriptionError,
    WeexConnectionError,
    WeexError,
)
from .events import (
    Channel,
    Endpoint,
    ResyncEvent,
    StreamMessage,
)
from .handlers import HandlerMethods
from .liveness import Liveness
from .protocol import Codec, DepthUpdate, parse_server_time
from .protocol.v2 import V2Codec
from .protocol.v3 import V3Codec
from .streams import Stream, StreamHost, StreamMethods
from .subscriptions import Pool, Subscriptions, make_channels
from .transport import Transport, fetch, new_session

__all__ = ["ClientStats", "WeexWebSocketClient"]

log = logging.getLogger("weex_events.client")


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of the client's counters (``client.stats``).

    Attributes:
        messages: data messages dispatched (one per ticker, trade, item…).
        frames: WebSocket frames received on all endpoints.
        decode_errors: frames refused as malformed, binary, oversized or unknown.
        handler_errors: exceptions raised by handlers.
        reconnects: successful reconnects on all endpoints.
        resyncs: order book resynchronisations.
        dropped: messages dropped by full queues, per consumer.
        conflated: tickers/books superseded before being read, per consumer.
        latency: mean of (receive time − exchange time) in seconds over recent
            frames (includes any clock offset between this host and WEEX).
    """

    messages: int
    frames: int
    decode_errors: int
    handler_errors: int
    reconnects: int
    resyncs: int
    dropped: dict[str, int] = field(default_factory=dict)
    conflated: dict[str, int] = field(default_factory=dict)
    latency: float | None = None

    @property
    def drops(self) -> int:
        """Total messages dropped by full queues."""
        return sum(self.dropped.values())


def _make_codec(config: WeexConfig, marks: dict[str, str]) -> Codec:
    if config.protocol == "v2":
        return V2Codec(number_type=config.number_type, marks=marks)
    return V3Codec(number_type=config.number_type, marks=marks)


class WeexWebSocketClient(HandlerMethods, StreamMethods):
    """Real-time WEEX data: handlers and async iterators over one set of sockets.

    Args:
        config: connection settings; ``WeexConfig.from_env()`` when omitted.
        backoff: factory of reconnect delays (defaults to jittered exponential
            delays from the config); inject ``lambda: itertools.repeat(0.0)`` in
            tests.
        retryable: which connection failures (an exception) are worth another
            attempt; by default everything but an authentication failure.
        sleep: the coroutine used to wait between reconnect attempts.
        subscribe_timeout: seconds ``subscribe()`` and streams wait for the
            server's acknowledgement.
        clock: the local wall clock (seconds since the epoch) used for
            ``received_at`` and, corrected by the measured server offset, for
            signing.
    """

    def __init__(
        self,
        config: WeexConfig | None = None,
        *,
        backoff: Backoff | None = None,
        retryable: Callable[[BaseException], bool] = is_retryable,
        sleep: Sleep | None = None,
        subscribe_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config if config is not None else WeexConfig.from_env()
        cfg = self.config
        self._backoff: Backoff = backoff or (lambda: _default_backoff(cfg))
        self._retryable = retryable
        self._sleep: Sleep = sleep or asyncio.sleep
        self._subscribe_timeout = subscribe_timeout
        self._now = clock
        self._dispatcher = Dispatcher(cfg.queue_size)
        self._marks: dict[str, str] = {}
        self._subs = Subscriptions()
        self._explicit: Counter[Channel] = Counter()
        self._books = BookKeeper(
            cfg.number_type, self._dispatcher.emit_message, self._book_gap
        )
        self._streams: weakref.WeakSet[Stream] = weakref.WeakSet()
        self._session: Any = None
        self._pools = {
            endpoint: Pool(
                functools.partial(self._connection, endpoint),
                max_channels=cfg.max_channels_per_connection,
                can_open=self._can_open,
            )
            for endpoint in Endpoint
        }
        self._liveness = Liveness(cfg.stale_after)
        self._watch_books = self._liveness.watching("book")
        self._stale_task: asyncio.Task[None] | None = None
        self._credentials = (
            Credentials.from_config(cfg) if cfg.has_credentials else None
        )
        self._clock = ServerClock()
        self._greeting = asyncio.Event()  # a greeting's time reached the clock
        self._state = "new"
        # Connections and streams get bound private methods, not the client, so
        # the client's public namespace is exactly the documented API.
        self._sink = _Sink(
            self._liveness.wrap(self._dispatcher.emit_message),
            self._deliver_depth,
            self._emit,
            self._connection_reset,
            self._connection_failed,
        )
        self._stream_host = StreamHost(
            self._dispatcher,
            self._stream_opened,
            self._stream_closed,
            self._acquire,
            self._release,
            self._wait_channels,
        )

    def __repr__(self) -> str:
        return f"<WeexWebSocketClient {self._state} {self.config.ws_public_url}>"

    # -- lifecycle -----------------------------------------------------------------

    async def __aenter__(self) -> WeexWebSocketClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def connect(self) -> None:
        """Open the public endpoint, and the private one if private events are
        already wanted (handlers registered before connecting). Returns once
        those sockets are open. Otherwise the private endpoint opens on the first
        private subscription, and its failures surface from that ``subscribe()``
        or stream and as ``error`` events.

        Raises:
            WeexConnectionError: an endpoint cannot be reached.
            AuthenticationError: the private endpoint refused the credentials.
            ClientClosedError: the client was disconnected before.
            ConfigError: the config names no public WebSocket URL.
        """
        if self._state == "open":
            return
        if self._state == "closed":
            raise ClientClosedError("this client was disconnected; create a new one")
        self.config.public_url  # noqa: B018 - raises ConfigError if not configured
        self._session = new_session()
        public = self._pools[Endpoint.PUBLIC]
        primary = public.first()
        try:
            await primary.start()
        except BaseException:
            public.conns.clear()
            await self._session.close()
            self._session = None
            raise
        self._state = "open"
        wanted = list(self._subs)  # registered before connecting
        private = self._pools[Endpoint.PRIVATE]
        for channel in wanted:
            if channel.private:
                private.first()  # created here, started below: errors reach us
                private.place(channel)[0].add(channel)
            else:
                self._place(channel)
        if private.conns:
            try:
                await private.conns[0].start()
            except BaseException:
                await self.disconnect()
                raise
        if self.config.stale_after:
            self._stale_task = asyncio.create_task(
                self._watch_staleness(), name="weex_events: staleness watch"
            )

    async def disconnect(self) -> None:
        """Close every socket, end every stream and stop every task. Idempotent."""
        if self._state == "closed":
            return
        self._state = "closed"
        for stream in list(self._streams):
            stream.close()
        if self._stale_task is not None:
            self._stale_task.cancel()
            await asyncio.gather(self._stale_task, return_exceptions=True)
        await asyncio.gather(*(conn.close() for conn in self._all_connections()))
        await self._dispatcher.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def is_connected(self) -> bool:
        """Whether the (primary) public socket is open right now."""
        conns = self._pools[Endpoint.PUBLIC].conns
        return bool(conns) and conns[0].connected

    def _all_connections(self) -> list[Connection]:
        return [conn for pool in self._pools.values() for conn in pool.conns]

    def _can_open(self) -> bool:
        return len(self._all_connections()) < self.config.max_connections

    def _pool(self, channel: Channel) -> Pool:
        return self._pools[Endpoint.PRIVATE if channel.private else Endpoint.PUBLIC]

    def _conn_of(self, channel: Channel) -> Connection | None:
        return self._pool(channel).where.get(channel)

    def _place(self, channel: Channel) -> Connection:
        """Put ``channel`` on a connection of its endpoint, opening one if needed."""
        conn, created = self._pool(channel).place(channel)
        conn.add(channel)
        if created:
            conn.start_background()
        return conn

    def _connection(self, endpoint: Endpoint) -> Connection:
        cfg = self.config
        url = cfg.public_url if endpoint is Endpoint.PUBLIC else cfg.private_url
        private = endpoint is Endpoint.PRIVATE

        async def opener() -> Transport:
            headers = {"User-Agent": cfg.user_agent}
            if private:
                headers.update(await self._auth_headers(url))
            return await Transport.open(
                self._session,
                url,
                endpoint=endpoint.value,
                headers=headers,
                keepalive_interval=cfg.keepalive_interval,
                connect_timeout=cfg.connect_timeout,
            )

        return Connection(
            endpoint=endpoint,
            url=url,
            codec=_make_codec(cfg, self._marks),
            opener=opener,
            sink=self._sink,
            backoff_factory=self._backoff,
            retryable=self._retryable,
            max_frame_size=cfg.max_frame_size,
            reset_after=cfg.reconnect_reset_after,
            max_ops_per_hour=cfg.max_ops_per_hour,
            sleep=self._sleep,
            clock=self._now,
            on_greeting=self._greeted,
        )

    def _greeted(self, server_ms: int, received_at: float) -> None:
        self._clock.observe_greeting(server_ms, received_at)
        self._greeting.set()

    async def _auth_headers(self, url: str) -> dict[str, str]:
        # WEEX-WS.md §1.2: a fresh timestamp (server clock) and signature per connect.
        assert self._credentials is not None
        if not self._clock.synced:
            if self.config.rest_url is not None:
                await self._sync_clock()
            else:
                await self._greeting_clock("no rest_url is configured")
        path = urllib.parse.urlsplit(url).path or f"/{self.config.protocol}/ws/private"
        return self._credentials.ws_headers(self._clock.now_ms(self._now()), path)

    async def _sync_clock(self) -> None:
        cfg = self.config
        url = f"{cfg.rest_base}/capi/{cfg.protocol}/market/time"
        sent = self._now()
        try:
            body = await fetch(
                self._session,
                url,
                headers={"User-Agent": cfg.user_agent},
                timeout=cfg.connect_timeout,
            )
            self._clock.update(parse_server_time(body), sent, self._now())
            log.debug("server clock offset %+d ms", self._clock.offset_ms)
        except (WeexConnectionError, DecodeError) as exc:
            await self._greeting_clock(f"cannot read the server clock ({exc})")

    async def _greeting_clock(self, why: str) -> None:
        """Adopt the V3 greeting's time (WEEX-WS.md §1.1) as the server clock."""
        cfg = self.config
        if cfg.protocol == "v3" and not self._clock.has_greeting:
            # The public socket is open; its greeting may still be in flight.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._greeting.wait(), cfg.connect_timeout)
        if self._clock.use_greeting():
            log.info(
                "%s: using the server time of the WebSocket greeting as the "
                "server clock (offset %+d ms)",
                why,
                self._clock.offset_ms,
            )
        else:
            log.warning("%s and no greeting time: signing with local time", why)

    # -- subscriptions -------------------------------------------------------------

    async def subscribe(
        self, kind: str, symbols: str | Iterable[str] | None = None, **params: Any
    ) -> None:
        """Subscribe to ``kind`` for ``symbols`` and wait for the server's answer.

        ``book`` accepts ``level`` (1–200), ``kline`` accepts ``interval`` and
        ``price_type``. Handlers registered for ``kind`` or ``kind:SYMBOL``
        receive the data. Each call holds one reference per channel until the
        matching :meth:`unsubscribe`.

        Raises:
            ConfigError: bad kind, symbols or parameters.
            SubscriptionError: the server rejected a channel (not retried).
            TimeoutError: the server did not answer in time (the subscription
                stays wanted and is retried after a reconnect).
        """
        channels = make_channels(kind, symbols, params)
        if channels[0].private:
            self._require_credentials(channels[0].kind)
        self._explicit.update(channels)
        self._acquire(channels)
        try:
            await self._wait_channels(channels)
        except SubscriptionError:
            await self.unsubscribe(kind, symbols, **params)
            raise

    async def unsubscribe(
        self, kind: str, symbols: str | Iterable[str] | None = None, **params: Any
    ) -> None:
        """Give back one :meth:`subscribe` reference per channel.

        The server subscription ends when nothing else (handlers, streams) holds
        it. Channels this client never subscribed explicitly are ignored.
        """
        channels = [
            c for c in make_channels(kind, symbols, params) if self._explicit[c]
        ]
        self._explicit.subtract(channels)
        self._explicit += Counter()  # drop zero counts
        self._release(channels)

    @property
    def subscriptions(self) -> dict[Channel, str]:
        """Wanted channels and their state: ``pending``, ``active`` or ``failed``."""
        result = {}
        for channel in self._subs:
            conn = self._conn_of(channel)
            state = conn.state.get(channel) if conn is not None else None
            result[channel] = state.value if state is not None else "pending"
        return result

    def _acquire(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        """Hold a reference on each channel (internal; used by handlers, streams)."""
        for channel in channels:
            if channel.kind == "book":
                self._books.hold(channel, book_level)
        for channel in self._subs.acquire(channels):
            if self._state == "open":
                try:
                    self._place(channel)
                except ConfigError:
                    self._release([channel], book_level=book_level)
                    raise

    def _release(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        """Give back references taken with :meth:`acquire` (internal)."""
        for channel in channels:
            if channel.kind == "book":
                self._books.let_go(channel, book_level)
        for channel in self._subs.release(channels):
            conn = self._pool(channel).remove(channel)
            if conn is not None:
                conn.remove(channel)

    async def _wait_channels(self, channels: Sequence[Channel]) -> None:
        """Wait until the server accepted every channel (internal)."""
        if self._state != "open":
            raise ClientClosedError("the client is not connected; use 'async with'")
        for channel in channels:
            conn = self._conn_of(channel) or self._place(channel)
            await conn.wait_active(channel, self._subscribe_timeout)

    # -- streams -------------------------------------------------------------------

    def _stream(
        self,
        events: list[str],
        channels: list[Channel],
        *,
        transform: Callable[[StreamMessage], StreamMessage] | None = None,
        book_level: int | None = None,
    ) -> Stream:
        if self._state == "closed":
            raise ClientClosedError()
        return Stream(
            self._stream_host,
            events,
            channels,
            queue_size=self.config.queue_size,
            transform=transform,
            book_level=book_level,
        )

    def _stream_opened(self, stream: Stream) -> None:
        """Track an open stream (internal)."""
        self._streams.add(stream)

    def _stream_closed(self, stream: Stream) -> None:
        """Forget a closed stream (its drop counts stay in ``stats``)."""
        self._streams.discard(stream)
        self._dispatcher.retire(stream.queue)

    # -- sink: what connections hand us ----------------------------------------------

    async def _watch_staleness(self) -> None:
        """Emit ``stale`` for active channels silent longer than their limit."""
        liveness = self._liveness
        while True:
            await asyncio.sleep(liveness.period)
            active = [
                channel
                for channel in self._subs
                if (conn := self._conn_of(channel)) is not None
                and conn.state.get(channel) is ChannelState.ACTIVE
            ]
            for event in liveness.silent(active, self._now()):
                log.warning("%s silent for %.1f s", event.channel, event.silent_for)
                self._emit("stale", event)

    def _deliver_depth(self, update: DepthUpdate) -> None:
        """Apply a depth frame to its book; emit ``book`` or ``resync``."""
        if self._watch_books:
            self._liveness.stamp("book", update.symbol, update.received_at)
        self._books.apply(update)

    def _book_gap(self, channel: Channel, reason: str, detail: str) -> None:
        symbol = channel.symbol or ""
        level = int(channel.arg or 15)
        log.warning(
            "book %s: %s (%s); a fresh snapshot follows", symbol, reason, detail
        )
        self._emit("resync", ResyncEvent(symbol, reason, detail, level))
        conn = self._conn_of(channel)
        if conn is not None and reason != "reconnect":
            conn.resubscribe(channel)

    def _emit(self, event: str, payload: Any) -> None:
        """Emit a lifecycle or diagnostic event to handlers (internal)."""
        self._dispatcher.emit(event, payload)

    def _connection_failed(self, channels: Iterable[Channel], exc: WeexError) -> None:
        """A connection gave up: streams that needed it end with ``exc``."""
        dead = set(channels)
        for stream in list(self._streams):
            if dead.intersection(stream.channels):
                stream.close(exc)

    def _connection_reset(self, channels: Iterable[Channel]) -> None:
        """A socket was lost: its books restart from the next snapshot."""
        self._books.reset(channels)

    # -- introspection -------------------------------------------------------------

    @property
    def stats(self) -> ClientStats:
        """Counters since the client was created."""
        conns = self._all_connections()
        dropped = dict(self._dispatcher.retired_dropped)
        conflated = dict(self._dispatcher.retired_conflated)
        queues = [s.queue for s in self._streams] + self._dispatcher.queues()
        for queue in queues:
            if queue.dropped:
                dropped[queue.name] = dropped.get(queue.name, 0) + queue.dropped
            if queue.conflated:
                conflated[queue.name] = conflated.get(queue.name, 0) + queue.conflated
        public = self._pools[Endpoint.PUBLIC].conns
        latency = public[0].latency if public else None
        return ClientStats(
            messages=self._dispatcher.messages,
            frames=sum(c.frames for c in conns),
            decode_errors=sum(c.decode_errors for c in conns),
            handler_errors=self._dispatcher.handler_errors,
            reconnects=sum(c.reconnects for c in conns),
            resyncs=self._books.resyncs,
            dropped=dropped,
            conflated=conflated,
            latency=latency,
        )


@dataclass(frozen=True, slots=True)
class _Sink:
    """What connections hand their output to (see :class:`connection.Sink`)."""

    deliver: Callable[[StreamMessage], None]
    deliver_depth: Callable[[DepthUpdate], None]
    emit: Callable[[str, Any], None]
    connection_reset: Callable[[Iterable[Channel]], None]
    connection_failed: Callable[[Iterable[Channel], WeexError], None]


def _default_backoff(cfg: WeexConfig) -> Any:
    return backoff(
        cfg.reconnect_initial_delay, cfg.reconnect_max_delay, cfg.reconnect_factor
    )
