"""Publisher → real Redis → subscriber: the same events, in the same order."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any

import orjson

from tests.conftest import zero_backoff
from tests.fanout.conftest import fast_backoff
from weex_events import StreamMessage, WeexRestClient, WeexWebSocketClient
from weex_events.cli import json_line
from weex_events.fanout import RedisPublisher, RedisSubscriber, account_id
from weex_events.sim import Simulator

MARKET = ("ticker:BTCUSDT", "book:BTCUSDT", "trade:BTCUSDT")
PRIVATE = ("order", "fill", "position", "account")


class Seen:
    """Messages by kind, and a bounded wait for a condition on them."""

    def __init__(self) -> None:
        self.items: list[StreamMessage] = []
        self.changed = asyncio.Event()

    def add(self, msg: StreamMessage) -> None:
        self.items.append(msg)
        self.changed.set()

    def of(self, kind: str) -> list[StreamMessage]:
        return [m for m in self.items if m.kind == kind]

    async def until(self, predicate: Callable[[], bool], timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


def same(msg: StreamMessage) -> tuple[Any, ...]:
    """What a subscriber must reproduce exactly (``raw`` aside)."""
    return (msg.event, msg.kind, msg.symbol, msg.data, msg.timestamp, msg.received_at)


async def trade_once(sim: Simulator) -> dict[str, Any]:
    async with WeexRestClient(sim.config()) as rest:
        placed: dict[str, Any] = await rest.place_order("BTCUSDT", "buy", "0.010")
        return placed


async def test_events_arrive_identical_in_this_and_another_process(
    sim: Simulator, redis_url: str, prefix: str
) -> None:
    """Tickers, books, trades and paper-trading events reach a subscriber in this
    process and `tail --redis` in another one, identical and in order."""
    config = sim.config()
    client = WeexWebSocketClient(config, backoff=zero_backoff)
    published = Seen()
    for event in (*MARKET, *PRIVATE):
        client.on(event, published.add)
    publisher = RedisPublisher(
        client, redis_url, events=(*MARKET, *PRIVATE), prefix=prefix
    )
    account = account_id(config.api_key or "")
    subscriber = RedisSubscriber(
        redis_url, prefix=prefix, account=account, start="0", backoff=fast_backoff
    )
    received = Seen()
    # The publisher registers before the client connects: it sees every event.
    async with publisher, client, subscriber:
        for event in (*MARKET, *PRIVATE):
            subscriber.on(event, received.add)
        await published.until(lambda: len(published.of("book")) >= 3)
        await trade_once(sim)
        await published.until(
            lambda: all(published.of(k.split(":")[0]) for k in (*MARKET, *PRIVATE))
        )
        want = list(published.items)
        kinds = ("ticker", "book", "trade", "order", "fill", "position", "account")
        count = {k: sum(m.kind == k for m in want) for k in kinds}
        await received.until(
            lambda: all(len(received.of(k)) >= count[k] for k in kinds)
        )
        # One stream per key: order holds per stream, not across streams.
        for kind in kinds:
            assert [same(m) for m in received.of(kind)[: count[kind]]] == [
                same(m) for m in want if m.kind == kind
            ], kind
        private = [m for m in received.items if m.kind in PRIVATE]
        assert [same(m) for m in private[: sum(count[k] for k in PRIVATE)]] == [
            same(m) for m in want if m.kind in PRIVATE
        ]

    # Another process, once publishing stopped: `weex-events tail --redis` from
    # the beginning sees every trade and private event, identical and in order.
    # (Tickers and books are conflated by a stream that is behind, as reading
    # from the beginning is: the exact comparison above covers them.)
    wanted = [m for m in published.items if m.kind == "trade" or m.kind in PRIVATE]
    env = dict(os.environ, WEEX_API_KEY=config.api_key or "")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "weex_events", "tail", "--redis", redis_url,
        "--prefix", prefix, "--start", "0", "--count", str(len(wanted)),
        "trade:BTCUSDT", *PRIVATE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    async with asyncio.timeout(120):
        out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    lines = [orjson.loads(line) for line in out.splitlines()]
    for kind in ("trade", *PRIVATE):
        assert [x for x in lines if x["kind"] == kind] == [
            orjson.loads(json_line(m, 0)) for m in wanted if m.kind == kind
        ], kind
