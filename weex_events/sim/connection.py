"""One client connection to any of the simulator's WebSocket endpoints.

A :class:`Connection` owns its WebSocket, its subscriptions and three tasks: the
read loop (commands, RFC 6455 pings), a writer draining a bounded outbox (so frames
keep their order and faults can delay or freeze them) and the server-ping timer. It
implements what V3 and V2 share: WEEX-WS.md §1.1 (per-connection limits), §1.3 (close
after too many unanswered pings), §1.4 (close after too many rejected commands) and
the subscribe bookkeeping. A generation's subclass (``sim.v3_connection``,
``sim.v2_connection``) supplies the frames and reads the commands: the greeting, the
server ping, and :meth:`Connection._on_command`.

A connection bound to an API key is a private one; its channels come from the
endpoint (``channels``), so the same code serves public and private endpoints.

Imports: stdlib, ``aiohttp``, ``orjson`` and ``sim.faults``/``sim.market``/
``sim.subscriptions``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson
from aiohttp import WSMsgType, web

from .faults import Faults
from .market import MarketEngine
from .subscriptions import Subscription

__all__ = [
    "ECHO",
    "PING_TIMEOUT_CODE",
    "REJECT_CLOSE_CODE",
    "TOO_MANY_OPS",
    "Connection",
    "ConnectionSettings",
    "ConnectionView",
]

log = logging.getLogger("weex_events.sim")

#: Close code after more than ``max_unanswered_pings`` unanswered server pings.
#: WEEX's real code is unknown (WEEX-WS.md §1.3); 4000 is unmistakable in tests.
PING_TIMEOUT_CODE = 4000
PING_TIMEOUT_REASON = "Ping timeout: too many unanswered pings"
#: WEEX-WS.md §1.4 [live]: close after too many rejected commands.
REJECT_CLOSE_CODE = 1007
REJECT_CLOSE_REASON = "Unrecognized message sent multiple times"
#: Replies to commands over the per-connection limits (WEEX-WS.md §1.1; our text).
TOO_MANY_CHANNELS = (
    "INVALID_ARGUMENT: channel limit exceeded : at most {} per connection"
)
TOO_MANY_OPS = "INVALID_ARGUMENT: operation limit exceeded : at most {} per hour"
_OPS_WINDOW = 3600.0
#: Longest echo of a bad command in a reply.
ECHO = 512


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """Protocol limits of one connection (WEEX-WS.md §1.1, §1.3, §1.4)."""

    ping_interval: float = 60.0
    max_unanswered_pings: int = 5
    max_channels: int = 100
    max_ops_per_hour: int = 240
    max_rejects: int = 6
    #: Frames queued for a client that does not read; beyond it the link is dropped.
    outbox_size: int = 10_000


@dataclass(frozen=True, slots=True)
class _Out:
    data: bytes
    opcode: WSMsgType | None  # None: close with ``code`` and reason ``data``
    due: float
    code: int = 0


class Connection:
    """Server side of one WebSocket; a generation's subclass reads its commands.

    Args:
        channels: the subscription a channel param names on this endpoint; raises
            :class:`~weex_events.sim.subscriptions.ChannelError` for others.
        api_key: the API key a private connection is bound to (``None``: public).
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.BaseRequest,
        market: MarketEngine,
        faults: Faults,
        settings: ConnectionSettings,
        channels: Callable[[str], Subscription],
        api_key: str | None = None,
    ) -> None:
        self.ws = ws
        self.api_key = api_key
        self.cid = str(uuid.uuid4())
        self.user_agent = request.headers.get("User-Agent", "")
        self.remote = request.remote
        self.subscriptions: dict[str, Subscription] = {}
        self.commands_received = 0
        self.rejects = 0
        self.unanswered_pings = 0
        self.stalled = False
        self.closing = False
        self.closed = False
        self._request = request
        self._market = market
        self._faults = faults
        self._settings = settings
        self._channels = channels
        self._ops: deque[float] = deque()
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._outbox: asyncio.Queue[_Out] = asyncio.Queue(settings.outbox_size)
        self._closer: asyncio.Task[bool] | None = None
        self._loop = asyncio.get_running_loop()

    @property
    def endpoint(self) -> str:
        """``"private"`` for a connection bound to an API key, else ``"public"``."""
        return "public" if self.api_key is None else "private"

    # -- lifecycle ----------------------------------------------------------------

    async def run(self) -> None:
        """Greet, then serve the connection until it closes."""
        tag = f"weex_events: sim {self.cid[:8]}"
        writer = asyncio.create_task(self._write(), name=f"{tag} writer")
        pinger = asyncio.create_task(self._ping(), name=f"{tag} pinger")
        greeting = self._greeting_frame()
        if greeting is not None:
            self.send(greeting)
        try:
            await self._read()
        finally:
            self.closed = True
            if self._closer is not None:
                # Let a close in flight finish so the close frame is not cut off.
                await asyncio.wait([self._closer], timeout=2.0)
            for task in (writer, pinger):
                task.cancel()
            await asyncio.gather(writer, pinger, return_exceptions=True)

    def abort(self) -> None:
        """Drop the TCP connection: no close frame (fault ``drop``, slow consumers)."""
        self.closing = True
        self._thawed.set()  # a stalled reader must wake up to notice the end
        transport = self._request.transport
        if transport is not None:
            transport.abort()

    async def close(self, code: int, reason: str) -> None:
        """Close now with ``code``/``reason`` (ahead of queued frames)."""
        closer = self._start_close(code, reason)
        await asyncio.wait([closer], timeout=5.0)

    def _start_close(self, code: int, reason: str) -> asyncio.Task[bool]:
        self.closing = True
        self._thawed.set()
        if self._closer is None:
            self._closer = asyncio.create_task(
                self.ws.close(code=code, message=reason.encode()),
                name=f"weex_events: sim {self.cid[:8]} close",
            )
        return self._closer

    def set_stalled(self, on: bool) -> None:
        """Freeze or thaw the connection (see :meth:`Faults.stall`)."""
        self.stalled = on
        if on:
            self._thawed.clear()
        else:
            self._thawed.set()

    # -- sending ------------------------------------------------------------------

    def send(self, data: bytes, opcode: WSMsgType = WSMsgType.TEXT) -> None:
        """Queue one frame; it leaves after the ``slow`` fault's delay, in order."""
        if self.closed:
            return
        delay = self._faults.delay
        due = self._loop.time() + delay if delay else 0.0
        try:
            self._outbox.put_nowait(_Out(data, opcode, due))
        except asyncio.QueueFull:
            log.warning("sim: client %s does not read; dropping it", self.cid)
            self.abort()

    def send_raw(self, data: str | bytes) -> None:
        """Queue ``data`` unchanged: ``str`` as text, ``bytes`` as a binary frame."""
        if isinstance(data, str):
            self.send(data.encode(), WSMsgType.TEXT)
        else:
            self.send(bytes(data), WSMsgType.BINARY)

    def _close_after_queue(self, code: int, reason: str) -> None:
        self.closing = True
        with contextlib.suppress(asyncio.QueueFull):
            self._outbox.put_nowait(_Out(reason.encode(), None, 0.0, code))

    async def _write(self) -> None:
        while True:
            item = await self._outbox.get()
            wait = item.due - self._loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._thawed.wait()
            if item.opcode is None:
                self._start_close(item.code, item.data.decode())
                return
            try:
                await self.ws.send_frame(item.data, item.opcode)
            except (ConnectionError, RuntimeError):
                return

    async def _ping(self) -> None:
        # WEEX pings on the minute boundary; here every ping_interval from the open,
        # so tests can use tiny intervals.
        settings = self._settings
        while True:
            await asyncio.sleep(settings.ping_interval)
            if self.stalled or self.closing:
                continue
            # WEEX-WS.md §1.3 [doc]: close after MORE than N unanswered pings.
            if self.unanswered_pings > settings.max_unanswered_pings:
                self._start_close(PING_TIMEOUT_CODE, PING_TIMEOUT_REASON)
                return
            self.send(self._ping_frame())
            self.unanswered_pings += 1

    def _ping_frame(self) -> bytes:
        """The next server ping (WEEX-WS.md §1.3, §2)."""
        raise NotImplementedError

    def _greeting_frame(self) -> bytes | None:
        """The frame sent unprompted on open (``None``: none)."""
        return None

    # -- reading ------------------------------------------------------------------

    async def _read(self) -> None:
        ws = self.ws
        while True:
            msg = await ws.receive()
            if msg.type is WSMsgType.TEXT:
                text = msg.data
            elif msg.type is WSMsgType.BINARY:
                text = bytes(msg.data).decode("utf-8", "replace")
            elif msg.type is WSMsgType.PING:
                # RFC 6455 control pings get control pongs, unless stalled: a stalled
                # link must look dead to the client's keepalive.
                if not self.stalled:
                    try:
                        await ws.pong(msg.data)
                    except (ConnectionError, RuntimeError):
                        return
                continue
            elif msg.type is WSMsgType.PONG:
                continue
            else:
                return
            if self.stalled:
                await self._thawed.wait()
            if not self.closing:
                self._on_text(text)

    def _on_text(self, text: str) -> None:
        self.commands_received += 1
        try:
            command = orjson.loads(text)
        except orjson.JSONDecodeError:
            command = None
        self._on_command(command, text)

    def _on_command(self, command: object, text: str) -> None:
        """Answer one client frame: ``command`` is its JSON (``None``: not JSON)."""
        raise NotImplementedError

    # -- subscriptions --------------------------------------------------------------

    def _resolve(self, params: Sequence[str]) -> list[Subscription]:
        """The subscriptions ``params`` name (``ChannelError`` at the first bad one)."""
        return [self._channels(p) for p in params]

    def _apply(self, subscribe: bool, subs: Sequence[Subscription]) -> None:
        """Add or remove ``subs``; a new subscription sends its snapshot, if any."""
        if not subscribe:
            for sub in subs:
                self.subscriptions.pop(sub.key, None)
            return
        for key, sub in {sub.key: sub for sub in subs}.items():
            # Subscribing again restarts the channel with a fresh snapshot.
            self.subscriptions[key] = sub
            for frame in sub.start(self._market):
                self.send(frame)

    def _over_limits(self, subscribe: bool, subs: Sequence[Subscription]) -> str | None:
        """The reply's text if ``subs`` break a limit, else count the operations."""
        settings = self._settings
        now = time.monotonic()
        while self._ops and now - self._ops[0] >= _OPS_WINDOW:
            self._ops.popleft()
        # WEEX-WS.md §1.1 [open]: every param counts as one operation.
        if len(self._ops) + len(subs) > settings.max_ops_per_hour:
            return TOO_MANY_OPS.format(settings.max_ops_per_hour)
        # The private endpoints serve four channels: only operations count there.
        if subscribe and self.api_key is None:
            new = {s.key for s in subs} - self.subscriptions.keys()
            if len(self.subscriptions) + len(new) > settings.max_channels:
                return TOO_MANY_CHANNELS.format(settings.max_channels)
        self._ops.extend([now] * len(subs))
        return None

    def _rejected(self, reply: bytes) -> None:
        self.send(reply)
        self.rejects += 1
        if self.rejects >= self._settings.max_rejects:
            # WEEX-WS.md §1.4 [live]: the reply goes out, then the close.
            self._close_after_queue(REJECT_CLOSE_CODE, REJECT_CLOSE_REASON)


