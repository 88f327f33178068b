"""The simulator's ``/v3/ws/public`` endpoint: handshake, registry and publishing.

The handshake enforces WEEX-WS.md §1.1 (``User-Agent`` required: HTTP 400 without
one) and the ``refuse_connections`` fault (HTTP 503). Each accepted socket becomes a
:class:`~weex_events.sim.connection.PublicConnection`; :meth:`PublicEndpoint.publish`
turns one market step into the pushes every subscriber is owed.

Imports: stdlib, ``aiohttp`` and ``sim.connection``/``sim.channels``/``sim.market``/
``sim.faults``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from .channels import DepthSubscription, FrameCache
from .connection import ConnectionSettings, PublicConnection
from .faults import Faults
from .market import MarketEngine, StepResult

__all__ = ["EndpointStats", "PublicEndpoint"]

#: Seconds a closing handshake may take before the socket is dropped.
_CLOSE_TIMEOUT = 2.0


@dataclass
class EndpointStats:
    """Counters of one endpoint, for tests.

    Attributes:
        connections_accepted: WebSocket upgrades accepted.
        connections_refused: upgrades refused by the ``refuse_connections`` fault.
        handshakes_rejected: upgrades refused for a missing ``User-Agent``.
    """

    connections_accepted: int = 0
    connections_refused: int = 0
    handshakes_rejected: int = 0


class PublicEndpoint:
    """Accepts public connections and pushes market data to their subscriptions."""

    def __init__(
        self, market: MarketEngine, faults: Faults, settings: ConnectionSettings
    ) -> None:
        self._market = market
        self._faults = faults
        self._settings = settings
        # A dict keeps connection order stable, so pushes are deterministic too.
        self._connections: dict[PublicConnection, None] = {}
        self.stats = EndpointStats()

    @property
    def connections(self) -> tuple[PublicConnection, ...]:
        """Open connections, oldest first."""
        return tuple(self._connections)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler of ``GET /v3/ws/public``."""
        if self._faults.take_refusal():
            self.stats.connections_refused += 1
            return web.Response(status=503, text="503 Service Unavailable")
        if not request.headers.get("User-Agent"):
            # WEEX-WS.md §1.1 [doc]: a User-Agent is required, public included.
            self.stats.handshakes_rejected += 1
            return web.Response(status=400, text="User-Agent header is required")
        ws = web.WebSocketResponse(autoping=False, timeout=_CLOSE_TIMEOUT)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="WebSocket upgrade expected")
        await ws.prepare(request)
        self.stats.connections_accepted += 1
        conn = PublicConnection(ws, request, self._market, self._faults, self._settings)
        self._connections[conn] = None
        try:
            await conn.run()
        finally:
            self._connections.pop(conn, None)
        return ws

    def publish(self, step: StepResult) -> None:
        """Queue the frames ``step`` produced on every subscribed connection."""
        skips, repeats = self._faults.take_depth_faults()
        cache = FrameCache(self._market, step)
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
