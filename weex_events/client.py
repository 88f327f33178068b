"""``WeexWebSocketClient``: the public face, composed of the layers below.

The client composes, rather than inherits, its parts (built and wired in
:class:`~weex_events.parts.Parts`): a :class:`~weex_events.dialer.Dialer`, the
:class:`~weex_events.hub.Hub`, the :class:`~weex_events.dispatch.Dispatcher`,
:class:`~weex_events.handlers.Handlers`, :class:`~weex_events.streams.Streams`, a
:class:`~weex_events.bookkeeper.BookKeeper`, the
:class:`~weex_events.upkeep.Upkeep` (background watches, book-gap reaction) and
the :class:`~weex_events.private_feed.PrivateFeed`. Its methods are the
documented API and delegate to those parts; its own state is its life
(:class:`ClientState`).

Imports: every module listed above it in DESIGN §4.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import os
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, overload

from .backoff import Backoff, is_retryable
from .config import WeexConfig
from .connection import Sleep
from .dialer import TransportFactory
from .errors import ClientClosedError, SubscriptionError
from .events import Channel, Endpoint
from .handlers import H
from .parts import Parts
from .private_feed import AccountState, Recovery
from .recording import Recorder
from .replay import Player
from .stats import ClientStats, collect
from .streams import Stream
from .subscriptions import make_channels

__all__ = ["ClientStats", "WeexWebSocketClient"]


class ClientState(enum.Enum):
    """Where a client is in its life: never connected, open, or closed for good."""

    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


class WeexWebSocketClient:
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
        transports: opens the sockets; aiohttp by default (tests pass an
            in-memory ``weex_events.loopback.Loopback``).
        recorder: record every frame received and sent (DESIGN §6): a
            ``weex_events.recording.Recorder`` (started on connect, left open),
            or a file path (the client closes it on disconnect).
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
        transports: TransportFactory | None = None,
        recorder: Recorder | str | os.PathLike[str] | None = None,
    ) -> None:
        self.config = cfg = config if config is not None else WeexConfig.from_env()
        self._state = ClientState.NEW
        self._parts = Parts(
            cfg,
            closed=self._is_closed,
            backoff=backoff,
            retryable=retryable,
            sleep=sleep,
            subscribe_timeout=subscribe_timeout,
            clock=clock,
            transports=transports,
            recorder=recorder,
        )
        self._subscribe_timeout = subscribe_timeout

    @classmethod
    def replay(
        cls,
        path: str | os.PathLike[str],
        *,
        speed: float | None = None,
        config: WeexConfig | None = None,
        sleep: Sleep | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> WeexWebSocketClient:
        """A client whose frames come from the recording at ``path`` (DESIGN §6),
        through the same decode, book and dispatch path as live frames.

        Nothing flows past the greeting until the client sends its first
        subscription; ``speed=None`` replays as fast as the client reads,
        ``speed=1.0`` at the recorded pace (``sleep``/``monotonic`` pace it).
        ``received_at`` is the recorded receive time. When the recording ends,
        streams end; a damaged file ends them with :class:`RecordingError`
        after everything before the damage. ``config`` supplies settings such
        as ``number_type``; protocol and market come from the file.

        Raises:
            RecordingError: the file cannot be opened or its header is not
                one this version reads.
            ConfigError: ``speed`` is not positive.
        """
        sleep = sleep or asyncio.sleep
        player = Player(path, speed=speed, monotonic=monotonic, sleep=sleep)
        client = cls(
            player.config(config),
            transports=player,
            backoff=lambda: itertools.repeat(0.0),
            clock=player.now,
        )
        client._parts.replaying(player)
        return client

    def __repr__(self) -> str:
        return f"<WeexWebSocketClient {self._state.value} {self.config.ws_public_url}>"

    def _is_closed(self) -> bool:
        return self._state is ClientState.CLOSED

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
        if self._state is ClientState.OPEN:
            return
        if self._state is ClientState.CLOSED:
            raise ClientClosedError("this client was disconnected; create a new one")
        self.config.public_url  # noqa: B018 - raises ConfigError if not configured
        hub = self._parts.hub
        self._parts.dialer.open_session()
        try:
            await hub.first(Endpoint.PUBLIC).start()
        except BaseException:
            hub.forget_connections(Endpoint.PUBLIC)
            await self._parts.dialer.close_session()
            raise
        self._state = ClientState.OPEN
        private = hub.place_wanted()  # channels wanted before connecting
        if private is not None:
            try:
                await private.start()
            except BaseException:
                await self.disconnect()
                raise
        self._parts.upkeep.start()

    async def disconnect(self) -> None:
        """Close every socket, end every stream and stop every task. Idempotent."""
        if self._state is ClientState.CLOSED:
            return
        self._state = ClientState.CLOSED
        await self._parts.close()

    def is_connected(self) -> bool:
        """Whether the (primary) public socket is open right now."""
        conns = self._parts.hub.connections(Endpoint.PUBLIC)
        return bool(conns) and conns[0].connected

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
        channels = make_channels(kind, symbols, params, self.config.market)
        if channels[0].private:
            self._parts.handlers.require_credentials(channels[0].kind)
        self._parts.hub.hold(channels)
        try:
            await self._parts.hub.wait(channels, self._subscribe_timeout)
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
        self._parts.hub.let_go(make_channels(kind, symbols, params, self.config.market))

    @property
    def subscriptions(self) -> dict[Channel, str]:
        """Wanted channels and their state: ``pending``, ``active`` or ``failed``."""
        return self._parts.hub.states()

    # -- handlers ------------------------------------------------------------------

    @overload
    def on(self, event: str) -> Callable[[H], H]: ...
    @overload
    def on(self, event: str, handler: H) -> H: ...
    def on(self, event: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Call ``handler`` for every ``event``; use as a decorator without ``handler``.

        Registering for a symbol event (``"ticker:BTCUSDT"``) or a private event
        (``"order"``) subscribes; removing the last such handler unsubscribes.
        Handlers may be sync (run inline, in order) or async (run in order on
        their own bounded queue). Exceptions become ``error`` events.

        Raises:
            ConfigError: unknown event name, or a private event without
                credentials.
        """
        return self._parts.handlers.on(event, handler)

    @overload
    def once(self, event: str) -> Callable[[H], H]: ...
    @overload
    def once(self, event: str, handler: H) -> H: ...
    def once(self, event: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Like :meth:`on`, but the handler is removed after its first event."""
        return self._parts.handlers.on(event, handler, once=True)

    def off(self, event: str, handler: Callable[..., Any]) -> None:
        """Remove ``handler`` from ``event`` (unsubscribing if it was the last)."""
        self._parts.handlers.off(event, handler)

    def listeners(self, event: str) -> list[Callable[..., Any]]:
        """The handlers registered for ``event``, in registration order."""
        return self._parts.handlers.listeners(event)

    async def wait_for(
        self,
        event: str,
        timeout: float | None = None,
        predicate: Callable[[Any], bool] | None = None,
    ) -> Any:
        """Wait for the next ``event`` (matching ``predicate``) and return its payload.

        Raises:
            TimeoutError: nothing came within ``timeout`` seconds.
        """
        return await self._parts.handlers.wait_for(event, timeout, predicate)

    # -- streams (each returns at once; subscribes on the first __anext__) ----------

    def stream(self, *events: str) -> Stream:
        """Iterate over the given events, e.g. ``stream("ticker:BTCUSDT", "order")``.

        Symbol and private events subscribe for the duration of the loop.
        """
        return self._parts.streams.stream(*events)

    def stream_tickers(self, symbols: str | Iterable[str]) -> Stream:
        """Tickers for ``symbols``, conflated to the latest per symbol when behind."""
        return self._parts.streams.stream_tickers(symbols)

    def stream_book_tickers(self, symbols: str | Iterable[str]) -> Stream:
        """Best bid/ask of ``symbols``, conflated to the latest per symbol when
        behind (spot only: WEEX's ``bookTicker``).

        Raises:
            ConfigError: the client's market is not spot (raised at call time).
        """
        return self._parts.streams.stream_book_tickers(symbols)

    def stream_trades(self, symbol: str) -> Stream:
        """Every trade of ``symbol``, one message per trade."""
        return self._parts.streams.stream_trades(symbol)

    def stream_klines(self, symbol: str, interval: str = "1m") -> Stream:
        """Bar updates of ``symbol``; ``data["closed"]`` marks finished bars."""
        return self._parts.streams.stream_klines(symbol, interval)

    def stream_order_book(self, symbol: str, level: int = 5) -> Stream:
        """The maintained order book of ``symbol``, cut to ``level`` levels per side
        (only the WEEX book depth serving ``level``: 15 up to 15, else 200).

        Raises:
            ConfigError: ``level`` is not between 1 and 200 (raised at call time).
        """
        return self._parts.streams.stream_order_book(symbol, level)

    def stream_account(self) -> Stream:
        """Account (balance) updates."""
        return self._parts.streams.stream_account()

    def stream_positions(self) -> Stream:
        """Position updates.

        Raises:
            ConfigError: the client's market is spot, which has no positions.
        """
        return self._parts.streams.stream_positions()

    def stream_orders(self) -> Stream:
        """Order updates."""
        return self._parts.streams.stream_orders()

    def stream_fills(self) -> Stream:
        """Fills (executions) of your orders."""
        return self._parts.streams.stream_fills()

    # -- the private account -------------------------------------------------------

    @property
    def account_state(self) -> AccountState:
        """The account as delivered: open orders, positions, balances (read-only)."""
        return self._parts.private.account_state

    async def recover_private(self) -> Recovery:
        """Read the account over REST, deliver what was missed (DESIGN §5); raises
        ``ConfigError`` off V3 or without credentials, REST's ``WeexError`` after
        the retries."""
        return await self._parts.private.recover()

    # -- introspection -------------------------------------------------------------

    @property
    def stats(self) -> ClientStats:
        """Counters since the client was created."""
        hub = self._parts.hub
        return collect(
            self._parts.dispatcher,
            [s.queue for s in self._parts.streams],
            hub.connections(),
            hub.connections(Endpoint.PUBLIC),
            self._parts.books.resyncs,
            **self._parts.private.counters(),
        )
