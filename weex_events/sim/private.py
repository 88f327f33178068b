"""The simulator's ``/v3/ws/private`` endpoint: signed handshake and private pushes.

The handshake is checked in this order: the ``refuse_connections`` fault (HTTP 503),
a ``User-Agent`` (HTTP 400, WEEX-WS.md §1.1), then the four ``ACCESS-*`` headers
(WEEX-WS.md §1.2; HTTP 401 with a WEEX body such as ``{"code":-1047,"msg":...}``,
see ``sim.accounts`` for the codes). An accepted connection belongs to its API key
and behaves like a public one (greeting, outbox, faults, limits, close after too
many rejects) except that:

- server pings are ``{"type":"ping","time":"<ms>"}`` and a ``PONG`` gets no reply
  (WEEX-WS.md §1.3 [code]); a ``PING`` is acknowledged;
- ``SUBSCRIBE``/``UNSUBSCRIBE`` params are the bare names ``account``,
  ``positions``, ``orders`` and ``fill`` (§1.6); anything else rejects the command
  with ``INVALID_ARGUMENT: invalid event : <param>``. No snapshot follows the ack.

:meth:`PrivateEndpoint.deliver` sends each paper-exchange event to every connection
of its API key subscribed to its channel.

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.accounts``/``sim.channels``/
``sim.connection``/``sim.faults``/``sim.frames``/``sim.market``/``sim.private_events``/
``sim.private_frames``/``sim.public``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
from aiohttp import web

from . import frames, private_frames
from .accounts import AuthFailure, Keyring
from .channels import INVALID_EVENT, Subscription
from .connection import TOO_MANY_OPS, ConnectionSettings, PublicConnection
from .faults import Faults
from .market import MarketEngine
from .private_events import CHANNELS, PrivateEvent
from .public import PublicEndpoint

__all__ = [
    "PRIVATE_CHANNELS",
    "PRIVATE_PATH",
    "PrivateChannel",
    "PrivateConnection",
    "PrivateEndpoint",
]

PRIVATE_PATH = "/v3/ws/private"
#: WEEX-WS.md §1.6: the private params.
PRIVATE_CHANNELS = CHANNELS
_OPS_WINDOW = 3600.0
_ECHO = 512
_CLOSE_TIMEOUT = 2.0


def real_ms() -> int:
    """Real monotonic time in ms: the base of the sign clock (``SignClock``)."""
    return int(time.monotonic() * 1000)


class PrivateChannel(Subscription):
    """A private channel on one connection; its pushes come from the paper exchange.

    It has no :class:`~weex_events.sim.channels.ChannelSpec` and produces nothing
    on market steps (``start``/``update`` return no frames).
    """

    def __init__(self, name: str) -> None:  # no super(): no ChannelSpec here
        self.name = name


class PrivateConnection(PublicConnection):
    """Server side of one ``/v3/ws/private`` WebSocket, bound to one API key."""

    endpoint = "private"

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.BaseRequest,
        market: MarketEngine,
        faults: Faults,
        settings: ConnectionSettings,
        api_key: str,
    ) -> None:
        super().__init__(ws, request, market, faults, settings)
        self.api_key = api_key

    def _ping_frame(self) -> bytes:
        return private_frames.ping(self._market.now_ms)

    def _on_text(self, text: str) -> None:
        self.commands_received += 1
        try:
            command = orjson.loads(text)
        except orjson.JSONDecodeError:
            command = None
        if not isinstance(command, dict) or not isinstance(command.get("method"), str):
            self._rejected(frames.unrecognized(text[:_ECHO]))
            return
        command_id = command.get("id")
        method = command["method"].upper()
        if method == "PONG":
            # WEEX-WS.md §1.3 [code]: the private endpoint does not answer a PONG.
            self.unanswered_pings = 0
            return
        if method == "PING":
            self.send(frames.ack(command_id))
            return
        params = command.get("params")
        if (
            method not in ("SUBSCRIBE", "UNSUBSCRIBE")
            or not isinstance(params, list)
            or not params
            or not all(isinstance(p, str) for p in params)
        ):
            self._rejected(
                frames.reject(command_id, frames.UNRECOGNIZED + text[:_ECHO])
            )
            return
        unknown = [p for p in params if p not in PRIVATE_CHANNELS]
        if unknown:
            # WEEX-WS.md §1.4: one bad param rejects the whole command.
            self._rejected(frames.reject(command_id, INVALID_EVENT + unknown[0]))
            return
        if not self._count_ops(len(params)):
            limit = self._settings.max_ops_per_hour
            self._rejected(frames.reject(command_id, TOO_MANY_OPS.format(limit)))
            return
        self.send(frames.ack(command_id))
        for name in params:
            if method == "SUBSCRIBE":
                self.subscriptions[name] = PrivateChannel(name)
            else:
                self.subscriptions.pop(name, None)

    def _count_ops(self, n: int) -> bool:
        """Count ``n`` operations; ``False`` if they exceed the hourly limit."""
        now = time.monotonic()
        while self._ops and now - self._ops[0] >= _OPS_WINDOW:
            self._ops.popleft()
        # WEEX-WS.md §1.1 [open]: every param counts as one operation.
        if len(self._ops) + n > self._settings.max_ops_per_hour:
            return False
        self._ops.extend([now] * n)
        return True


class PrivateEndpoint(PublicEndpoint):
    """Accepts signed private connections and delivers paper-exchange events.

    ``stats.handshakes_rejected`` counts upgrades refused for a missing
    ``User-Agent`` or bad credentials.

    Args:
        keyring: the API keys accepted.
        clock: real time in ms for the sign clock (default: monotonic).
    """

    def __init__(
        self,
        market: MarketEngine,
        faults: Faults,
        settings: ConnectionSettings,
        keyring: Keyring,
        clock: Callable[[], int] = real_ms,
    ) -> None:
        super().__init__(market, faults, settings)
        self.keyring = keyring
        self._clock = clock

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler of ``GET /v3/ws/private``."""
        if self._faults.take_refusal():
            self.stats.connections_refused += 1
            return web.Response(status=503, text="503 Service Unavailable")
        if not request.headers.get("User-Agent"):
            # WEEX-WS.md §1.1 [doc]: a User-Agent is required on every handshake.
            self.stats.handshakes_rejected += 1
            return web.Response(status=400, text="User-Agent header is required")
        try:
            api_key = self.keyring.verify(
                request.headers,
                PRIVATE_PATH,  # WEEX-WS.md §1.2: sign timestamp + "/v3/ws/private"
                server_ms=self._market.now_ms,
                real_ms=self._clock(),
            )
        except AuthFailure as exc:
            # WEEX-WS.md §1.2 [open]: the simulator refuses with HTTP 401 + body.
            self.stats.handshakes_rejected += 1
            return web.Response(
                body=orjson.dumps(frames.rest_error(exc.code, exc.msg)),
                status=exc.status,
                content_type="application/json",
            )
        ws = web.WebSocketResponse(autoping=False, timeout=_CLOSE_TIMEOUT)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="WebSocket upgrade expected")
        await ws.prepare(request)
        self.stats.connections_accepted += 1
        conn = PrivateConnection(
            ws, request, self._market, self._faults, self._settings, api_key
        )
        self._connections[conn] = None
        try:
            await conn.run()
        finally:
            self._connections.pop(conn, None)
        return ws

    def deliver(self, event: PrivateEvent) -> None:
        """Queue ``event`` on the connections of its API key subscribed to it."""
        frame: bytes | None = None
        for conn in self.connections:
            if (
                isinstance(conn, PrivateConnection)
                and conn.api_key == event.api_key
                and event.channel in conn.subscriptions
                and not conn.closing
            ):
                frame = frame or private_frames.push(event)
                conn.send(frame)
