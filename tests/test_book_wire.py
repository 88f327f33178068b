"""Order books over the wire: snapshot + deltas, gaps, resync, reconnect."""

from __future__ import annotations

import asyncio

from tests.conftest import zero_backoff
from tests.scripted import ScriptedServer, depth_frame
from weex_events import ResyncEvent, StreamMessage, WeexConfig, WeexWebSocketClient

BIDS = [["100.0", "1"], ["99.9", "2"], ["99.8", "3"], ["99.7", "4"], ["99.6", "5"]]
ASKS = [["100.1", "1"], ["100.2", "2"], ["100.3", "3"], ["100.4", "4"], ["100.5", "5"]]


def subscribes(server: ScriptedServer, param: str) -> int:
    return sum(
        c.get("method") == "SUBSCRIBE" and param in c["params"] for c in server.commands
    )


async def test_stream_order_book_applies_deltas_and_cuts_levels(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """Snapshot then a delta give books cut to `level`, best first, exact text."""
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        books: list[StreamMessage] = []

        first_read = asyncio.Event()

        async def consume() -> None:
            async for msg in client.stream_order_book("BTCUSDT", level=3):
                books.append(msg)
                first_read.set()
                if len(books) == 2:
                    return

        task = asyncio.create_task(consume())
        await scripted.wait(lambda: "BTCUSDT@depth15" in scripted.live())
        await scripted.push(depth_frame("BTCUSDT", 10, 20, BIDS, ASKS, snapshot=True))
        # The snapshot is read before the delta is sent (books conflate otherwise).
        async with asyncio.timeout(30):
            await first_read.wait()
        await scripted.push(
            depth_frame("BTCUSDT", 20, 21, [["100.0", "0"], ["100.05", "7"]], [])
        )
        async with asyncio.timeout(30):
            await task
    first, second = books
    assert first.event == "book:BTCUSDT"
    assert first.data["bids"] == [("100.0", "1"), ("99.9", "2"), ("99.8", "3")]
    assert first.data["asks"] == [("100.1", "1"), ("100.2", "2"), ("100.3", "3")]
    assert first.data["version"] == 20
    assert second.data["bids"][:2] == [("100.05", "7"), ("99.9", "2")]
    assert second.data["version"] == 21


async def test_gap_and_repeat_each_resync_once(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A skipped and a repeated version each cause one resync, no book from the
    invalid state, and a correct book after the fresh snapshot."""
    resyncs: list[ResyncEvent] = []
    books: list[StreamMessage] = []
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        client.on("resync", resyncs.append)
        client.on("book:ETHUSDT", books.append)
        await scripted.wait(lambda: "ETHUSDT@depth15" in scripted.live())
        await scripted.push(depth_frame("ETHUSDT", 1, 5, BIDS, ASKS, snapshot=True))
        await scripted.push(depth_frame("ETHUSDT", 6, 7, [["99.9", "9"]], []))  # skip
        await scripted.push(
            depth_frame("ETHUSDT", 7, 8, [["99.9", "8"]], [])
        )  # ignored
        await scripted.wait(lambda: subscribes(scripted, "ETHUSDT@depth15") == 2)
        assert len(books) == 1 and len(resyncs) == 1
        assert resyncs[0].reason == "gap" and resyncs[0].symbol == "ETHUSDT"
        await scripted.push(depth_frame("ETHUSDT", 30, 40, BIDS, ASKS, snapshot=True))
        await scripted.push(depth_frame("ETHUSDT", 40, 41, [["99.9", "6"]], []))
        await scripted.push(
            depth_frame("ETHUSDT", 40, 41, [["99.9", "6"]], [])
        )  # repeat
        await scripted.wait(lambda: subscribes(scripted, "ETHUSDT@depth15") == 3)
        await scripted.push(depth_frame("ETHUSDT", 50, 60, BIDS, ASKS, snapshot=True))
        await client.wait_for(
            "book:ETHUSDT", predicate=lambda m: m.data["version"] == 60, timeout=5
        )
        assert client.stats.resyncs == 2
    assert [r.reason for r in resyncs] == ["gap", "gap"]
    assert [b.data["version"] for b in books] == [5, 40, 41, 60]
    assert books[2].data["bids"][1] == ("99.9", "6")
    assert books[3].data["bids"] == [tuple(level) for level in BIDS]


async def test_delta_before_snapshot_resyncs(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A delta with no snapshot before it is a gap: resync, no book event."""
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        client.on("book:BTCUSDT", lambda m: None)
        await scripted.wait(lambda: "BTCUSDT@depth15" in scripted.live())
        waiter = asyncio.create_task(client.wait_for("resync", timeout=5))
        await asyncio.sleep(0)
        await scripted.push(depth_frame("BTCUSDT", 3, 4, BIDS, ASKS))
        resync = await waiter
    assert resync.reason == "no_snapshot"


async def test_reconnect_resyncs_book(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A lost socket invalidates books (resync 'reconnect') until a new snapshot."""
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        versions: list[int] = []
        client.on("book:BTCUSDT", lambda m: versions.append(m.data["version"]))
        await scripted.wait(lambda: "BTCUSDT@depth15" in scripted.live())
        await scripted.push(depth_frame("BTCUSDT", 1, 2, BIDS, ASKS, snapshot=True))
        await client.wait_for("book:BTCUSDT", timeout=5)
        resync = asyncio.create_task(client.wait_for("resync", timeout=5))
        await asyncio.sleep(0)
        scripted.drop()
        assert (await resync).reason == "reconnect"
        await scripted.wait(lambda: "BTCUSDT@depth15" in scripted.live())
        await scripted.push(depth_frame("BTCUSDT", 2, 3, [["99.9", "1"]], []))  # stale
        await scripted.push(depth_frame("BTCUSDT", 9, 10, BIDS, ASKS, snapshot=True))
        await client.wait_for("book:BTCUSDT", timeout=5)
    assert versions == [2, 10]


async def test_level_200_uses_depth200(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """stream_order_book(level=50) subscribes to the 200-level channel."""
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        stream = client.stream_order_book("SOLUSDT", level=50)
        task = asyncio.create_task(anext(stream))
        await scripted.wait(lambda: "SOLUSDT@depth200" in scripted.live())
        bids = [[f"{100 - i / 10:.1f}", "1"] for i in range(60)]
        asks = [[f"{101 + i / 10:.1f}", "1"] for i in range(60)]
        await scripted.push(
            depth_frame("SOLUSDT", 1, 2, bids, asks, snapshot=True, level=200)
        )
        async with asyncio.timeout(5):
            msg = await task
        await stream.aclose()
    assert len(msg.data["bids"]) == 50 and len(msg.data["asks"]) == 50


async def test_slow_book_stream_never_gets_a_book_from_before_a_gap(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A book stream read between a gap and the fresh snapshot waits for the
    snapshot's book instead of getting the one it had queued before the gap."""
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        stream = client.stream_order_book("BTCUSDT", level=3)
        first = asyncio.create_task(anext(stream))
        await scripted.wait(lambda: "BTCUSDT@depth15" in scripted.live())
        await scripted.push(depth_frame("BTCUSDT", 10, 20, BIDS, ASKS, snapshot=True))
        async with asyncio.timeout(5):
            assert (await first).data["version"] == 20
        books: list[StreamMessage] = []
        client.on("book:BTCUSDT", books.append)  # a handler sees every book
        await scripted.push(depth_frame("BTCUSDT", 20, 21, [["99.9", "7"]], []))
        await scripted.push(depth_frame("BTCUSDT", 21, 22, [["99.9", "8"]], []))
        await client.wait_for(
            "book:BTCUSDT", predicate=lambda m: m.data["version"] == 22, timeout=5
        )
        assert stream.pending == 1  # the two deltas, conflated
        await scripted.push(depth_frame("BTCUSDT", 30, 31, [["99.9", "9"]], []))  # gap
        await scripted.wait(lambda: subscribes(scripted, "BTCUSDT@depth15") == 2)
        conflated = stream.conflated
        second = asyncio.create_task(anext(stream))  # read while the book is invalid
        async with asyncio.timeout(5):
            while stream.pending:  # noqa: ASYNC110
                await asyncio.sleep(0)
        assert not second.done()  # the queued book is from before the gap: skipped
        assert stream.conflated == conflated + 1
        await scripted.push(depth_frame("BTCUSDT", 40, 50, BIDS, ASKS, snapshot=True))
        async with asyncio.timeout(5):
            msg = await second
        await stream.aclose()
    assert msg.data["version"] == 50
    assert msg.data["bids"] == [tuple(level) for level in BIDS[:3]]
    assert [b.data["version"] for b in books] == [21, 22, 50]
