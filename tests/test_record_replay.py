"""Record a live simulator session with the client, replay it, compare (DESIGN §6).

The session runs the simulator at speed 20, so its 20 seconds of simulated
market time take one second of wall time; the recording's times are the wall
times the client saw. It has public channels (ticker, book, trades, klines),
private channels fed by paper orders, and a forced reconnect of both sockets.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import zero_backoff
from weex_events import StreamMessage, WeexRestClient, WeexWebSocketClient
from weex_events.events import Endpoint
from weex_events.recording import read_records
from weex_events.sim import Simulator
from weex_events.transport import AiohttpTransport, Transport

KEY = "rec-key-0042"
SECRET = "rec-s3cr3t-only-for-this-test"
PASSPHRASE = "rec-passphrase-for-this-test"
SPEED = 20.0
SIM_SECONDS = 20.0
WAIT = 60.0  # generous: the machine may be saturated
EVENTS = [
    "ticker:BTCUSDT",
    "book:BTCUSDT",
    "trade:BTCUSDT",
    "kline:ETHUSDT",
    "order",
    "fill",
    "position",
    "account",
]
# The shape of a base64 HMAC-SHA256 (44 characters, one '=' of padding).
SIGNATURE_SHAPE = re.compile(rb"[A-Za-z0-9+/]{43}=")

pytestmark = pytest.mark.weex_sim(
    seed=7, speed=SPEED, api_key=KEY, secret_key=SECRET, passphrase=PASSPHRASE
)

Item = tuple[str, dict[str, Any]]


class Items(list[Item]):
    """Events collected in order, with a wake-up for waiters."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Event()

    def add(self, item: Item) -> None:
        self.append(item)
        self.changed.set()

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait (bounded) for ``predicate`` to hold, re-checking at each event."""
        async with asyncio.timeout(WAIT):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


def collect(client: WeexWebSocketClient, into: Items) -> None:
    """Add every market and private event of :data:`EVENTS` to ``into``."""

    def add(msg: StreamMessage) -> None:
        into.add((msg.event, msg.data))

    for event in EVENTS:
        client.on(event, add)


class SpyTransports:
    """Opens real aiohttp sockets and remembers the handshake headers sent."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.headers: list[dict[str, str]] = []

    async def __call__(
        self, url: str, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> Transport:
        self.headers.append(dict(headers))
        return await AiohttpTransport.open(
            self.http,
            url,
            endpoint=endpoint.value,
            headers=headers,
            keepalive_interval=5.0,
            connect_timeout=10.0,
        )


async def record_session(
    sim: Simulator, path: Path, transports: SpyTransports | None = None
) -> list[Item]:
    """Record a session to ``path``: paper orders and a forced reconnect of both
    endpoints; returns what the live client delivered."""
    config = sim.config()
    live = Items()
    reconnected: list[str] = []
    client = WeexWebSocketClient(
        config, recorder=path, backoff=zero_backoff, transports=transports
    )
    collect(client, live)
    client.on("reconnected", lambda e: reconnected.append(e.endpoint))
    started = time.monotonic()

    def count(kind: str) -> int:
        return sum(1 for event, _ in live if event.split(":")[0] == kind)

    async with client, WeexRestClient(config) as rest:
        await live.until(lambda: count("book") > 0)
        await rest.place_order("BTCUSDT", "buy", "0.010")
        await live.until(lambda: count("fill") >= 1 and count("position") >= 1)
        sim.faults.drop()
        await live.until(lambda: sorted(reconnected) == ["private", "public"])
        books_before = count("book")
        await rest.place_order("BTCUSDT", "sell", "0.010")
        await live.until(lambda: count("fill") >= 2 and count("book") > books_before)
        await live.until(lambda: time.monotonic() - started >= SIM_SECONDS / SPEED)
    return live


async def replay_all(path: Path, **kwargs: Any) -> tuple[list[Item], Any]:
    """Replay ``path`` to the end with the same handlers; (items, stats)."""
    replayed = Items()
    client = WeexWebSocketClient.replay(path, **kwargs)
    collect(client, replayed)
    async with client:
        async with asyncio.timeout(WAIT):
            async for _ in client.stream("ticker:BTCUSDT"):
                pass  # ends when the recording ends
        stats = client.stats
    return replayed, stats


async def test_replay_delivers_exactly_the_recorded_session(
    weex_sim: Simulator, tmp_path: Path
) -> None:
    """Replaying a recorded session (public and private channels, paper orders,
    a forced reconnect) yields the live client's events, item by item."""
    path = tmp_path / "session.ndjson.gz"
    live = await record_session(weex_sim, path)

    records = list(read_records(path))
    opens = [(r.ep, r.conn) for r in records if r.dir == "open"]
    assert sorted(ep for ep, _ in opens) == ["private", "private", "public", "public"]
    assert len({conn for _, conn in opens}) == 4
    drops = [r for r in records if r.dir == "close" and r.code == 1006]
    assert {r.ep for r in drops} == {"public", "private"}
    assert {r.dir for r in records} == {"open", "in", "out", "close"}

    replayed, _ = await replay_all(path)
    kinds = {event.split(":")[0] for event, _ in live}
    assert {"ticker", "book", "trade", "order", "fill", "position"} <= kinds
    assert len(replayed) == len(live)
    for index, (got, want) in enumerate(zip(replayed, live, strict=True)):
        assert got == want, f"item {index} differs"


async def test_replay_reproduces_stats_and_received_at(
    weex_sim: Simulator, tmp_path: Path
) -> None:
    """A replay counts the same messages and reconnects as the live client, and
    its ``received_at`` are the live ones, which the recording holds."""
    path = tmp_path / "session.ndjson"
    client = WeexWebSocketClient(weex_sim.config(), recorder=path)
    live: list[float] = []
    seen = Items()

    def on_ticker(msg: StreamMessage) -> None:
        live.append(msg.received_at)
        seen.add((msg.event, msg.data))

    client.on("ticker:BTCUSDT", on_ticker)
    async with client:
        await seen.until(lambda: len(seen) >= 5)
        weex_sim.faults.drop("public")
        await client.wait_for("reconnected", timeout=WAIT)
        await client.wait_for("ticker:BTCUSDT", timeout=WAIT)
    live_stats = client.stats
    recorded = {r.t for r in read_records(path) if r.dir == "in"}

    replayed: list[float] = []
    replay = WeexWebSocketClient.replay(path)
    replay.on("ticker:BTCUSDT", lambda msg: replayed.append(msg.received_at))
    async with replay:
        async with asyncio.timeout(WAIT):
            async for _ in replay.stream("ticker:BTCUSDT"):
                pass
        stats = replay.stats
    assert stats.messages == live_stats.messages
    assert stats.reconnects == live_stats.reconnects == 1
    assert replayed == live and set(live) <= recorded


async def test_private_recording_holds_no_secret(
    weex_sim: Simulator, tmp_path: Path
) -> None:
    """Every byte of a private session's recording, compressed and not, is free
    of the secret, the passphrase, the key and the signatures the client sent."""
    path = tmp_path / "private.ndjson.gz"
    async with aiohttp.ClientSession() as http:
        spy = SpyTransports(http)
        live = await record_session(weex_sim, path, transports=spy)
    assert any(event == "order:BTCUSDT" for event, _ in live)
    signatures = [h["ACCESS-SIGN"].encode() for h in spy.headers if "ACCESS-SIGN" in h]
    assert len(signatures) >= 2  # the first private connect and the reconnect

    compressed = path.read_bytes()
    plain = gzip.decompress(compressed)
    assert b'"dir":"in"' in plain and b'"ep":"private"' in plain
    for blob in (compressed, plain):
        for secret in (SECRET, PASSPHRASE, KEY):
            assert secret.encode() not in blob
        for signature in signatures:
            assert signature not in blob
    assert SIGNATURE_SHAPE.search(plain) is None
    assert b"ACCESS-" not in plain


async def test_v2_session_replays_item_by_item(
    weex_sim: Simulator, tmp_path: Path
) -> None:
    """A V2 session (replies by channel, not id) with a reconnect replays to the
    same market events."""
    path = tmp_path / "v2.ndjson"
    live = Items()
    client = WeexWebSocketClient(
        weex_sim.config(protocol="v2"), recorder=path, backoff=zero_backoff
    )
    collect(client, live)
    async with client:
        await live.until(lambda: len(live) >= 20)
        weex_sim.faults.drop("public")
        await client.wait_for("reconnected", timeout=WAIT)
        count = len(live)
        await live.until(lambda: len(live) >= count + 20)
    replayed, _ = await replay_all(path)
    assert replayed == live
