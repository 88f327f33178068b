"""Bounded queues: conflation, drop-oldest, never-drop for private data."""

from __future__ import annotations

import asyncio

from tests.conftest import expect, within, zero_backoff
from tests.scripted import ScriptedServer, ticker_frame, trade_frame
from weex_events import (
    SlowConsumerEvent,
    StreamMessage,
    WeexConfig,
    WeexWebSocketClient,
)
from weex_events.queues import MessageQueue


def message(kind: str, symbol: str | None, n: int) -> StreamMessage:
    event = f"{kind}:{symbol}" if symbol else kind
    return StreamMessage(event, kind, symbol, {"n": n}, 0.0, 0.0, None)


def test_private_messages_are_never_dropped() -> None:
    """A full queue keeps every private item and reports slow_consumer once."""
    slow: list[SlowConsumerEvent] = []
    queue = MessageQueue(3, "orders", slow.append)
    for n in range(10):
        queue.put(message("order", "BTCUSDT", n))
    assert len(queue) == 10 and queue.dropped == 0
    assert [queue.get_nowait().data["n"] for _ in range(10)] == list(range(10))
    assert len(slow) == 1 and slow[0].policy == "keep" and slow[0].pending == 4


def test_market_data_drops_oldest_but_spares_private() -> None:
    """In a mixed queue, overflow drops the oldest market item, never an order."""
    queue = MessageQueue(3, "mixed")
    queue.put(message("order", None, 0))
    for n in range(1, 6):
        queue.put(message("trade", "BTCUSDT", n))
    kept = [queue.get_nowait() for _ in range(len(queue))]
    assert [(m.kind, m.data["n"]) for m in kept] == [
        ("order", 0),
        ("trade", 4),
        ("trade", 5),
    ]
    assert queue.dropped == 3


def test_tickers_conflate_per_symbol_keeping_order() -> None:
    """Pending tickers are replaced by the latest for the same symbol."""
    queue = MessageQueue(100, "tickers")
    for n in range(5):
        queue.put(message("ticker", "BTCUSDT", n))
        queue.put(message("ticker", "ETHUSDT", 10 + n))
    got = [queue.get_nowait() for _ in range(len(queue))]
    assert [(m.symbol, m.data["n"]) for m in got] == [("BTCUSDT", 4), ("ETHUSDT", 14)]
    assert queue.conflated == 8 and queue.dropped == 0


async def test_stalled_stream_gets_latest_ticker_only(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A stream not read while 50 tickers arrive yields just the latest one."""
    async with WeexWebSocketClient(scripted_config, backoff=zero_backoff) as client:
        stream = client.stream_tickers(["BTCUSDT"])
        first = asyncio.create_task(anext(stream))
        await scripted.wait(lambda: "BTCUSDT@ticker" in scripted.live())
        await scripted.push(ticker_frame("BTCUSDT", "0"))
        async with asyncio.timeout(5):
            await first
        last = expect(client, "ticker", lambda m: m.data["last"] == "50")
        for n in range(1, 51):
            await scripted.push(ticker_frame("BTCUSDT", str(n)))
        await within(last)
        latest = await anext(stream)
        assert latest.data["last"] == "50"
        assert stream.pending == 0 and stream.conflated == 49
        assert sum(client.stats.conflated.values()) == 49
        await stream.aclose()


async def test_slow_stream_drops_oldest_trades_and_says_so(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A full trade stream drops the oldest, counts drops and emits slow_consumer."""
    config = scripted_config.replace(queue_size=10)
    slow: list[SlowConsumerEvent] = []
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        client.on("slow_consumer", slow.append)
        stream = client.stream_trades("BTCUSDT")
        first = asyncio.create_task(anext(stream))
        await scripted.wait(lambda: "BTCUSDT@trade" in scripted.live())
        await scripted.push(trade_frame("BTCUSDT", ("0", "1", False)))
        async with asyncio.timeout(5):
            await first
        last = expect(client, "trade", lambda m: m.data["price"] == "29")
        await scripted.push(
            trade_frame("BTCUSDT", *[(str(n), "1", False) for n in range(30)])
        )
        await within(last)
        prices = [(await anext(stream)).data["price"] for _ in range(10)]
        assert prices == [str(n) for n in range(20, 30)]
        assert stream.dropped == 20
        assert client.stats.dropped == {stream.name: 20}
        await stream.aclose()
        assert client.stats.dropped == {stream.name: 20}  # kept after it closed
    assert len(slow) == 1
    assert slow[0].policy == "drop_oldest" and slow[0].consumer == stream.name


async def test_slow_async_handler_is_bounded(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A hung async handler holds at most queue_size trades; others are unaffected."""
    config = scripted_config.replace(queue_size=5)
    release = asyncio.Event()
    fast: list[str] = []

    async def hung(msg: StreamMessage) -> None:
        await release.wait()

    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        client.on("trade:BTCUSDT", hung)
        client.on("trade:BTCUSDT", lambda m: fast.append(m.data["price"]))
        await scripted.wait(lambda: "BTCUSDT@trade" in scripted.live())
        last = expect(client, "trade", lambda m: m.data["price"] == "39")
        await scripted.push(
            trade_frame("BTCUSDT", *[(str(n), "1", False) for n in range(40)])
        )
        await within(last)
        assert len(fast) == 40
        stats = client.stats
        ((name, dropped),) = stats.dropped.items()
        assert "hung" in name and dropped >= 34
        release.set()
