"""Connection logic on the in-memory transport (weex_events.loopback): keepalive
answers, drops, refused reconnects, the backoff reset, a peer that stops reading,
the reader's yields and slow handlers, with no socket and an injected clock, so
nothing here depends on the machine's speed."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
import pytest

from tests.conftest import expect, zero_backoff
from tests.scripted import ticker_frame
from weex_events import (
    ConnectionEvent,
    SlowConsumerEvent,
    StreamMessage,
    WeexConfig,
    WeexConnectionError,
    WeexWebSocketClient,
)
from weex_events.commands import OUTBOX_SIZE
from weex_events.connection import Connection
from weex_events.errors import WeexError
from weex_events.events import Channel, Endpoint
from weex_events.loopback import Loopback, LoopbackTransport
from weex_events.protocol import DepthUpdate
from weex_events.protocol.v3 import V3Codec

CONFIG = WeexConfig(ws_public_url="ws://memory/v3/ws/public", keepalive_interval=5.0)


async def serve(transport: LoopbackTransport) -> None:
    """Play WEEX's side of one socket: ack every command (WEEX-WS.md §1.4)."""
    while not transport.closed:
        command = orjson.loads(await transport.next_sent())
        if command.get("method") in ("SUBSCRIBE", "UNSUBSCRIBE", "PING"):
            transport.push(orjson.dumps({"result": True, "id": command["id"]}))


class Peer:
    """The server side of a loopback endpoint: every socket opened is served."""

    def __init__(self) -> None:
        self.loopback = Loopback()
        self._tasks: list[asyncio.Task[None]] = []
        self._accepting = asyncio.create_task(self._accept())

    async def _accept(self) -> None:
        while True:
            transport = await self.loopback.accept()
            self._tasks.append(asyncio.create_task(serve(transport)))

    def subscribed(self, index: int) -> list[str]:
        """Channels subscribed on the ``index``-th socket, in order."""
        commands = [orjson.loads(f) for f in self.loopback.transports[index].sent]
        return [
            p for c in commands if c.get("method") == "SUBSCRIBE" for p in c["params"]
        ]

    async def close(self) -> None:
        for task in [self._accepting, *self._tasks]:
            task.cancel()
        await asyncio.gather(self._accepting, *self._tasks, return_exceptions=True)


async def until(predicate: Any, timeout: float = 10.0) -> None:
    """Wait (bounded) until ``predicate()`` holds, yielding to the loop."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def test_server_ping_is_answered_with_pong() -> None:
    """WEEX-WS.md §1.3: every server ping gets {"method":"PONG","id":n}."""
    peer = Peer()
    async with WeexWebSocketClient(
        CONFIG, backoff=zero_backoff, transports=peer.loopback
    ):
        socket = peer.loopback.transports[0]
        socket.push(b'{"event":"ping","time":"1788692250000"}')
        socket.push(b'{"event":"ping","time":"1788692250001"}')
        await until(lambda: sum("PONG" in f for f in socket.sent) == 2)
    await peer.close()
    pongs = [orjson.loads(f) for f in socket.sent if "PONG" in f]
    assert all(isinstance(p["id"], int) for p in pongs)
    assert pongs[0]["id"] != pongs[1]["id"]


async def test_drop_reconnects_and_resubscribes() -> None:
    """An abrupt drop → disconnected, reconnecting, reconnected; channels restored."""
    peer = Peer()
    events: list[ConnectionEvent] = []
    got: list[str] = []
    async with WeexWebSocketClient(
        CONFIG, backoff=zero_backoff, transports=peer.loopback
    ) as client:
        for name in ("disconnected", "reconnecting", "reconnected"):
            client.on(name, events.append)
        client.on("ticker:BTCUSDT", lambda m: got.append(m.data["last"]))
        await client.subscribe("trade", "ETHUSDT")
        await until(lambda: len(peer.subscribed(0)) == 2)
        peer.loopback.transports[0].drop(1006, "connection lost")
        reconnected = await client.wait_for("reconnected", timeout=10)
        await until(lambda: len(peer.subscribed(1)) == 2)
        await client.subscribe("ticker", "BTCUSDT")  # active again: no wait
        peer.loopback.transports[1].push(orjson.dumps(ticker_frame("BTCUSDT", "7")))
        await client.wait_for("ticker:BTCUSDT", timeout=10)
        assert client.is_connected()
        assert client.stats.reconnects == 1
    await peer.close()
    assert [e.event for e in events] == ["disconnected", "reconnecting", "reconnected"]
    assert events[0].reason and events[0].close_code == 1006
    assert events[1].delay == 0.0
    assert reconnected.endpoint.value == "public"
    assert got == ["7"]
    assert sorted(peer.subscribed(0)) == sorted(peer.subscribed(1))
    assert sorted(peer.subscribed(1)) == ["BTCUSDT@ticker", "ETHUSDT@trade"]
    assert len(peer.loopback.transports) == 2


async def test_refused_reconnects_are_each_announced() -> None:
    """Three refused opens: attempts 1–4 are announced, then it recovers."""
    peer = Peer()
    async with WeexWebSocketClient(
        CONFIG, backoff=zero_backoff, transports=peer.loopback
    ) as client:
        attempts: list[int] = []
        client.on("reconnecting", lambda e: attempts.append(e.attempt))
        await client.subscribe("ticker", "BTCUSDT")
        peer.loopback.refuse(
            *(WeexConnectionError("public", "HTTP 503") for _ in range(3))
        )
        peer.loopback.transports[0].drop()
        await client.wait_for("reconnected", timeout=10)
    await peer.close()
    assert attempts == [1, 2, 3, 4]


class Recorder:
    """A connection sink that keeps every lifecycle event."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def deliver(self, msg: StreamMessage) -> None:
        """Data is not looked at here."""

    def deliver_depth(self, update: DepthUpdate) -> None:
        """Depth is not looked at here."""

    def emit(self, event: str, payload: Any) -> None:
        self.events.append(payload)

    def connection_reset(self, channels: Iterable[Channel]) -> None:
        """Books are not kept here."""

    def connection_failed(self, channels: Iterable[Channel], exc: WeexError) -> None:
        self.events.append(exc)


