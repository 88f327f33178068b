"""Consumer groups: what a dead consumer left pending is claimed (XAUTOCLAIM),
delivered and acknowledged by another; what is merely recent is left alone.

A dead consumer is a raw ``XREADGROUP`` that never acknowledges. How long its
entries have been pending is set on the server with ``XCLAIM ... IDLE`` (to
the same consumer) rather than waited for, and the claim schedule runs on an
injected clock, so no test waits for ``claim_idle`` to pass.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from tests.fanout.test_roundtrip import Seen
from weex_events import StreamMessage
from weex_events.errors import ConfigError
from weex_events.fanout import RedisSubscriber
from weex_events.fanout.consumer_group import ClaimSchedule
from weex_events.fanout.entries import encode
from weex_events.metrics import ClientCollector

GROUP = "workers"
HOUR_MS = 3_600_000


def trade(i: int) -> StreamMessage:
    data = {"symbol": "BTCUSDT", "trade_id": str(i), "price": "100.5", "side": "buy"}
    return StreamMessage(
        "trade:BTCUSDT", "trade", "BTCUSDT", data, 1.7e9 + i, 1.7e9 + i, None
    )


@pytest.fixture
def key(prefix: str) -> str:
    return f"{prefix}:contract:trade:BTCUSDT"


@pytest.fixture
async def redis(redis_url: str, key: str) -> AsyncIterator[Any]:
    """A raw client, with the group created on ``key`` from its beginning."""
    client = aioredis.Redis.from_url(redis_url)
    await client.xgroup_create(key, GROUP, "0", mkstream=True)
    try:
        yield client
    finally:
        await client.aclose()


async def publish(redis: Any, key: str, numbers: range) -> None:
    for i in numbers:
        await redis.xadd(key, encode(trade(i)))


async def read_and_die(
    redis: Any, key: str, count: int, consumer: str = "a"
) -> list[bytes]:
    """Read ``count`` new entries as ``consumer``, which never acknowledges."""
    reply = await redis.xreadgroup(GROUP, consumer, {key: ">"}, count=count)
    ids = [entry_id for entry_id, _ in reply[0][1]]
    assert len(ids) == count
    return ids


async def age(redis: Any, key: str, ids: list[bytes], consumer: str = "a") -> None:
    """Make entries pending on ``consumer`` look idle for an hour (owner kept)."""
    await redis.xclaim(key, GROUP, consumer, 0, ids, idle=HOUR_MS, justid=True)


async def pending_on(redis: Any, key: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await redis.xpending_range(key, GROUP, "-", "+", 1000)
    return rows


async def until_pending(redis: Any, key: str, consumers: set[str]) -> None:
    """Wait (bounded) until entries are pending on exactly ``consumers``."""
    async with asyncio.timeout(60):
        while True:
            rows = await pending_on(redis, key)
            if {row["consumer"].decode() for row in rows} == consumers:
                return
            await asyncio.sleep(0.02)  # polling the server: no event to wait on


def trade_ids(seen: Seen) -> list[str]:
    return [m.data["trade_id"] for m in seen.items]


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_entries_a_dead_consumer_left_pending_are_claimed_and_acked(
    redis: Any, redis_url: str, prefix: str, key: str
) -> None:
    """A consumer joining the group claims every entry pending on a dead one for
    longer than claim_idle, delivers each once, intact, and acks them all."""
    await publish(redis, key, range(8))
    await age(redis, key, await read_and_die(redis, key, 8))
    got = Seen()
    b = RedisSubscriber(redis_url, prefix=prefix, group=GROUP, consumer="b")
    async with b:
        b.on("trade:BTCUSDT", got.add)
        await got.until(lambda: len(got.items) >= 8)
        await until_pending(redis, key, set())
        assert b.claimed == 8
        assert b.stats.frames == 8
        exported = {
            metric.name: metric.samples[0].value
            for metric in ClientCollector(b).collect()
            if metric.name == "weex_fanout_claimed"
        }
        assert exported == {"weex_fanout_claimed": 8}
    assert [m.data for m in got.items] == [trade(i).data for i in range(8)]
    assert [m.timestamp for m in got.items] == [trade(i).timestamp for i in range(8)]


async def test_entries_pending_for_less_than_claim_idle_are_not_stolen(
    redis: Any, redis_url: str, prefix: str, key: str
) -> None:
    """Of the entries pending on a consumer, only those idle for claim_idle or
    longer are claimed; the recent ones stay with it, untouched."""
    await publish(redis, key, range(10))
    ids = await read_and_die(redis, key, 10)
    await age(redis, key, ids[0::2])
    got = Seen()
    b = RedisSubscriber(
        redis_url, prefix=prefix, group=GROUP, consumer="b", claim_idle=60.0
    )
    async with b:
        b.on("trade:BTCUSDT", got.add)
        # One XAUTOCLAIM call examined all ten: the claimed ones and the others.
        await got.until(lambda: len(got.items) >= 5)
        await until_pending(redis, key, {"a"})
        left = await pending_on(redis, key)
        assert b.claimed == 5
    assert trade_ids(got) == ["0", "2", "4", "6", "8"]
    assert [row["message_id"] for row in left] == ids[1::2]
    assert all(row["times_delivered"] == 1 for row in left)


async def test_entries_of_a_consumer_that_dies_later_are_claimed_on_a_later_pass(
    redis: Any, redis_url: str, prefix: str, key: str
) -> None:
    """Entries still recent when the subscriber started are claimed by a later
    pass, once they are idle long enough and claim_idle / 2 has passed."""
    await publish(redis, key, range(6))
    ids = await read_and_die(redis, key, 6)
    await age(redis, key, ids[:1])  # a marker: the first pass has run once it is in
    clock = Clock()
    got = Seen()
    b = RedisSubscriber(
        redis_url, prefix=prefix, group=GROUP, consumer="b", clock=clock
    )
    async with b:
        b.on("trade:BTCUSDT", got.add)
        await got.until(lambda: len(got.items) >= 1)
        assert trade_ids(got) == ["0"]
        await age(redis, key, ids[1:])
        clock.now += 30.0  # claim_idle / 2 with the default claim_idle of 60 s
        await got.until(lambda: len(got.items) >= 6)
        await until_pending(redis, key, set())
        assert b.claimed == 6
    assert trade_ids(got) == [str(i) for i in range(6)]


async def test_a_consumer_back_under_its_name_reads_its_own_backlog_unclaimed(
    redis: Any, redis_url: str, prefix: str, key: str
) -> None:
    """A consumer restarted under its own name gets its old pending entries back
    once each, as its backlog (not counted as claimed), alongside a dead
    consumer's, which it claims."""
    await publish(redis, key, range(6))
    await age(redis, key, await read_and_die(redis, key, 3, "b"), "b")
    await age(redis, key, await read_and_die(redis, key, 3, "a"), "a")
    got = Seen()
    b = RedisSubscriber(redis_url, prefix=prefix, group=GROUP, consumer="b")
    async with b:
        b.on("trade:BTCUSDT", got.add)
        await got.until(lambda: len(got.items) >= 6)
        await until_pending(redis, key, set())
        assert b.claimed == 3
    assert trade_ids(got) == [str(i) for i in range(6)]


