"""The simulator's V2 WebSocket endpoints: ``/v2/ws/public`` and ``/v2/ws/private``.

WEEX-WS.md §2: the same connection rules as V3 (``User-Agent`` required: HTTP 400;
the ``refuse_connections`` fault: HTTP 503; per-connection channel and operation
limits; close with 1007 after too many rejected commands), but:

- no greeting on open (V2 documents none);
- commands carry one channel each, ``{"event":"subscribe"|"unsubscribe",
  "channel":..}``, and are answered by channel: ``{"event":"subscribed",..}``,
  ``{"event":"unsubscribed",..}`` or ``{"event":"error","channel":..,
  "code":"40020","msg":..}``; a frame that is no command gets the error without a
  channel;
- heartbeat: the server sends ``{"event":"ping","time":"<ms>"}`` every
  ``ping_interval`` (30 s by default for V2) and closes the connection (code 4000)
  when more than ``max_unanswered_pings`` are left unanswered. Only a
  ``{"event":"pong","time":..}`` echoing the time of a ping still outstanding
  answers; any other pong is ignored. A client's own ``{"event":"ping",..}`` gets
  ``{"event":"pong"}`` with its time echoed (the simulator's choice);
- the private handshake signs timestamp + ``/v2/ws/private`` (§2), and a refusal
  is HTTP 401 with V2's body ``{"code":"4000x","msg":..,"requestTime":..,
  "data":null}``: 40001 missing header, 40008 stale or bad timestamp, 40009 wrong
  key, passphrase or signature (inside §3's 40001..40012; the split is ours).

Public pushes come from the same market steps as V3's (:meth:`V2PublicEndpoint.
publish`), private ones from the same paper-exchange events
(:meth:`V2PrivateEndpoint.deliver`).

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.accounts``/``sim.channels``/
``sim.connection``/``sim.market``/``sim.private``/``sim.private_events``/
``sim.public``/``sim.v2_channels``/``sim.v2_frames``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from . import v2_channels, v2_frames
from .accounts import (
    BAD_CREDENTIALS,
    BAD_TIMESTAMP,
    MISSING_HEADER,
    AuthFailure,
    Keyring,
)
from .channels import ChannelError, DepthSubscription
from .connection import TOO_MANY_OPS, ConnectionSettings, PublicConnection
from .faults import Faults
from .market import MarketEngine, StepResult
from .private import PrivateChannel, PrivateConnection, real_ms
from .private_events import PrivateEvent
from .public import PublicEndpoint

__all__ = [
    "V2_PRIVATE_PATH",
    "V2_PUBLIC_PATH",
    "V2PrivateConnection",
    "V2PrivateEndpoint",
    "V2PublicConnection",
    "V2PublicEndpoint",
]

V2_PUBLIC_PATH = "/v2/ws/public"
V2_PRIVATE_PATH = "/v2/ws/private"
#: Reply to a frame that is not a command (our words, V2 error shape).
UNRECOGNIZED = "unrecognized message : "
_ECHO = 512
_CLOSE_TIMEOUT = 2.0
_AUTH_CODES = {
    MISSING_HEADER: "40001",
    BAD_TIMESTAMP: "40008",
    BAD_CREDENTIALS: "40009",
}


class _V2Connection(PublicConnection):
    """V2's heartbeat and command envelope; subclasses handle the channels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Times of the pings still unanswered (the close comes before more pile up).
        self._ping_times: deque[str] = deque(
            maxlen=self._settings.max_unanswered_pings + 1
        )

    def _greeting_frame(self) -> bytes | None:
        return None  # WEEX-WS.md §2 documents no greeting

    def _ping_frame(self) -> bytes:
        time = str(self._market.now_ms)
        self._ping_times.append(time)
        return v2_frames.ping(time)

    def _on_text(self, text: str) -> None:
        self.commands_received += 1
        try:
            command = orjson.loads(text)
        except orjson.JSONDecodeError:
            command = None
        if not isinstance(command, dict) or not isinstance(command.get("event"), str):
            self._rejected(v2_frames.error(None, UNRECOGNIZED + text[:_ECHO]))
            return
        event = command["event"]
        if event == "pong":
            self._pong(command.get("time"))
            return
        if event == "ping":
            self.send(v2_frames.pong(command.get("time")))
            return
        channel = command.get("channel")
        if event not in ("subscribe", "unsubscribe") or not isinstance(channel, str):
            named = channel if isinstance(channel, str) else None
            self._rejected(v2_frames.error(named, UNRECOGNIZED + text[:_ECHO]))
            return
        self._command(event, channel)

    def _pong(self, time: object) -> None:
        # WEEX-WS.md §2: the pong echoes the ping's time (a string; ints tolerated).
        if isinstance(time, int) and not isinstance(time, bool):
            time = str(time)
        if isinstance(time, str) and time in self._ping_times:
            self._ping_times.clear()
            self.unanswered_pings = 0

    def _command(self, event: str, channel: str) -> None:
        raise NotImplementedError