@pytest.mark.parametrize("up_for, expected", [(10.0, [1, 2]), (100.0, [1, 1])])
async def test_backoff_restarts_only_after_a_healthy_period(
    up_for: float, expected: list[int]
) -> None:
    """Two outages: the attempt count continues when the socket stayed up less
    than reset_after (60 s on the injected clock), and starts over otherwise."""
    loopback = Loopback()
    now = [0.0]
    created: list[int] = []

    def factory() -> Iterator[float]:
        created.append(1)
        return itertools.repeat(0.0)

    sink = Recorder()
    conn = Connection(
        endpoint=Endpoint.PUBLIC,
        url="memory://",
        codec=V3Codec(),
        opener=lambda: loopback("memory://", Endpoint.PUBLIC, {}),
        sink=sink,
        backoff_factory=factory,
        max_frame_size=1 << 20,
        reset_after=60.0,
        monotonic=lambda: now[0],
    )
    await conn.start()
    for n in (1, 2):
        now[0] += up_for
        loopback.transports[-1].drop()
        await until(lambda n=n: len(loopback.transports) == n + 1)
    await conn.close()
    attempts = [
        e.attempt
        for e in sink.events
        if isinstance(e, ConnectionEvent) and e.event == "reconnecting"
    ]
    assert attempts == expected


def depth_snapshot(level: int, bid: str) -> bytes:
    """A V3 depth snapshot of BTCUSDT for the ``level`` book (WEEX-WS.md §1.5)."""
    return orjson.dumps(
        {
            "e": "depthSnapshot",
            "E": 1775120226169,
            "s": "BTCUSDT",
            "U": 1,
            "u": 1,
            "l": level,
            "d": "SNAPSHOT",
            "b": [[bid, "1"]],
            "a": [["200", "1"]],
        }
    )


async def test_each_book_says_its_depth_and_streams_see_their_own() -> None:
    """With depth15 and depth200 held, book:SYMBOL handlers get both, each with
    data["depth"]; stream_order_book(level=5) gets only the 15-level book."""
    peer = Peer()
    seen: list[tuple[int, str]] = []
    async with WeexWebSocketClient(
        CONFIG, backoff=zero_backoff, transports=peer.loopback
    ) as client:
        client.on("book:BTCUSDT", lambda m: seen.append((m.data["depth"], m.symbol)))
        await client.subscribe("book", "BTCUSDT", level=200)
        stream = client.stream_order_book("BTCUSDT", level=5)
        first = asyncio.ensure_future(stream.__anext__())
        await until(lambda: len(peer.subscribed(0)) == 2)
        socket = peer.loopback.transports[0]
        socket.push(depth_snapshot(200, "99"))
        socket.push(depth_snapshot(15, "100"))
        msg = await asyncio.wait_for(first, 10)
        await stream.aclose()
    await peer.close()
    assert (msg.data["depth"], msg.data["bids"]) == (15, [("100", "1")])
    assert sorted(seen) == [(15, "BTCUSDT"), (200, "BTCUSDT")]


PING = b'{"event":"ping","time":"1788692250000"}'