async def test_claimed_entries_trimmed_away_are_dropped_from_the_pending_list(
    redis: Any, redis_url: str, prefix: str, key: str
) -> None:
    """Entries a dead consumer left pending that MAXLEN trimmed away meanwhile
    are not delivered, and leave the pending list; the others are claimed."""
    await publish(redis, key, range(5))
    await age(redis, key, await read_and_die(redis, key, 5))
    await redis.xtrim(key, maxlen=2, approximate=False)
    got = Seen()
    b = RedisSubscriber(redis_url, prefix=prefix, group=GROUP, consumer="b")
    async with b:
        b.on("trade:BTCUSDT", got.add)
        await got.until(lambda: len(got.items) >= 2)
        await until_pending(redis, key, set())
        assert b.claimed == 2
        assert b.stats.decode_errors == 0
    assert trade_ids(got) == ["3", "4"]


async def test_claim_idle_none_never_claims(
    redis: Any, redis_url: str, prefix: str, key: str
) -> None:
    """With claim_idle=None, entries pending on a dead consumer stay with it
    while new entries are read and acked as usual."""
    await publish(redis, key, range(3))
    await age(redis, key, await read_and_die(redis, key, 3))
    await publish(redis, key, range(3, 4))
    got = Seen()
    b = RedisSubscriber(
        redis_url, prefix=prefix, group=GROUP, consumer="b", claim_idle=None
    )
    async with b:
        b.on("trade:BTCUSDT", got.add)
        # Each round of reading claims (when it may) before it reads: once the
        # new entry is delivered, a claim would have happened already.
        await got.until(lambda: len(got.items) >= 1)
        await until_pending(redis, key, {"a"})
        assert len(await pending_on(redis, key)) == 3
        assert b.claimed == 0
    assert trade_ids(got) == ["3"]


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, "60", True])
def test_a_bad_claim_idle_is_a_config_error_naming_it(bad: Any) -> None:
    """claim_idle must be seconds above 0 or None; anything else is refused
    when the subscriber is made, naming the setting and the expected form."""
    with pytest.raises(ConfigError, match="claim_idle") as caught:
        RedisSubscriber(
            "redis://127.0.0.1:1/0", group=GROUP, consumer="b", claim_idle=bad
        )
    assert caught.value.name == "claim_idle"
    assert "> 0" in caught.value.reason and "None" in caught.value.reason


def test_schedule_starts_a_pass_at_once_then_every_interval() -> None:
    """A new key is due at once from 0-0; once its pass ends it is due again
    only after the interval."""
    schedule = ClaimSchedule(30.0)
    assert schedule.due(["k"], 0.0) == {"k": "0-0"}
    schedule.advanced("k", "0-0", 1.0)
    assert schedule.due(["k"], 30.9) == {}
    assert schedule.due(["k"], 31.0) == {"k": "0-0"}


def test_schedule_carries_a_pass_on_from_its_cursor() -> None:
    """A pass over a long pending list continues from the returned cursor in
    the next round, whatever the time."""
    schedule = ClaimSchedule(30.0)
    schedule.due(["k", "m"], 0.0)
    schedule.advanced("k", "1700000000000-5", 0.0)
    schedule.advanced("m", "0-0", 0.0)
    assert schedule.due(["k", "m"], 0.0) == {"k": "1700000000000-5"}
    schedule.advanced("k", "0-0", 0.5)
    assert schedule.due(["k", "m"], 1.0) == {}


def test_schedule_starts_over_for_keys_read_again_and_after_restart() -> None:
    """A key dropped and read again, and every key after a restart (reconnect),
    is due at once from the start."""
    schedule = ClaimSchedule(30.0)
    schedule.due(["k", "m"], 0.0)
    schedule.advanced("k", "0-0", 0.0)
    schedule.advanced("m", "9-0", 0.0)
    assert schedule.due(["m"], 1.0) == {"m": "9-0"}  # k is no longer read
    assert schedule.due(["k", "m"], 1.0) == {"k": "0-0", "m": "9-0"}
    schedule.advanced("k", "0-0", 1.0)
    schedule.restart()
    assert schedule.due(["k", "m"], 2.0) == {"k": "0-0", "m": "0-0"}
