"""A plain aiohttp WebSocket client for poking at the simulator in tests.

Not the SDK's client (that one is tested against the simulator elsewhere): tests here
must see the raw wire, so this speaks just enough V3 to drive it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from typing import Any

import aiohttp
import orjson

#: Upper bound of every single wait in these tests, in seconds.
WAIT = 3.0


class Probe:
    """One WebSocket connection with a buffer of frames read ahead."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.greeting: dict[str, Any] = {}
        self._buffer: deque[Any] = deque()
        self._ids = itertools.count(10_000)

    async def wire(self, timeout: float = WAIT) -> aiohttp.WSMessage:
        """The next raw message from the socket (no buffering)."""
        async with asyncio.timeout(timeout):
            return await self.ws.receive()

    async def _text(self, timeout: float) -> Any:
        msg = await self.wire(timeout)
        assert msg.type is aiohttp.WSMsgType.TEXT, f"expected a text frame, got {msg}"
        return orjson.loads(msg.data)

    async def recv(self, timeout: float = WAIT) -> Any:
        """The next JSON frame (buffered ones first)."""
        if self._buffer:
            return self._buffer.popleft()
        return await self._text(timeout)

    async def send(self, obj: Any) -> None:
        """Send ``obj`` as a JSON text frame."""
        await self.ws.send_str(orjson.dumps(obj).decode())

    async def request(
        self,
        method: str,
        params: list[str] | None = None,
        command_id: Any = None,
        timeout: float = WAIT,
    ) -> dict[str, Any]:
        """Send a command and return its reply; pushes read meanwhile stay buffered."""
        if command_id is None:
            command_id = next(self._ids)
        command: dict[str, Any] = {"method": method, "id": command_id}
        if params is not None:
            command["params"] = params
        await self.send(command)
        skipped: list[Any] = []
        async with asyncio.timeout(timeout):
            while True:
                frame = await self._text(timeout)
                if (
                    isinstance(frame, dict)
                    and "result" in frame
                    and frame.get("id") == command_id
                ):
                    self._buffer.extend(skipped)
                    return frame
                skipped.append(frame)

    async def barrier(self, timeout: float = WAIT) -> list[Any]:
        """Every frame the server queued before now (a PING round trip marks "now")."""
        command_id = f"barrier-{next(self._ids)}"
        await self.send({"method": "PING", "id": command_id})
        frames = list(self._buffer)
        self._buffer.clear()
        async with asyncio.timeout(timeout):
            while True:
                frame = await self._text(timeout)
                if isinstance(frame, dict) and frame.get("id") == command_id:
                    return frames
                frames.append(frame)

    async def collect(
        self, count: int, event: str | None = None, timeout: float = WAIT
    ) -> list[dict[str, Any]]:
        """The next ``count`` pushes (of type ``event`` if given)."""
        found: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                frame = await self.recv(timeout)
                if (
                    isinstance(frame, dict)
                    and "e" in frame
                    and (event is None or frame["e"] == event)
                ):
                    found.append(frame)
        return found


async def greeted(ws: aiohttp.ClientWebSocketResponse) -> Probe:
    """A probe on ``ws`` that has read the greeting sent on open."""
    probe = Probe(ws)
    probe.greeting = await probe.recv()
    return probe