async def test_pongs_to_a_peer_that_stops_reading_end_the_socket() -> None:
    """Keepalive answers queue behind a send the peer never takes: once the
    bounded outbox is full the socket is dropped (``disconnected`` says the peer
    is not reading) and a new one opens; the reader kept reading meanwhile."""
    peer = Peer()
    config = CONFIG.replace(keepalive_interval=3600.0)  # only the bound can act
    events: list[ConnectionEvent] = []
    got: list[str] = []
    async with WeexWebSocketClient(
        config, backoff=zero_backoff, transports=peer.loopback
    ) as client:
        client.on("disconnected", events.append)
        client.on("ticker:BTCUSDT", lambda m: got.append(m.data["last"]))
        await client.subscribe("ticker", "BTCUSDT")
        socket = peer.loopback.transports[0]
        socket.stall()
        socket.push(PING)  # its PONG is the send that never completes
        socket.push(orjson.dumps(ticker_frame("BTCUSDT", "8")))
        for _ in range(OUTBOX_SIZE + 1):
            socket.push(PING)
        await client.wait_for("reconnected", timeout=10)
    await peer.close()
    assert got == ["8"]
    assert len(events) == 1 and events[0].reason is not None
    assert "not reading" in events[0].reason and events[0].close_code == 1006


async def test_a_send_past_its_deadline_ends_the_socket() -> None:
    """One PONG the peer does not take within keepalive_interval: the socket is
    dropped and replaced, with the reason in ``disconnected``."""
    peer = Peer()
    config = CONFIG.replace(keepalive_interval=0.2)
    async with WeexWebSocketClient(
        config, backoff=zero_backoff, transports=peer.loopback
    ) as client:
        gone = expect(client, "disconnected")
        back = expect(client, "reconnected")
        await client.subscribe("ticker", "BTCUSDT")
        socket = peer.loopback.transports[0]
        socket.stall()
        socket.push(PING)
        event = await asyncio.wait_for(gone, 30)
        await asyncio.wait_for(back, 30)
    await peer.close()
    assert "within 0.2 s" in (event.reason or "")


class Clock:
    """A wall clock that moves only when told (handlers "take" time with it)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_reader_yields_while_frames_are_buffered() -> None:
    """A sync handler taking 50 ms a message (on the injected clock) with 40
    frames buffered: other tasks run between the messages, not after all."""
    peer = Peer()
    clock = Clock()
    handled: list[int] = []
    seen_by_other: list[int] = []
    async with WeexWebSocketClient(
        CONFIG, backoff=zero_backoff, transports=peer.loopback, clock=clock
    ) as client:

        def slow(msg: StreamMessage) -> None:
            clock.now += 0.05
            handled.append(1)

        client.on("ticker:BTCUSDT", slow)
        await client.subscribe("ticker", "BTCUSDT")
        socket = peer.loopback.transports[0]
        for n in range(40):
            socket.push(orjson.dumps(ticker_frame("BTCUSDT", str(n))))

        async def other() -> None:
            while len(handled) < 40:
                seen_by_other.append(len(handled))
                await asyncio.sleep(0)

        await asyncio.wait_for(other(), 30)
    await peer.close()
    assert any(0 < n < 40 for n in seen_by_other)


async def test_slow_sync_handler_is_reported_once_a_minute() -> None:
    """A sync handler over slow_handler (0.1 s) is named in one warning and one
    ``slow_consumer`` with the time it took; not again within a minute, again
    after it. A fast handler on the same event is never named."""
    peer = Peer()
    clock = Clock()
    reports: list[SlowConsumerEvent] = []

    def slow(msg: StreamMessage) -> None:
        clock.now += 0.25

    def fast(msg: StreamMessage) -> None:
        """Takes no time."""

    async def burst(socket: LoopbackTransport, n: int) -> None:
        for i in range(n):
            socket.push(orjson.dumps(ticker_frame("BTCUSDT", str(i))))
        done = expect(client, "ticker:BTCUSDT", lambda m: m.data["last"] == str(n - 1))
        await asyncio.wait_for(done, 30)

    async with WeexWebSocketClient(
        CONFIG, backoff=zero_backoff, transports=peer.loopback, clock=clock
    ) as client:
        client.on("slow_consumer", reports.append)
        client.on("ticker:BTCUSDT", fast)
        client.on("ticker", slow)
        await client.subscribe("ticker", "BTCUSDT")
        socket = peer.loopback.transports[0]
        await burst(socket, 10)
        assert len(reports) == 1
        clock.now += 30.0
        await burst(socket, 10)
        assert len(reports) == 1
        clock.now += 31.0
        await burst(socket, 10)
    await peer.close()
    assert len(reports) == 2
    assert {r.consumer for r in reports} == {slow.__qualname__}
    assert all(r.seconds is not None and r.seconds >= 0.25 for r in reports)
    assert reports[0].event == "ticker" and reports[0].policy == "report"
