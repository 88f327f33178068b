"""The simulator's WebSocket endpoints: handshake, registry, publishing and delivery.

One :class:`Endpoint` class serves the four routes, public or private (with a
keyring), of either :class:`~weex_events.sim.generations.Generation`. The handshake
is checked in this order: the ``refuse_connections`` fault (HTTP 503), a
``User-Agent`` (HTTP 400, WEEX-WS.md §1.1, the same rule on V2), then, on a private
endpoint, the four ``ACCESS-*`` headers signing timestamp + the endpoint's path
(WEEX-WS.md §1.2, §2; HTTP 401 with the generation's error body, see
``sim.accounts`` for the checks). Each accepted socket becomes the generation's
:class:`~weex_events.sim.connection.Connection`, bound to its API key on a private
endpoint.

:meth:`Endpoint.publish` turns one market step into the pushes every public
subscriber is owed; :meth:`Endpoint.deliver` sends a paper-exchange event to every
connection of its API key subscribed to its channel.

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.accounts``/``sim.connection``/
``sim.faults``/``sim.generations``/``sim.market``/``sim.private_events``/
``sim.subscriptions``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from aiohttp import web

from .accounts import AuthFailure, Keyring
from .connection import Connection, ConnectionSettings
from .faults import Faults
from .generations import Generation
from .market import MarketEngine, StepResult
from .private_events import PrivateEvent
from .subscriptions import DepthSubscription, FrameCache, Subscription

__all__ = ["DepthFaults", "Endpoint", "EndpointStats", "real_ms"]

#: Seconds a closing handshake may take before the socket is dropped.
_CLOSE_TIMEOUT = 2.0

#: Symbols to skip and to repeat a depth version for (``Faults.take_depth_faults``).
DepthFaults = tuple[frozenset[str], frozenset[str]]


def real_ms() -> int:
    """Real monotonic time in ms: the base of the sign clock (``SignClock``)."""
    return int(time.monotonic() * 1000)


@dataclass
class EndpointStats:
    """Counters of one endpoint, for tests.

    Attributes:
        connections_accepted: WebSocket upgrades accepted.
        connections_refused: upgrades refused by the ``refuse_connections`` fault.
        handshakes_rejected: upgrades refused for a missing ``User-Agent`` or, on
            the private endpoint, bad credentials.
    """

    connections_accepted: int = 0
    connections_refused: int = 0
    handshakes_rejected: int = 0


class Endpoint:
    """Accepts connections on one route and pushes to them.

    Args:
        generation: the WEEX generation spoken.
        keyring: the API keys accepted; with one this is the generation's private
            endpoint, without it the public one.
        clock: real time in ms for the sign clock (default: monotonic).
    """

    def __init__(
        self,
        generation: Generation,
        market: MarketEngine,
        faults: Faults,
        settings: ConnectionSettings,
        keyring: Keyring | None = None,
        clock: Callable[[], int] = real_ms,
    ) -> None:
        self.generation = generation
        self.keyring = keyring
        self._market = market
        self._faults = faults
        self._settings = settings
        self._clock = clock
        self._channels: Callable[[str], Subscription]
        if keyring is None:
            self.path = generation.public_path
            public, symbols = generation.public_channel, market.symbols
            self._channels = lambda param: public(param, symbols)
        else:
            self.path = generation.private_path
            self._channels = generation.private_channel
        # A dict keeps connection order stable, so pushes are deterministic too.
        self._connections: dict[Connection, None] = {}
        self.stats = EndpointStats()

    @property
    def connections(self) -> tuple[Connection, ...]:
        """Open connections, oldest first."""
        return tuple(self._connections)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler of ``GET`` :attr:`path`."""
        if self._faults.take_refusal():
            self.stats.connections_refused += 1
            return web.Response(status=503, text="503 Service Unavailable")
        if not request.headers.get("User-Agent"):
            # WEEX-WS.md §1.1 [doc]: a User-Agent is required, public included.
            self.stats.handshakes_rejected += 1
            return web.Response(status=400, text="User-Agent header is required")
        api_key: str | None = None
        if self.keyring is not None:
            try:
                api_key = self.keyring.verify(
                    request.headers,
                    self.path,  # WEEX-WS.md §1.2, §2: sign timestamp + the path
                    server_ms=self._market.now_ms,
                    real_ms=self._clock(),
                )
            except AuthFailure as exc:
                self.stats.handshakes_rejected += 1
                body = self.generation.auth_refusal(exc, self._market.now_ms)
                return web.Response(
                    body=orjson.dumps(body),
                    status=exc.status,
                    content_type="application/json",
                )
        ws = web.WebSocketResponse(autoping=False, timeout=_CLOSE_TIMEOUT)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="WebSocket upgrade expected")
        await ws.prepare(request)
        self.stats.connections_accepted += 1
        conn = self.generation.connection(
            ws,
            request,
            self._market,
            self._faults,
            self._settings,
            self._channels,
            api_key,
        )
        self._connections[conn] = None
        try:
            await conn.run()
        finally:
            self._connections.pop(conn, None)
        return ws

    def publish(self, step: StepResult, depth_faults: DepthFaults) -> None:
        """Queue the frames ``step`` produced on every subscribed connection.

        ``depth_faults`` break or repeat the depth chains of their symbols once.
        """
        skips, repeats = depth_faults
        cache = FrameCache(self._market, step, self.generation.pushes)
        for conn in tuple(self._connections):
            subs = tuple(conn.subscriptions.values())
            if skips or repeats:
                for sub in subs:
                    if isinstance(sub, DepthSubscription):
                        sub.skip_pending |= sub.spec.symbol in skips
                        sub.repeat_pending |= sub.spec.symbol in repeats
            # A stalled connection sends nothing; its depth chains resume from the
            # last frame it really sent once it thaws.
            if conn.stalled or conn.closing:
                continue
            for sub in subs:
                for frame in sub.update(cache):
                    conn.send(frame)

    def deliver(self, event: PrivateEvent) -> None:
        """Queue ``event`` on the connections of its API key subscribed to it."""
        frame: bytes | None = None
        for conn in self.connections:
            if (
                conn.api_key == event.api_key
                and event.channel in conn.subscriptions
                and not conn.closing
            ):
                frame = frame or self.generation.private_push(event)
                conn.send(frame)

    async def close_all(
        self, code: int = 1001, reason: str = "Server shutdown"
    ) -> None:
        """Close every connection (dropping those that do not finish in time)."""
        conns = self.connections
        if not conns:
            return
        closing = [asyncio.ensure_future(c.close(code, reason)) for c in conns]
        await asyncio.wait(closing, timeout=_CLOSE_TIMEOUT)
        for conn in conns:
            if not conn.closed:
                conn.abort()
