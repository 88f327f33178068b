"""Tests for weex_events.transport: the reader's fast receive path on a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from weex_events.transport import (
    TEXT,
    AiohttpTransport,
    BinaryFrame,
    TransportClosed,
    new_session,
)


@pytest.fixture
async def url() -> AsyncIterator[str]:
    """A 127.0.0.1 server sending a text frame, a binary frame, then close 4000."""

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str('{"e":"ticker"}')
        await ws.send_bytes(b"\x00\x01")
        await ws.close(code=4000, message=b"bye")
        return ws

    app = web.Application()
    app.router.add_get("/ws", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"ws://127.0.0.1:{port}/ws"
    finally:
        await runner.cleanup()


async def test_receiver_yields_text_then_translates_the_rest(url: str) -> None:
    """receiver() gives text as bytes; other() makes binary a BinaryFrame and a
    close a TransportClosed with the server's code."""
    async with new_session() as session:
        transport = await AiohttpTransport.open(
            session,
            url,
            endpoint="public",
            headers={},
            keepalive_interval=5.0,
            connect_timeout=5.0,
        )
        receive = transport.receiver()
        async with asyncio.timeout(5):
            text = await receive()
            binary = await receive()
            closing = await receive()
        assert text[0] is TEXT and text[1] == b'{"e":"ticker"}'
        assert binary[0] is not TEXT
        assert transport.other(binary) == BinaryFrame(b"\x00\x01")
        assert closing[0] is not TEXT
        with pytest.raises(TransportClosed) as info:
            transport.other(closing)
        assert info.value.code == 4000
        await transport.close()
