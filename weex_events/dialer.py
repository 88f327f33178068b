"""How the client reaches an endpoint: one :class:`Dialer` builds each
:class:`~weex_events.connection.Connection` with its codec, its reconnect policy
and an opener that signs private handshakes (WEEX-WS.md §1.2) and opens a
transport.

The transport factory is injectable: the aiohttp one by default, an in-memory
one (:mod:`weex_events.loopback`) in tests, a
:class:`~weex_events.replay.Player` for a replay. With a recorder, every socket
the factory opens is wrapped in a recording tap (:mod:`weex_events.tap`).

Imports: ``errors``, ``config``, ``events``, ``backoff``, ``protocol``, ``auth``,
``transport``, ``recording``, ``tap``, ``connection``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Protocol

from .auth import Credentials, ServerClock, SignedHeaders
from .backoff import Backoff, backoff, is_retryable
from .config import WeexConfig
from .connection import Connection, Sink, Sleep
from .errors import ClientClosedError, DecodeError, WeexConnectionError
from .events import Endpoint
from .protocol import Codec, parse_server_time
from .protocol.rest_paths import rest_paths
from .protocol.spot_codec import SpotCodec
from .protocol.v2 import V2Codec
from .protocol.v3 import V3Codec
from .recording import Recorder
from .tap import recording_transports
from .transport import AiohttpTransport, Session, Transport, fetch, new_session

__all__ = ["Dialer", "TransportFactory", "aiohttp_transports"]

log = logging.getLogger("weex_events.client")


class TransportFactory(Protocol):
    """Opens a transport to ``url`` for ``endpoint`` with handshake ``headers``."""

    def __call__(
        self, url: str, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> Awaitable[Transport]:
        """Open it.

        Raises:
            AuthenticationError: the handshake was refused (401/403).
            WeexConnectionError: anything else went wrong.
        """


def aiohttp_transports(
    session: Callable[[], Session | None], config: WeexConfig
) -> TransportFactory:
    """The production factory: aiohttp WebSockets on the client's session."""

    async def open_transport(
        url: str, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> Transport:
        current = session()
        if current is None:
            raise ClientClosedError("the client is not connected")
        return await AiohttpTransport.open(
            current,
            url,
            endpoint=endpoint.value,
            headers=headers,
            keepalive_interval=config.keepalive_interval,
            connect_timeout=config.connect_timeout,
            max_frame_size=config.max_frame_size,
        )

    return open_transport


def make_codec(
    config: WeexConfig,
    marks: dict[str, str],
    endpoint: Endpoint | None = None,
    deferred: AbstractSet[str] = frozenset(),
) -> Codec:
    """The codec of the configured protocol generation and market (marks
    shared; V3 defers the tickers of the ``deferred`` events, see
    ``Dispatcher.deferred``). On a socket other than the private endpoint,
    private pushes are refused."""
    codec: V2Codec | V3Codec
    if config.protocol == "v2":
        codec = V2Codec(number_type=config.number_type, marks=marks)
    elif config.market == "spot":
        codec = SpotCodec(number_type=config.number_type, marks=marks)
    else:
        codec = V3Codec(number_type=config.number_type, marks=marks)
    if isinstance(codec, V3Codec):
        codec.deferred = deferred
    if endpoint is not None and endpoint is not Endpoint.PRIVATE:
        codec.refuse_private()
    return codec


def default_backoff(cfg: WeexConfig) -> Iterator[float]:
    """Reconnect delays from the config's initial, maximum and factor."""
    return backoff(
        cfg.reconnect_initial_delay, cfg.reconnect_max_delay, cfg.reconnect_factor
    )


class Dialer:
    """Builds the client's connections and owns the HTTP session they share.

    Args:
        config: the client's settings.
        sink: where connections hand their output.
        private_sink: makes the sink of a private connection from its codec
            (private state admits every push); ``sink`` when ``None``.
        transports: opens transports; aiohttp on the session when ``None``.
        backoff: factory of reconnect delays.
        retryable: which connection failures are worth another attempt.
        sleep: the coroutine used to wait between reconnect attempts.
        clock: the local wall clock (``received_at``, signing).
        recorder: records every socket's frames; a path makes a
            :class:`~weex_events.recording.Recorder` the dialer closes in
            :meth:`finish`.
        authenticate: sign private handshakes (off for a replay).
        deferred: the ticker events whose tickers the codecs may defer (the
            dispatcher's live set, ``Dispatcher.deferred``).
    """

    def __init__(
        self,
        config: WeexConfig,
        sink: Sink,
        *,
        private_sink: Callable[[Codec], Sink] | None = None,
        transports: TransportFactory | None = None,
        backoff: Backoff | None = None,
        retryable: Callable[[BaseException], bool] = is_retryable,
        sleep: Sleep | None = None,
        clock: Callable[[], float] = time.time,
        recorder: Recorder | str | os.PathLike[str] | None = None,
        authenticate: bool = True,
        deferred: AbstractSet[str] = frozenset(),
    ) -> None:
        self.config = cfg = config
        self._sink = sink
        self._deferred = deferred
        #: Makes a private connection's sink from its codec (``sink`` if ``None``).
        self.private_sink = private_sink
        self._transports: Callable[
            [str, Endpoint, Mapping[str, str]], Awaitable[Transport]
        ] = transports or aiohttp_transports(self._the_session, cfg)
        self._owns_recorder = isinstance(recorder, str | os.PathLike)
        if isinstance(recorder, str | os.PathLike):
            recorder = Recorder(Path(recorder))
        self.recorder = recorder
        if recorder is not None:
            self._transports = recording_transports(
                self._transports, recorder, wall=clock
            )
        self._authenticate = authenticate
        self._backoff: Backoff = backoff or (lambda: default_backoff(cfg))
        self._retryable = retryable
        self._sleep: Sleep = sleep or asyncio.sleep
        self._now = clock
        self._marks: dict[str, str] = {}
        self._credentials = (
            Credentials.from_config(cfg) if cfg.has_credentials else None
        )
        self._clock = ServerClock()
        self._greeting = asyncio.Event()  # a greeting's time reached the clock
        self._session: Session | None = None

    @property
    def backoff(self) -> Backoff:
        """The factory of reconnect delays."""
        return self._backoff

    @property
    def sleep(self) -> Sleep:
        """The coroutine that waits between reconnect attempts."""
        return self._sleep

    @property
    def marks(self) -> dict[str, str]:
        """Latest mark price text per symbol, shared by the codecs."""
        return self._marks

    def server_ms(self) -> int:
        """The exchange's time now, as well as the client knows it (ms)."""
        return self._clock.now_ms(self._now())

    @property
    def has_credentials(self) -> bool:
        """Whether private endpoints can be signed."""
        return self._credentials is not None

    def open_session(self) -> None:
        """Create the HTTP session (WebSockets and the server clock), and start
        the recorder.

        Raises:
            ConfigError: the recording file cannot be created.
        """
        if self.recorder is not None:
            cfg = self.config
            self.recorder.start(protocol=cfg.protocol, market=cfg.market)
        self._session = new_session()

    async def close_session(self) -> None:
        """Close the HTTP session, if open."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def finish(self) -> None:
        """Close the HTTP session, and the recorder if the dialer made it."""
        await self.close_session()
        if self._owns_recorder and self.recorder is not None:
            await self.recorder.aclose()

    def _the_session(self) -> Session | None:
        return self._session

    def connection(self, endpoint: Endpoint) -> Connection:
        """A new (not started) connection to ``endpoint``."""
        cfg = self.config
        url = cfg.public_url if endpoint is Endpoint.PUBLIC else cfg.private_url
        private = endpoint is Endpoint.PRIVATE

        async def opener() -> Transport:
            # SignedHeaders: its repr hides the credentials from tracebacks.
            headers = SignedHeaders({"User-Agent": cfg.user_agent})
            if private and self._authenticate:
                headers.update(await self._auth_headers(url))
            return await self._transports(url, endpoint, headers)

        # Only public sockets carry tickers: a private codec never defers.
        deferred = frozenset() if private else self._deferred
        codec = make_codec(cfg, self._marks, endpoint, deferred)
        sink = self._sink
        if private and self.private_sink is not None:
            sink = self.private_sink(codec)
        return Connection(
            endpoint=endpoint,
            url=url,
            codec=codec,
            opener=opener,
            sink=sink,
            backoff_factory=self._backoff,
            retryable=self._retryable,
            max_frame_size=cfg.max_frame_size,
            reset_after=cfg.reconnect_reset_after,
            max_ops_per_hour=cfg.max_ops_per_hour,
            send_timeout=cfg.keepalive_interval,
            slow_handler=cfg.slow_handler,
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
        # WEEX-WS.md §3, §1.7.5: the server time of the configured market.
        url = cfg.rest_base + rest_paths(cfg.market, cfg.protocol).time
        assert self._session is not None  # signing happens while connected
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
