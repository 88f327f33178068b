"""Snapshot deadlines: a book resubscribed but never sent a snapshot is asked
again with doubling deadlines, then its connection is replaced; deltas with no
snapshot under them are not book liveness. Pure decisions first
(BookKeeper.overdue, no event loop), then the client on the loopback transport
with an injected clock."""

from __future__ import annotations

import asyncio

import orjson

from tests.conftest import expect, zero_backoff
from tests.scripted import depth_frame
from tests.test_connection import CONFIG, Peer
from weex_events import ConnectionEvent, ResyncEvent, StaleEvent, WeexWebSocketClient
from weex_events.bookkeeper import BookKeeper
from weex_events.events import Channel
from weex_events.protocol import DepthUpdate

BOOK15 = Channel("book", "BTCUSDT", "15")


def keeper() -> BookKeeper:
    """A keeper holding the BTCUSDT 15-level book."""
    books = BookKeeper(str, lambda msg: None, lambda ch, why, detail: None)
    books.track(BOOK15, 15)
    return books


def test_a_book_without_snapshot_is_asked_again_then_reconnected() -> None:
    """Deadlines T, 2T, 4T from each request: resync, resync, reconnect."""
    books = keeper()
    assert books.overdue([BOOK15], 100.0, 10.0) == []  # the wait starts here
    assert books.overdue([BOOK15], 110.0, 10.0) == []
    assert books.overdue([BOOK15], 110.1, 10.0) == [(BOOK15, "resync", 1)]
    assert books.overdue([BOOK15], 130.0, 10.0) == []
    assert books.overdue([BOOK15], 130.2, 10.0) == [(BOOK15, "resync", 2)]
    assert books.overdue([BOOK15], 170.0, 10.0) == []
    assert books.overdue([BOOK15], 170.3, 10.0) == [(BOOK15, "reconnect", 3)]
    # After the reconnect the deadline starts over.
    assert books.overdue([BOOK15], 170.4, 10.0) == []
    assert books.overdue([BOOK15], 180.5, 10.0) == [(BOOK15, "resync", 1)]


def test_a_snapshot_or_an_unsubscribed_channel_stops_the_clock() -> None:
    """A valid book is never overdue; a channel not subscribed (its socket is
    down) is not counted; a lost socket restarts the wait."""
    books = keeper()
    assert books.overdue([], 0.0, 1.0) == []
    assert books.overdue([], 50.0, 1.0) == []  # never seen subscribed: no clock
    books.overdue([BOOK15], 50.0, 1.0)
    books.reset([BOOK15])
    assert books.overdue([BOOK15], 51.5, 1.0) == []  # restarted at 51.5
    snap = DepthUpdate("BTCUSDT", 15, True, 1, 1, [("100", "1")], [("101", "1")],
                       5.0, 6.0, {})  # fmt: skip
    books.apply(snap)
    assert books.advanced(snap)
    assert books.overdue([BOOK15], 99.0, 1.0) == []


class Clock:
    """A wall clock that moves only when the test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def delta(first: int) -> bytes:
    return orjson.dumps(
        depth_frame("BTCUSDT", first, first + 1, [["99", "2"]], [["101", "2"]])
    )


def subscribes(peer: Peer, index: int) -> int:
    """SUBSCRIBE commands for the book on the ``index``-th socket."""
    sent = [orjson.loads(f) for f in peer.loopback.transports[index].sent]
    return sum(
        1
        for c in sent
        if c.get("method") == "SUBSCRIBE" and "BTCUSDT@depth15" in c["params"]
    )


async def test_resubscribed_book_without_snapshot_recovers() -> None:
    """Deltas but no snapshot: after snapshot_timeout a resync (reason
    ``snapshot_timeout``) and a new SUBSCRIBE; after two, a new connection; a
    snapshot there publishes the book."""
    peer = Peer()
    clock = Clock()
    config = CONFIG.replace(snapshot_timeout=0.4)
    resyncs: list[ResyncEvent] = []
    async with WeexWebSocketClient(
        config, backoff=zero_backoff, transports=peer.loopback, clock=clock
    ) as client:
        client.on("resync", resyncs.append)
        gone = expect(client, "disconnected")
        back = expect(client, "reconnected")
        book = expect(client, "book:BTCUSDT")
        await client.subscribe("book", "BTCUSDT", level=15)
        socket = peer.loopback.transports[0]
        frame = 1
        async with asyncio.timeout(60):
            while not gone.done():
                socket.push(delta(frame))
                frame += 1
                clock.now += 0.1
                await asyncio.sleep(0.02)
        event: ConnectionEvent = gone.result()
        await asyncio.wait_for(back, 30)
        async with asyncio.timeout(30):
            while subscribes(peer, 1) < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # let the ack land before the snapshot
        peer.loopback.transports[1].push(
            orjson.dumps(
                depth_frame(
                    "BTCUSDT", 5, 5, [["99", "1"]], [["101", "1"]], snapshot=True
                )
            )
        )
        msg = await asyncio.wait_for(book, 30)
    await peer.close()
    timeouts = [r for r in resyncs if r.reason == "snapshot_timeout"]
    assert len(timeouts) == 2
    # The first; the resync of the first delta (no snapshot under it); two
    # asked again past the deadline.
    assert subscribes(peer, 0) == 4
    assert "no snapshot" in (event.reason or "")
    assert msg.data["bids"] == [("99", "1")]


async def test_deltas_without_snapshot_do_not_hide_a_dead_book() -> None:
    """stale_after covers books: deltas on a book that never had its snapshot
    do not count as data, so the silence is reported."""
    peer = Peer()
    clock = Clock()
    config = CONFIG.replace(stale_after={"book": 0.4}, snapshot_timeout=3600.0)
    async with WeexWebSocketClient(
        config, backoff=zero_backoff, transports=peer.loopback, clock=clock
    ) as client:
        stale = expect(client, "stale")
        await client.subscribe("book", "BTCUSDT", level=15)
        socket = peer.loopback.transports[0]
        frame = 1
        async with asyncio.timeout(60):
            while not stale.done():
                socket.push(delta(frame))
                frame += 1
                clock.now += 0.1
                await asyncio.sleep(0.02)
        event: StaleEvent = stale.result()
    await peer.close()
    assert event.channel == BOOK15
