"""A subscriber never stops in silence: a lost consumer group (NOGROUP) is
created again where nothing the stream holds is lost, and any failure it does
not retry reaches whoever iterates, awaits or leaves the subscriber.

Entries are published and the group destroyed in one transaction where the
test needs them to exist before the subscriber can notice the loss.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis import exceptions as rx

from tests.fanout.conftest import fast_backoff
from tests.fanout.test_consumer_group import (
    GROUP,
    publish,
    trade,
    trade_ids,
    until_pending,
)
from tests.fanout.test_roundtrip import Seen
from tests.leaks import assert_no_secret
from tests.redis_server import RedisServer
from weex_events import ErrorEvent
from weex_events.cli import main
from weex_events.fanout import FanoutError, RedisSubscriber
from weex_events.fanout.consumer_group import recreate_at
from weex_events.fanout.entries import encode
from weex_events.fanout.faults import Remedy, remedy
from weex_events.metrics import ClientCollector


@pytest.fixture
def key(prefix: str) -> str:
    return f"{prefix}:contract:trade:BTCUSDT"


def nogroup_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if "NOGROUP" in r.getMessage() and r.levelno == logging.WARNING
    ]


async def test_a_destroyed_group_is_created_again_after_the_last_entry_delivered(
    raw: Any, redis_url: str, prefix: str, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """After XGROUP DESTROY (the stream kept), entries published meanwhile and
    later are delivered once and the earlier ones are not replayed; the loss is
    counted, exported and logged once as a warning."""
    caplog.set_level(logging.WARNING, logger="weex_events.fanout")
    got = Seen()
    sub = RedisSubscriber(redis_url, prefix=prefix, group=GROUP, consumer="b")
    async with sub:
        sub.on("trade:BTCUSDT", got.add)
        await publish(raw, key, range(5))
        await got.until(lambda: len(got.items) >= 5)
        pipe = raw.pipeline(transaction=True)
        pipe.xgroup_destroy(key, GROUP)
        for i in range(5, 8):
            pipe.xadd(key, encode(trade(i)))
        await pipe.execute()
        await got.until(lambda: len(got.items) >= 8)
        await publish(raw, key, range(8, 10))
        await got.until(lambda: len(got.items) >= 10)
        assert sub.groups_lost == 1
        exported = {
            metric.name: metric.samples[0].value
            for metric in ClientCollector(sub).collect()
            if metric.name == "weex_fanout_groups_lost"
        }
        assert exported == {"weex_fanout_groups_lost": 1}
        await until_pending(raw, key, set())  # all acknowledged
    assert trade_ids(got) == [str(i) for i in range(10)]
    [warning] = nogroup_warnings(caplog)
    assert GROUP in warning.getMessage() and key in warning.getMessage()


async def test_a_deleted_stream_is_read_again_from_its_first_entry(
    raw: Any, redis_url: str, prefix: str, key: str
) -> None:
    """A stream deleted and published to again is new: the group is created at
    its start, so every entry in it is delivered, even with ids below the old
    ones (a restarted server whose clock is behind)."""
    for i in range(3):
        await raw.xadd(key, encode(trade(i)), id=f"2000-{i}")
    got = Seen()
    sub = RedisSubscriber(
        redis_url, prefix=prefix, group=GROUP, consumer="b", start="0"
    )
    async with sub:
        sub.on("trade:BTCUSDT", got.add)
        await got.until(lambda: len(got.items) >= 3)
        pipe = raw.pipeline(transaction=True)
        pipe.delete(key)
        for i in range(3, 6):
            pipe.xadd(key, encode(trade(i)), id=f"1000-{i}")
        await pipe.execute()
        await got.until(lambda: len(got.items) >= 6)
        await publish(raw, key, range(6, 7))
        await got.until(lambda: len(got.items) >= 7)
        assert sub.groups_lost == 1
    assert trade_ids(got) == [str(i) for i in range(7)]


async def test_a_restart_without_persistence_is_recovered(
    own_server: RedisServer, prefix: str, key: str
) -> None:
    """Redis killed and started again empty: the subscriber reconnects, finds
    the group gone, creates it again and delivers everything published since."""
    url = own_server.url
    got = Seen()
    sub = RedisSubscriber(
        url, prefix=prefix, group=GROUP, consumer="b", backoff=fast_backoff
    )
    async with sub:
        sub.on("trade:BTCUSDT", got.add)
        first = aioredis.Redis.from_url(url)
        await publish(first, key, range(3))
        await got.until(lambda: len(got.items) >= 3)
        await first.aclose()
        own_server.kill()
        await asyncio.to_thread(own_server.start)
        again = aioredis.Redis.from_url(url)
        try:
            await publish(again, key, range(3, 6))
            await got.until(lambda: len(got.items) >= 6)
        finally:
            await again.aclose()
        assert sub.groups_lost == 1
        assert sub.reconnects >= 1
        assert sub.failure is None
    assert trade_ids(got) == [str(i) for i in range(6)]


async def test_a_fatal_error_ends_the_streams_being_iterated(
    raw: Any, redis_url: str, prefix: str, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A key that stops being a stream (WRONGTYPE) is not retried: the stream
    being iterated raises FanoutError caused by Redis's error, after the entries
    before it, and so do new streams and waits; it is logged and emitted."""
    got: list[str] = []
    errors: list[ErrorEvent] = []
    sub = RedisSubscriber(redis_url, prefix=prefix, start="0")
    await publish(raw, key, range(2))
    with pytest.raises(FanoutError) as left:
        async with sub:
            sub.on("error", errors.append)
            with pytest.raises(FanoutError) as caught:
                async for msg in sub.stream_trades("BTCUSDT"):
                    got.append(msg.data["trade_id"])
                    if len(got) == 2:
                        pipe = raw.pipeline(transaction=True)
                        pipe.delete(key)
                        pipe.set(key, "not a stream")
                        await pipe.execute()
            with pytest.raises(FanoutError):
                async for _ in sub.stream_trades("ETHUSDT"):
                    pass
            with pytest.raises(FanoutError):
                await sub.wait_for("trade:ETHUSDT")
    assert got == ["0", "1"]
    assert isinstance(caught.value.__cause__, rx.ResponseError)
    assert "WRONGTYPE" in str(caught.value)
    assert left.value is caught.value is sub.failure
    assert [e.exception for e in errors] == [caught.value]
    assert any(
        r.levelno == logging.ERROR and "WRONGTYPE" in r.getMessage()
        for r in caplog.records
    )
    with pytest.raises(FanoutError):
        await sub.connect()


