"""Connections against a misbehaving server (tests/hostile.py) on 127.0.0.1: a
peer that stops reading, private pushes where they do not belong."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import orjson

from tests.conftest import expect, within, zero_backoff
from tests.hostile import Peer, hostile_server
from weex_events import ConnectionEvent, ErrorEvent, WeexConfig, WeexWebSocketClient

FRAMES = Path(__file__).parent / "frames"
ORDERS = (FRAMES / "contract-v3-private-orders.json").read_bytes()


async def flood_pings(peer: Peer, stop: asyncio.Event) -> None:
    """JSON pings (WEEX-WS.md §1.3) as fast as the socket takes them."""
    ping = orjson.dumps({"event": "ping", "time": "1776078750000"}).decode()
    while not stop.is_set() and not peer.closed:
        try:
            for _ in range(100):
                await peer.ws.send_str(ping)
        except (ConnectionError, RuntimeError):
            return
        await asyncio.sleep(0)


async def test_peer_that_stops_reading_is_dropped_and_replaced() -> None:
    """A server that floods JSON pings and never reads: the PONGs back up, the
    send deadline (keepalive_interval) passes, ``disconnected`` says the peer is
    not reading, and a new socket replaces it; the read loop never froze."""
    async with hostile_server() as server:
        config = WeexConfig(ws_public_url=server.url, keepalive_interval=1.0)
        async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
            gone = expect(client, "disconnected")
            back = expect(client, "reconnected")
            peer = await server.wait_peers(1)
            sock = peer.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            peer.stop_reading()
            stop = asyncio.Event()
            flood = asyncio.create_task(flood_pings(peer, stop))
            try:
                event: ConnectionEvent = await within(gone, 120)
            finally:
                stop.set()
                await flood
            await within(back, 60)
            assert client.is_connected()
        assert event.reason is not None and "not reading" in event.reason
        assert len(server.peers) >= 2


async def test_private_push_on_the_public_socket_is_an_error() -> None:
    """An ``orders`` push on the public endpoint is refused (``error``, never an
    ``order`` event); the same push on the private endpoint is delivered."""
    async with hostile_server() as server:
        config = WeexConfig(
            ws_public_url=server.url,
            ws_private_url=server.private_url,
            rest_url=server.rest_url,
            api_key="key-for-tests",
            secret_key="secret-for-tests",
            passphrase="passphrase-for-tests",
        )
        async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
            orders: list[Any] = []
            client.on("order", orders.append)
            await client.subscribe("order")
            public = next(p for p in server.peers if not p.private)
            private = next(p for p in server.peers if p.private)
            refused = expect(client, "error", lambda e: e.source == "decode")
            await public.send(ORDERS)
            error: ErrorEvent = await within(refused, 30)
            delivered = expect(client, "order")
            await private.send(ORDERS)
            await within(delivered, 30)
        assert "private" in error.message
        assert len(orders) == 1
