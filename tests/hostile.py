"""A deliberately misbehaving WEEX-shaped server, for hardening tests.

The simulator and :class:`tests.scripted.ScriptedServer` are polite. This one is
not: each way an exchange (or something pretending to be one) can hurt a client is
a knob or a method, and tests script what they need. It serves V3's paths
(WEEX-WS.md §1.1) on 127.0.0.1, port 0:

- refuse an upgrade with a chosen status and body, per endpoint (``refuse``), and
  record every handshake's headers (``handshakes``);
- greet or not (``greet``); answer commands, or not (``answer_commands``), echo ids
  as strings (``id_as_string``), or answer with anything (``reply``);
- per connection (:class:`Peer`): send any text or bytes, garbage, frames of any
  size or a frame header announcing a size it never sends (``announce_frame``),
  raw bytes past the WebSocket framing (``send_raw``), floods (``flood``), stop
  and resume reading (``stop_reading``), drop the TCP connection, close with a
  code; private kinds on the public socket are just ``send`` on a public peer;
- answer REST paths with a chosen status and JSON (``rest``).

``on_connect`` runs for each new connection (after the greeting), for scripts that
must act before the client says anything.
"""

from __future__ import annotations

import asyncio
import struct
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import WSMsgType, web

__all__ = ["HostileServer", "Peer", "Refusal", "hostile_server"]

PUBLIC_PATH = "/v3/ws/public"
PRIVATE_PATH = "/v3/ws/private"


@dataclass(frozen=True)
class Refusal:
    """An HTTP answer instead of a WebSocket upgrade."""

    status: int
    body: Any = None  # JSON-encoded when not bytes

    def response(self) -> web.Response:
        if self.body is None:
            return web.Response(status=self.status)
        if isinstance(self.body, bytes):
            return web.Response(status=self.status, body=self.body)
        return web.Response(
            status=self.status,
            body=orjson.dumps(self.body),
            content_type="application/json",
        )


def _text(frame: str | bytes | dict[str, Any] | list[Any]) -> str:
    if isinstance(frame, dict | list):
        return orjson.dumps(frame).decode()
    if isinstance(frame, bytes):
        return frame.decode()
    return frame


@dataclass
class Peer:
    """One client connection, as the server sees it."""

    ws: web.WebSocketResponse
    request: web.Request
    received: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False

    @property
    def private(self) -> bool:
        return self.request.path == PRIVATE_PATH

    @property
    def transport(self) -> asyncio.Transport:
        transport = self.request.transport
        assert transport is not None, "the connection is gone"
        return transport  # type: ignore[return-value]

    async def send(self, frame: str | bytes | dict[str, Any] | list[Any]) -> None:
        """One text frame (a dict or list is JSON-encoded)."""
        await self.ws.send_str(_text(frame))

    async def send_bytes(self, data: bytes) -> None:
        """One binary frame (WEEX never sends them)."""
        await self.ws.send_bytes(data)

    async def ping(self) -> None:
        """A V3 JSON ping in the shape of this endpoint (WEEX-WS.md §1.3)."""
        key = "type" if self.private else "event"
        await self.send({key: "ping", "time": str(int(time.time() * 1000))})

    async def flood(self, frame: str | dict[str, Any], count: int) -> None:
        """``count`` copies of ``frame``, as fast as the socket takes them."""
        text = _text(frame)
        for _ in range(count):
            await self.ws.send_str(text)

    def send_raw(self, data: bytes) -> None:
        """Bytes straight onto the TCP stream, past the WebSocket framing."""
        self.transport.write(data)

    def announce_frame(self, length: int, payload: bytes = b"") -> None:
        """A text frame header claiming ``length`` payload bytes, then ``payload``
        (usually much less: the rest never comes)."""
        if length < 126:
            header = struct.pack("!BB", 0x81, length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x81, 126, length)
        else:
            header = struct.pack("!BBQ", 0x81, 127, length)
        self.send_raw(header + payload)

    def stop_reading(self) -> None:
        """Stop reading from the socket: the client's sends back up."""
        self.transport.pause_reading()

    def resume_reading(self) -> None:
        self.transport.resume_reading()

    def drop(self) -> None:
        """Abort the TCP connection (no close frame)."""
        self.transport.abort()

    async def close(self, code: int = 1000, message: bytes = b"") -> None:
        await self.ws.close(code=code, message=message)


