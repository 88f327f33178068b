"""Redis going away: restarts lose no private event, bounds hold, stops are loud."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from tests.conftest import zero_backoff
from tests.fanout.conftest import fast_backoff
from tests.fanout.test_consumer_group import trade
from tests.fanout.test_delivery import until
from tests.fanout.test_roundtrip import PRIVATE, Seen, same, trade_once
from tests.redis_server import RedisServer, free_port
from weex_events import ErrorEvent, WeexWebSocketClient
from weex_events.fanout import FanoutError, RedisPublisher, RedisSubscriber, account_id
from weex_events.fanout.entries import encode
from weex_events.sim import Simulator


async def test_redis_restart_loses_no_private_event(
    sim: Simulator, own_server: RedisServer, prefix: str
) -> None:
    """Orders placed while Redis is down reach the subscriber once Redis is back:
    every private event, in order, none twice; market data resumes."""
    config = sim.config()
    client = WeexWebSocketClient(config, backoff=zero_backoff)
    published = Seen()
    for kind in PRIVATE:
        client.on(kind, published.add)
    url = own_server.url
    publisher = RedisPublisher(
        client,
        url,
        events=[*PRIVATE, "ticker:BTCUSDT"],
        prefix=prefix,
        backoff=fast_backoff,
    )
    account = account_id(config.api_key or "")
    subscriber = RedisSubscriber(
        url, prefix=prefix, account=account, start="0", backoff=fast_backoff
    )
    got, tickers = Seen(), Seen()
    async with publisher, client, subscriber:
        for kind in PRIVATE:
            subscriber.on(kind, got.add)
        subscriber.on("ticker:BTCUSDT", tickers.add)
        await trade_once(sim)
        await until(lambda: any(m.kind == "fill" for m in published.items))
        await got.until(lambda: len(got.items) >= len(published.items))
        before = len(published.items)

        own_server.kill()
        await trade_once(sim)
        await trade_once(sim)
        await until(lambda: sum(m.kind == "fill" for m in published.items) >= 3)
        await until(lambda: publisher.pending > 0)  # waiting for Redis
        await until(lambda: not publisher.connected)  # it noticed the outage
        assert len(got.items) == before

        await asyncio.to_thread(own_server.start)
        await got.until(lambda: len(got.items) >= len(published.items))
        ticks = len(tickers.items)
        await tickers.until(lambda: len(tickers.items) > ticks)
    assert [same(m) for m in got.items] == [same(m) for m in published.items]
    fills = [m.data["fill_id"] for m in got.items if m.kind == "fill"]
    assert len(fills) == len(set(fills)) == 3
    assert publisher.reconnects >= 1 and subscriber.reconnects >= 1
    assert publisher.failure is None


async def test_private_backlog_past_its_bound_stops_loudly(sim: Simulator) -> None:
    """With Redis unreachable, private events beyond the bound stop the publisher
    with an error event and FanoutError; none of them is discarded."""
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    client = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    published = Seen()
    for kind in PRIVATE:
        client.on(kind, published.add)
    publisher = RedisPublisher(
        client,
        unreachable,
        events=PRIVATE,
        private_buffer_size=3,
        backoff=fast_backoff,
        close_timeout=0.5,
    )
    errors: list[ErrorEvent] = []
    publisher.on("error", errors.append)
    with pytest.raises(FanoutError) as left:  # the block ended without one
        async with publisher, client:
            await trade_once(sim)
            await until(lambda: len(published.items) > 3)
            with pytest.raises(FanoutError, match="private events waiting"):
                async with asyncio.timeout(60):
                    await publisher.wait_closed()
            assert errors and "fan-out stopped" in errors[0].message
            kept = publisher.unpublished
            assert [same(m) for m in kept] == [
                same(m) for m in published.items[: len(kept)]
            ]
            assert len(kept) == 4  # the bound, plus the one that crossed it
    assert left.value is publisher.failure


async def test_market_backlog_drops_oldest_and_counts(sim: Simulator) -> None:
    """With Redis unreachable, market data waiting is bounded: the oldest entries
    are dropped and counted, the newest kept."""
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    client = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    trades = Seen()
    client.on("trade:BTCUSDT", trades.add)
    publisher = RedisPublisher(
        client,
        unreachable,
        events=["trade:BTCUSDT"],
        buffer_size=10,
        backoff=fast_backoff,
        close_timeout=0.5,
    )
    async with publisher, client:
        await trades.until(lambda: len(trades.items) >= 40)
        assert publisher.pending == 10
        assert publisher.dropped >= len(trades.items) - 10 - 1  # +1: a lifecycle entry
        assert publisher.lag() > 0


async def test_a_stream_opened_while_redis_is_down_times_out_then_works(
    own_server: RedisServer, prefix: str
) -> None:
    """A stream opened while Redis is unreachable raises TimeoutError after
    subscribe_timeout (not a redis error); once Redis is back, a new stream
    of the same subscriber reads."""
    url = own_server.url
    subscriber = RedisSubscriber(
        url, prefix=prefix, start="0", backoff=fast_backoff, subscribe_timeout=0.5
    )
    async with subscriber:
        own_server.kill()
        with pytest.raises(TimeoutError):
            async for _ in subscriber.stream_trades("BTCUSDT"):
                pass
        await asyncio.to_thread(own_server.start)
        await _publish_one_trade(url, f"{prefix}:contract:trade:BTCUSDT")
        async with asyncio.timeout(60):
            while True:  # each try waits subscribe_timeout at most
                stream = subscriber.stream_trades("BTCUSDT")
                try:
                    msg = await anext(stream)
                    break
                except TimeoutError:
                    continue  # the reader had not reconnected yet
                finally:
                    await stream.aclose()
    assert msg.data["trade_id"] == "1"
    assert subscriber.failure is None


async def _publish_one_trade(url: str, key: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        await client.xadd(key, encode(trade(1)))
    finally:
        await client.aclose()