async def test_a_stream_opened_on_a_key_that_is_no_stream_raises_fanout_error(
    raw: Any, redis_url: str, prefix: str, key: str
) -> None:
    """Where a new stream starts is fixed by the reading task too, so Redis's
    refusal there stops the subscriber like any other: FanoutError, not a raw
    redis error, from the stream being opened."""
    await raw.set(key, "not a stream")
    sub = RedisSubscriber(redis_url, prefix=prefix)
    with pytest.raises(FanoutError, match="WRONGTYPE"):
        async with sub:
            async with asyncio.timeout(60):
                async for _ in sub.stream_trades("BTCUSDT"):
                    pass


def test_tail_exits_1_naming_the_error_instead_of_waiting_forever(
    redis_url: str, prefix: str, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`weex-events tail --redis` on a key that is no stream exits with status
    1 and Redis's error, rather than waiting for entries that never come."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.set(key, "not a stream")
    finally:
        client.close()
    args = ["tail", "--redis", redis_url, "--prefix", prefix, "trade:BTCUSDT"]
    assert main(args) == 1
    assert "WRONGTYPE" in capsys.readouterr().err


async def test_a_fatal_error_reaches_wait_closed_wait_for_and_the_block_exit(
    raw: Any, redis_server: RedisServer, prefix: str, key: str
) -> None:
    """A user without the right to XREADGROUP (NOPERM) stops the subscriber:
    wait_closed(), a pending wait_for() and the end of a block that ended
    normally raise FanoutError, which shows no password."""
    user, password = f"u{prefix}", f"pw-{uuid.uuid4().hex}"
    await raw.execute_command(
        "ACL", "SETUSER", user, "on", f">{password}", "~*", "&*", "+@all",
        "-xreadgroup",
    )  # fmt: skip
    url = f"redis://{user}:{password}@127.0.0.1:{redis_server.port}/0"
    try:
        sub = RedisSubscriber(url, prefix=prefix, group=GROUP, consumer="b")
        with pytest.raises(FanoutError) as left:
            async with sub:
                waiting = asyncio.create_task(sub.wait_for("trade:BTCUSDT"))
                with pytest.raises(FanoutError) as closed:
                    async with asyncio.timeout(60):
                        await sub.wait_closed()
                with pytest.raises(FanoutError) as waited:
                    await waiting
        assert left.value is closed.value is waited.value is sub.failure
        assert isinstance(closed.value.__cause__, rx.NoPermissionError)
        assert password not in repr(sub) and user in str(closed.value)
        assert_no_secret(closed.value, [password])
    finally:
        await raw.execute_command("ACL", "DELUSER", user)


RECONNECT, REJOIN, STOP = Remedy.RECONNECT, Remedy.REJOIN, Remedy.STOP


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (rx.ConnectionError("Connection closed by server."), RECONNECT),
        (rx.TimeoutError("Timeout reading from socket"), RECONNECT),
        (ConnectionResetError(), RECONNECT),
        (rx.BusyLoadingError("Redis is loading the dataset in memory"), RECONNECT),
        (rx.ResponseError("BUSY Redis is busy running a script."), RECONNECT),
        (rx.ResponseError("UNBLOCKED the stream key no longer exists"), RECONNECT),
        (rx.ReadOnlyError("You can't write against a read only replica."), RECONNECT),
        (rx.MasterDownError("Link with MASTER is down"), RECONNECT),
        (rx.OutOfMemoryError("command not allowed when used memory >"), RECONNECT),
        (rx.ResponseError("NOGROUP No such key 'k' or consumer group 'g'"), REJOIN),
        (rx.AuthenticationError("invalid username-password pair"), STOP),
        (rx.NoPermissionError("this user has no permissions to run"), STOP),
        (rx.ResponseError("WRONGTYPE Operation against a key holding"), STOP),
        (rx.ResponseError("BUSYGROUP Consumer Group name already exists"), STOP),
        (rx.ResponseError("ERR unknown command 'XAUTOCLAIM'"), STOP),
        (rx.NoScriptError("No matching script."), STOP),
        (KeyError("data"), STOP),
    ],
)
def test_each_failure_has_one_remedy(exc: BaseException, expected: Remedy) -> None:
    """Connection failures and a busy or failing-over server are retried, a lost
    group is created again, and everything else stops the subscriber."""
    assert remedy(exc) is expected


def test_a_lost_group_is_created_again_at_its_floor_only_in_the_same_stream() -> None:
    """The floor is used only while the stream still holds an entry seen in it;
    a new stream, or nothing known, starts at 0."""
    assert recreate_at((1700000000000, 4), witness_held=True) == "1700000000000-4"
    assert recreate_at((1700000000000, 4), witness_held=False) == "0"
    assert recreate_at(None, witness_held=True) == "0"
    assert recreate_at((0, 0), witness_held=True) == "0"