class V2PublicConnection(_V2Connection):
    """Server side of one ``/v2/ws/public`` WebSocket."""

    def _command(self, event: str, channel: str) -> None:
        try:
            spec = v2_channels.parse_channel(channel, self._market.symbols)
        except ChannelError as exc:
            self._rejected(v2_frames.error(channel, exc.msg))
            return
        problem = self._over_limits(event.upper(), [spec])
        if problem:
            self._rejected(v2_frames.error(channel, problem))
            return
        if event == "unsubscribe":
            self.subscriptions.pop(spec.key, None)
            self.send(v2_frames.unsubscribed(channel))
            return
        self.send(v2_frames.subscribed(channel))
        # Subscribing again restarts the channel with a fresh snapshot.
        sub = v2_channels.subscription_for(spec)
        self.subscriptions[spec.key] = sub
        for frame in sub.start(self._market):
            self.send(frame)


class V2PrivateConnection(_V2Connection, PrivateConnection):
    """Server side of one ``/v2/ws/private`` WebSocket, bound to one API key."""

    def _command(self, event: str, channel: str) -> None:
        if channel not in v2_channels.PRIVATE_CHANNELS:
            self._rejected(
                v2_frames.error(channel, v2_channels.INVALID_CHANNEL + channel)
            )
            return
        if not self._count_ops(1):
            limit = self._settings.max_ops_per_hour
            self._rejected(v2_frames.error(channel, TOO_MANY_OPS.format(limit)))
            return
        if event == "unsubscribe":
            self.subscriptions.pop(channel, None)
            self.send(v2_frames.unsubscribed(channel))
            return
        # No snapshot follows (as on V3, WEEX-WS.md §1.6 [open]).
        self.subscriptions[channel] = PrivateChannel(channel)
        self.send(v2_frames.subscribed(channel))


class V2PublicEndpoint(PublicEndpoint):
    """Accepts ``/v2/ws/public`` connections and pushes V2 market data to them."""

    def _refusal(self, request: web.Request) -> web.Response | None:
        if self._faults.take_refusal():
            self.stats.connections_refused += 1
            return web.Response(status=503, text="503 Service Unavailable")
        if not request.headers.get("User-Agent"):
            # WEEX-WS.md §2: the same User-Agent rule as V3 (§1.1).
            self.stats.handshakes_rejected += 1
            return web.Response(status=400, text="User-Agent header is required")
        return None

    async def _serve(
        self,
        request: web.Request,
        make: Callable[[web.WebSocketResponse], PublicConnection],
    ) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False, timeout=_CLOSE_TIMEOUT)
        if not ws.can_prepare(request).ok:
            return web.Response(status=400, text="WebSocket upgrade expected")
        await ws.prepare(request)
        self.stats.connections_accepted += 1
        conn = make(ws)
        self._connections[conn] = None
        try:
            await conn.run()
        finally:
            self._connections.pop(conn, None)
        return ws

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler of ``GET /v2/ws/public``."""
        refused = self._refusal(request)
        if refused is not None:
            return refused
        market, faults, settings = self._market, self._faults, self._settings
        return await self._serve(
            request,
            lambda ws: V2PublicConnection(ws, request, market, faults, settings),
        )

    def publish(self, step: StepResult) -> None:
        """Queue the V2 frames ``step`` produced on every subscribed connection.

        Call it before the V3 endpoint's ``publish``: the depth faults it takes are
        put back for that one, so both generations see them.
        """
        faults = self._faults
        skips, repeats = faults.take_depth_faults()
        for symbol in skips:
            faults.skip_depth_version(symbol)
        for symbol in repeats:
            faults.repeat_depth_version(symbol)
        cache = v2_channels.V2FrameCache(self._market, step)
        for conn in tuple(self._connections):
            subs = tuple(conn.subscriptions.values())
            if skips or repeats:
                for sub in subs:
                    if isinstance(sub, DepthSubscription):
                        sub.skip_pending |= sub.spec.symbol in skips
                        sub.repeat_pending |= sub.spec.symbol in repeats
            # A stalled connection sends nothing; its chains resume when it thaws.
            if conn.stalled or conn.closing:
                continue
            for sub in subs:
                for frame in sub.update(cache):
                    conn.send(frame)


class V2PrivateEndpoint(V2PublicEndpoint):
    """Accepts signed ``/v2/ws/private`` connections; delivers paper events.

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
        """aiohttp handler of ``GET /v2/ws/private``."""
        refused = self._refusal(request)
        if refused is not None:
            return refused
        market = self._market
        try:
            api_key = self.keyring.verify(
                request.headers,
                V2_PRIVATE_PATH,  # WEEX-WS.md §2: sign timestamp + "/v2/ws/private"
                server_ms=market.now_ms,
                real_ms=self._clock(),
            )
        except AuthFailure as exc:
            self.stats.handshakes_rejected += 1
            code = _AUTH_CODES.get(exc.code, "40009")
            body = v2_frames.rest_error(code, exc.msg, market.now_ms)
            return web.Response(
                body=orjson.dumps(body),
                status=exc.status,
                content_type="application/json",
            )
        faults, settings = self._faults, self._settings
        return await self._serve(
            request,
            lambda ws: V2PrivateConnection(
                ws, request, market, faults, settings, api_key
            ),
        )

    def publish(self, step: StepResult) -> None:
        """Nothing: private pushes come from :meth:`deliver`."""

    def deliver(self, event: PrivateEvent) -> None:
        """Queue ``event`` on the connections of its API key subscribed to it."""
        frame: bytes | None = None
        for conn in self.connections:
            if (
                isinstance(conn, V2PrivateConnection)
                and conn.api_key == event.api_key
                and event.channel in conn.subscriptions
                and not conn.closing
            ):
                frame = frame or v2_frames.private_push(event)
                conn.send(frame)
