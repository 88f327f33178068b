"""What subscribers get from a real server: the current book, trimmed streams,
work shared in a consumer group, reading from a time."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import redis.asyncio as aioredis

from tests.conftest import zero_backoff
from tests.fanout.test_roundtrip import Seen, same
from weex_events import StreamMessage, WeexWebSocketClient
from weex_events.fanout import RedisPublisher, RedisSubscriber
from weex_events.sim import Simulator


async def until(predicate: Any, timeout: float = 60) -> None:
    """Poll ``predicate`` (a cheap check) until true, within ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 (polling a condition)
            await asyncio.sleep(0.02)


async def publish_trades(
    sim: Simulator, redis_url: str, prefix: str, n: int, **options: Any
) -> tuple[list[StreamMessage], RedisPublisher]:
    """Publish at least ``n`` BTCUSDT trades, then stop; return them in order."""
    client = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    seen = Seen()
    client.on("trade:BTCUSDT", seen.add)
    publisher = RedisPublisher(
        client, redis_url, events=["trade:BTCUSDT"], prefix=prefix, **options
    )
    async with publisher, client:
        await seen.until(lambda: len(seen.items) >= n)
    return seen.items, publisher


async def test_late_subscriber_gets_the_current_book_first(
    sim: Simulator, redis_url: str, prefix: str
) -> None:
    """A subscriber joining at the live end gets the last book entry: the book now."""
    client = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    books = Seen()
    client.on("book:BTCUSDT", books.add)
    publisher = RedisPublisher(
        client, redis_url, events=["book:BTCUSDT"], prefix=prefix
    )
    async with publisher, client:
        await books.until(lambda: len(books.items) >= 3)
        sim.pause()
        # The market is frozen: wait until the last book the client saw is in Redis.
        await until(lambda: publisher.pending == 0 and publisher.lag() == 0.0)
        current = books.items[-1]
        async with RedisSubscriber(redis_url, prefix=prefix) as late:
            first = await late.wait_for("book:BTCUSDT", timeout=30)
            assert same(first) == same(current)
            async for top in late.stream_order_book("BTCUSDT", level=5):
                assert top.data["bids"] == current.data["bids"][:5]
                assert top.data["asks"] == current.data["asks"][:5]
                break


async def test_streams_are_trimmed_near_maxlen(
    sim: Simulator, redis_url: str, prefix: str
) -> None:
    """With MAXLEN ~ 20, a stream that received hundreds of entries stays short."""
    trades, publisher = await publish_trades(sim, redis_url, prefix, 600, maxlen=20)
    key = f"{prefix}:contract:trade:BTCUSDT"
    assert publisher.published[key] == len(trades)
    redis = aioredis.Redis.from_url(redis_url)
    try:
        length = await redis.xlen(key)
    finally:
        await redis.aclose()
    # Approximate trimming removes whole nodes (100 entries by default).
    assert 20 <= length <= 20 + 150 < len(trades)


async def test_consumer_group_shares_work_and_acks_every_entry_once(
    sim: Simulator, redis_url: str, prefix: str
) -> None:
    """Two consumers of one group split the entries: each delivered to exactly one,
    all delivered, none left pending."""
    trades, _ = await publish_trades(sim, redis_url, prefix, 300)
    options: dict[str, Any] = {"prefix": prefix, "start": "0", "group": "workers"}
    a = RedisSubscriber(redis_url, consumer="a", count=10, **options)
    b = RedisSubscriber(redis_url, consumer="b", count=10, **options)
    got_a, got_b = Seen(), Seen()
    async with a, b:
        a.on("trade:BTCUSDT", got_a.add)
        b.on("trade:BTCUSDT", got_b.add)
        await until(lambda: len(got_a.items) + len(got_b.items) >= len(trades))
        redis = aioredis.Redis.from_url(redis_url)
        try:
            key = f"{prefix}:contract:trade:BTCUSDT"
            async with asyncio.timeout(60):
                while (await redis.xpending(key, "workers"))["pending"]:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            await redis.aclose()
    ids_a = [m.data["trade_id"] for m in got_a.items]
    ids_b = [m.data["trade_id"] for m in got_b.items]
    assert ids_a and ids_b, "both consumers got work"
    assert not set(ids_a) & set(ids_b)
    assert sorted(ids_a + ids_b) == sorted(m.data["trade_id"] for m in trades)
    # Each consumer still sees its share in stream order.
    order = {m.data["trade_id"]: i for i, m in enumerate(trades)}
    assert [order[i] for i in ids_a] == sorted(order[i] for i in ids_a)


async def test_reading_from_a_time_skips_older_entries(
    sim: Simulator, redis_url: str, prefix: str
) -> None:
    """start=<time> delivers the entries published from that time on, in order."""
    trades, _ = await publish_trades(sim, redis_url, prefix, 200)
    redis = aioredis.Redis.from_url(redis_url)
    try:
        entries = await redis.xrange(f"{prefix}:contract:trade:BTCUSDT")
    finally:
        await redis.aclose()
    middle = entries[len(entries) // 2][0].decode()
    since = int(middle.split("-")[0]) / 1000
    expected = [e for e in entries if int(e[0].decode().split("-")[0]) >= since * 1000]
    got = Seen()
    async with RedisSubscriber(redis_url, prefix=prefix, start=since) as sub:
        sub.on("trade:BTCUSDT", got.add)
        await got.until(lambda: len(got.items) >= len(expected))
    by_id = {m.data["trade_id"]: m for m in trades}
    assert [same(m) for m in got.items] == [
        same(by_id[orjson.loads(fields[b"data"])["trade_id"]]) for _, fields in expected
    ]


async def test_handler_registered_again_carries_on_without_replay(
    sim: Simulator, redis_url: str, prefix: str
) -> None:
    """Removing the last handler of a stream and registering one again continues
    after the last entry delivered: nothing replayed, nothing skipped."""
    trades, _ = await publish_trades(sim, redis_url, prefix, 100)
    first, second = Seen(), Seen()
    async with RedisSubscriber(redis_url, prefix=prefix, start="0", count=10) as sub:

        def take_fifteen(msg: StreamMessage) -> None:
            first.add(msg)
            if len(first.items) == 15:
                sub.off("trade:BTCUSDT", take_fifteen)

        sub.on("trade:BTCUSDT", take_fifteen)
        await first.until(lambda: len(first.items) == 15)
        sub.on("trade:BTCUSDT", second.add)
        await second.until(lambda: len(first.items + second.items) >= len(trades))
    assert [same(m) for m in first.items + second.items] == [same(m) for m in trades]