class ConnectionView:
    """Read-only view of one open connection, for tests (``Simulator.connections``)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def endpoint(self) -> str:
        """``"public"`` (or ``"private"``)."""
        return self._conn.endpoint

    @property
    def cid(self) -> str:
        """The ``cid`` sent in the greeting."""
        return self._conn.cid

    @property
    def user_agent(self) -> str:
        """The ``User-Agent`` of the handshake."""
        return self._conn.user_agent

    @property
    def remote(self) -> str | None:
        """The peer's address."""
        return self._conn.remote

    @property
    def commands_received(self) -> int:
        """Text (or binary) frames received from the client."""
        return self._conn.commands_received

    @property
    def rejects(self) -> int:
        """Commands rejected so far."""
        return self._conn.rejects

    @property
    def stalled(self) -> bool:
        """Whether a ``stall`` fault freezes the connection."""
        return self._conn.stalled

    @property
    def closed(self) -> bool:
        """Whether the connection is no longer served."""
        return self._conn.closed

    @property
    def subscriptions(self) -> frozenset[str]:
        """Channel keys, ``SYMBOL@stream`` (symbol upper case, stream as sent)."""
        return frozenset(self._conn.subscriptions)

    def __repr__(self) -> str:
        c = self._conn
        return f"<ConnectionView {c.endpoint} {c.cid[:8]} subs={len(c.subscriptions)}>"