Reply = Callable[[Peer, dict[str, Any]], list[Any]]


class HostileServer:
    """Serves V3's public and private paths and any REST path on 127.0.0.1."""

    def __init__(self) -> None:
        #: Every connection ever upgraded, in order.
        self.peers: list[Peer] = []
        #: Request headers of every upgrade attempt, refused ones included.
        self.handshakes: list[dict[str, str]] = []
        #: ``"public"``/``"private"`` -> the answer given instead of upgrading.
        self.refuse: dict[str, Refusal] = {}
        self.greet = True
        self.answer_commands = True
        self.id_as_string = False
        #: Replaces the default acks: the frames to send for one command.
        self.reply: Reply | None = None
        self.on_connect: Callable[[Peer], Awaitable[None]] | None = None
        #: REST path -> (status, JSON body); the server time answers by default.
        self.rest: dict[str, tuple[int, Any]] = {}
        #: Request headers of every REST request.
        self.rest_requests: list[dict[str, str]] = []
        self.max_msg_size = 0  # the server reads anything the client sends
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- addresses ---------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{PUBLIC_PATH}"

    @property
    def private_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{PRIVATE_PATH}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def open_peers(self) -> list[Peer]:
        return [p for p in self.peers if not p.closed]

    # -- life --------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for peer in self.open_peers:
            transport = peer.request.transport
            if transport is not None:
                transport.abort()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Wait until ``predicate()`` holds; re-checked after every server event."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(predicate)

    async def wait_peers(self, count: int, timeout: float = 30.0) -> Peer:
        """Wait for the ``count``-th connection ever; return it."""
        await self.wait(lambda: len(self.peers) >= count, timeout)
        return self.peers[count - 1]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- handling ----------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path not in (PUBLIC_PATH, PRIVATE_PATH):
            return self._rest(request)
        self.handshakes.append(dict(request.headers))
        await self._notify()
        endpoint = "private" if request.path == PRIVATE_PATH else "public"
        refusal = self.refuse.get(endpoint)
        if refusal is not None:
            return refusal.response()
        ws = web.WebSocketResponse(autoping=True, max_msg_size=self.max_msg_size)
        await ws.prepare(request)
        peer = Peer(ws, request)
        self.peers.append(peer)
        try:
            if self.greet:
                await peer.send(
                    {
                        "cid": str(uuid.uuid4()),
                        "event": "connected",
                        "time": str(int(time.time() * 1000)),
                    }
                )
            await self._notify()
            if self.on_connect is not None:
                await self.on_connect(peer)
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                peer.received.append(msg.data)
                try:
                    cmd = orjson.loads(msg.data)
                except orjson.JSONDecodeError:
                    cmd = None
                if isinstance(cmd, dict):
                    peer.commands.append(cmd)
                    await self._answer(peer, cmd)
                await self._notify()
        except (ConnectionError, RuntimeError):
            pass  # the client went away mid-send; that is its right
        finally:
            peer.closed = True
            await self._notify()
        return ws

    async def _answer(self, peer: Peer, cmd: dict[str, Any]) -> None:
        if not self.answer_commands:
            return
        if self.reply is not None:
            frames = self.reply(peer, cmd)
        elif "id" in cmd:
            req_id = str(cmd["id"]) if self.id_as_string else cmd["id"]
            frames = [{"result": True, "id": req_id}]
        else:
            frames = []
        for frame in frames:
            await peer.send(frame)

    def _rest(self, request: web.Request) -> web.Response:
        self.rest_requests.append(dict(request.headers))
        answer = self.rest.get(request.path)
        if answer is None and request.path.endswith("/market/time"):
            answer = (200, {"serverTime": int(time.time() * 1000)})
        if answer is None:
            answer = (404, {"code": -1, "msg": "no such path"})
        status, body = answer
        return web.Response(
            status=status, body=orjson.dumps(body), content_type="application/json"
        )


@asynccontextmanager
async def hostile_server() -> AsyncIterator[HostileServer]:
    """A started :class:`HostileServer`, stopped on exit."""
    server = HostileServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
