"""A scriptable WEEX-V3-shaped WebSocket server for wire tests.

Unlike the simulator it invents nothing: tests decide every frame it pushes,
whether it acks or rejects, when it pings and when it drops. It speaks just
enough of WEEX-WS.md §1 (greeting, acks echoing ids, PONG bookkeeping) and
records every command it receives.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import WSMsgType, web


@dataclass
class ServerConn:
    ws: web.WebSocketResponse
    request: web.Request
    commands: list[dict[str, Any]] = field(default_factory=list)
    live: set[str] = field(default_factory=set)


class ScriptedServer:
    """Serves ``/v3/ws/public`` and ``/v3/ws/private`` on 127.0.0.1."""

    def __init__(self) -> None:
        self.conns: list[ServerConn] = []
        self.commands: list[dict[str, Any]] = []
        self.subscribe_count: Counter[str] = Counter()
        self.reject: dict[str, str] = {}
        self.auto_ack = True
        self.refuse = False
        self.connects = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v3/ws/public"

    @property
    def private_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v3/ws/private"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/v3/ws/public", self._handle)
        app.router.add_get("/v3/ws/private", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for conn in list(self.conns):
            await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait(self, predicate: Any, timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (re-checked after every server event)."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(predicate)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.refuse:
            return web.Response(status=503)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = ServerConn(ws, request)
        self.conns.append(conn)
        self.connects += 1
        await ws.send_str(
            orjson.dumps(
                {
                    "cid": str(uuid.uuid4()),
                    "event": "connected",
                    "time": "1700000000000",
                }
            ).decode()
        )
        await self._notify()
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                cmd = orjson.loads(msg.data)
                conn.commands.append(cmd)
                self.commands.append(cmd)
                await self._command(conn, cmd)
                await self._notify()
        finally:
            if conn in self.conns:
                self.conns.remove(conn)
            await self._notify()
        return ws

    async def _command(self, conn: ServerConn, cmd: dict[str, Any]) -> None:
        method = cmd.get("method")
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            params = cmd["params"]
            bad = [p for p in params if p in self.reject]
            if bad and method == "SUBSCRIBE":
                reply = {"result": False, "id": cmd["id"], "msg": self.reject[bad[0]]}
            else:
                for param in params:
                    if method == "SUBSCRIBE":
                        conn.live.add(param)
                        self.subscribe_count[param] += 1
                    else:
                        conn.live.discard(param)
                reply = {"result": True, "id": cmd["id"]}
            if self.auto_ack:
                await conn.ws.send_str(orjson.dumps(reply).decode())
        elif method in ("PING", "PONG"):
            await conn.ws.send_str(
                orjson.dumps({"result": True, "id": cmd["id"]}).decode()
            )

    # -- scripting --------------------------------------------------------------

    def live(self) -> set[str]:
        """Params subscribed on any open connection right now."""
        return set().union(*(c.live for c in self.conns)) if self.conns else set()

    async def push(
        self, frame: dict[str, Any] | str | bytes, *, binary: bool = False
    ) -> None:
        """Send ``frame`` to every open connection."""
        if isinstance(frame, dict):
            frame = orjson.dumps(frame).decode()
        for conn in list(self.conns):
            if binary:
                await conn.ws.send_bytes(
                    frame if isinstance(frame, bytes) else frame.encode()
                )
            else:
                await conn.ws.send_str(
                    frame if isinstance(frame, str) else frame.decode()
                )

    async def ping(self, private: bool = False) -> None:
        key = "type" if private else "event"
        await self.push({key: "ping", "time": "1788692250000"})

    def drop(self) -> None:
        """Abort every connection's TCP transport (no close frame)."""
        for conn in list(self.conns):
            transport = conn.request.transport
            if transport is not None:
                transport.abort()

    async def close_all(self, code: int = 1000) -> None:
        for conn in list(self.conns):
            await conn.ws.close(code=code)


def ticker_frame(
    symbol: str, last: str = "100.5", *, event_ms: int = 1775120226169
) -> dict[str, Any]:
    """A V3 ticker push shaped like tests/frames/contract-v3-public-ticker.json."""
    return {
        "e": "ticker",
        "E": event_ms,
        "s": symbol,
        "d": [
            {
                "p": "-1.5",
                "P": "-0.014706",
                "w": "101.2",
                "c": last,
                "o": "102.0",
                "h": "103.0",
                "l": "99.0",
                "v": "1000.5",
                "q": "101000.25",
                "O": 1775033100000,
                "C": 1775119500000,
                "n": 4242,
                "m": last,
                "i": last,
            }
        ],
    }


def trade_frame(symbol: str, *trades: tuple[str, str, bool]) -> dict[str, Any]:
    """A V3 trade push: each trade is (price, size, buyer_is_maker)."""
    return {
        "e": "trade",
        "E": 1775121040010,
        "s": symbol,
        "d": [
            {
                "T": 1775121040002 + i,
                "t": f"trade-{i}",
                "p": p,
                "q": q,
                "v": "1",
                "m": m,
            }
            for i, (p, q, m) in enumerate(trades)
        ],
    }


def depth_frame(
    symbol: str,
    first: int,
    last: int,
    bids: list[list[str]],
    asks: list[list[str]],
    *,
    snapshot: bool = False,
    level: int = 15,
) -> dict[str, Any]:
    """A V3 depth push (snapshot or delta)."""
    return {
        "e": "depthSnapshot" if snapshot else "depth",
        "E": 1775120521971,
        "s": symbol,
        "U": first,
        "u": last,
        "l": level,
        "d": "SNAPSHOT" if snapshot else "CHANGED",
        "b": bids,
        "a": asks,
    }
