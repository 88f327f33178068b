"""A publisher never stops in silence: Redis refusing entries for a while is
waited out with nothing lost, and any refusal it does not retry stops it
loudly (logged, emitted, raised) while the client trades on."""

from __future__ import annotations

import asyncio
import gc
import logging
import uuid
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis import exceptions as rx

from tests.conftest import zero_backoff
from tests.fanout.conftest import fast_backoff
from tests.fanout.test_delivery import until
from tests.fanout.test_roundtrip import PRIVATE, Seen, trade_once
from tests.leaks import assert_no_secret
from tests.redis_server import RedisServer
from weex_events import ErrorEvent, WeexWebSocketClient
from weex_events.fanout import FanoutError, RedisPublisher, account_id
from weex_events.fanout.entries import decode
from weex_events.sim import Simulator


def trade_key(prefix: str) -> str:
    return f"{prefix}:contract:trade:BTCUSDT"


async def stream_holds(raw: Any, key: str, n: int) -> None:
    """Poll Redis until ``key`` holds ``n`` entries, within 60 seconds."""
    async with asyncio.timeout(60):
        while await raw.xlen(key) < n:  # noqa: ASYNC110 (polling Redis)
            await asyncio.sleep(0.02)


def errors_logged(caplog: pytest.LogCaptureFixture, code: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.ERROR and code in r.getMessage() and r.exc_info
    ]


async def test_a_task_exception_nobody_retrieves_is_caught(
    lost_task_exceptions: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """The watch every fan-out test runs under (conftest) sees a task that
    ended with an exception nobody retrieved."""

    async def fail() -> None:
        raise RuntimeError("unobserved")

    task = asyncio.create_task(fail(), name="weex_events: doomed")
    await asyncio.wait({task})
    del task
    gc.collect()
    assert [c["exception"].args for c in lost_task_exceptions] == [("unobserved",)]
    lost_task_exceptions.clear()  # seen: the test's own, not a leak
    caplog.clear()  # and so is asyncio's log line about it


async def test_a_market_key_that_is_no_stream_stops_the_publisher_loudly(
    sim: Simulator,
    raw: Any,
    redis_url: str,
    prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """WRONGTYPE (the trade stream's key holds a string) is not retried: the
    publisher stops with FanoutError caused by Redis's error, logged with its
    traceback and emitted; wait_closed(), close() and the end of the block
    raise it; every trade is counted as dropped; the client trades on."""
    key = trade_key(prefix)
    await raw.set(key, "not a stream")
    client = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    trades = Seen()
    client.on("trade:BTCUSDT", trades.add)
    publisher = RedisPublisher(
        client, redis_url, events=["trade:BTCUSDT"], prefix=prefix
    )
    errors: list[ErrorEvent] = []
    publisher.on("error", errors.append)
    with pytest.raises(FanoutError) as left:
        async with publisher, client:
            with pytest.raises(FanoutError) as stopped:
                async with asyncio.timeout(60):
                    await publisher.wait_closed()
            seen = len(trades.items)
            await trades.until(lambda: len(trades.items) >= seen + 3)
            assert publisher.pending == 0
    assert left.value is stopped.value is publisher.failure
    assert isinstance(stopped.value.__cause__, rx.ResponseError)
    assert "WRONGTYPE" in str(stopped.value)
    assert [(e.source, e.exception) for e in errors] == [("fanout", stopped.value)]
    assert errors_logged(caplog, "WRONGTYPE")
    assert publisher.published[key] == 0
    assert publisher.dropped >= len(trades.items)  # none lost silently
    assert await raw.get(key) == b"not a stream"
    with pytest.raises(FanoutError):
        await publisher.close()


async def test_a_private_key_that_is_no_stream_stops_the_publisher_at_start(
    sim: Simulator, raw: Any, redis_url: str, prefix: str
) -> None:
    """Where private numbering starts is read first (XREVRANGE): WRONGTYPE
    there stops the publisher with FanoutError instead of ending its task
    unobserved."""
    config = sim.config()
    key = f"{prefix}:contract:private:{account_id(config.api_key or '')}"
    await raw.set(key, "not a stream")
    client = WeexWebSocketClient(config, backoff=zero_backoff)
    publisher = RedisPublisher(client, redis_url, events=PRIVATE, prefix=prefix)
    with pytest.raises(FanoutError, match="WRONGTYPE") as left:
        async with publisher, client:
            async with asyncio.timeout(60):
                await publisher.wait_closed()
    assert left.value is publisher.failure
    assert isinstance(left.value.__cause__, rx.ResponseError)


async def test_a_private_key_turned_into_no_stream_keeps_what_waits(
    sim: Simulator, raw: Any, redis_url: str, prefix: str
) -> None:
    """The private stream replaced by a string while the publisher runs: it
    stops on WRONGTYPE, and the private events it could not write stay in
    unpublished (counted in the error's pending), in order."""
    config = sim.config()
    client = WeexWebSocketClient(config, backoff=zero_backoff)
    private = Seen()
    for kind in PRIVATE:
        client.on(kind, private.add)
    publisher = RedisPublisher(client, redis_url, events=PRIVATE, prefix=prefix)
    key = f"{prefix}:contract:private:{account_id(config.api_key or '')}"
    with pytest.raises(FanoutError) as left:
        async with publisher, client:
            await trade_once(sim)
            await private.until(lambda: any(m.kind == "fill" for m in private.items))
            await until(lambda: publisher.published[key] >= len(private.items))
            before = len(private.items)
            pipe = raw.pipeline(transaction=True)
            pipe.delete(key)
            pipe.set(key, "not a stream")
            await pipe.execute()
            await trade_once(sim)
            with pytest.raises(FanoutError, match="WRONGTYPE"):
                async with asyncio.timeout(60):
                    await publisher.wait_closed()
    assert left.value is publisher.failure
    written = publisher.published[key]
    assert written >= before
    kept = publisher.unpublished
    assert kept == private.items[written : written + len(kept)]
    assert left.value.pending == len(kept) >= 1
    assert len(kept) + publisher.dropped >= len(private.items) - written


async def test_a_user_without_xadd_stops_the_publisher_without_showing_secrets(
    sim: Simulator,
    raw: Any,
    redis_server: RedisServer,
    prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An ACL user that may not XADD (NOPERM) stops the publisher: FanoutError
    caused by Redis's NoPermissionError, naming the user, never the password
    (nor does the log or the publisher's repr)."""
    user, password = f"u{prefix}", f"pw-{uuid.uuid4().hex}"
    await raw.execute_command(
        "ACL", "SETUSER", user, "on", f">{password}", "~*", "&*", "+@all", "-xadd",
    )  # fmt: skip
    url = f"redis://{user}:{password}@127.0.0.1:{redis_server.port}/0"
    client = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    publisher = RedisPublisher(client, url, events=["trade:BTCUSDT"], prefix=prefix)
    try:
        with pytest.raises(FanoutError) as left:
            async with publisher, client:
                async with asyncio.timeout(60):
                    await publisher.wait_closed()
        failure = publisher.failure
        assert failure is not None and left.value is failure
        assert isinstance(failure.__cause__, rx.NoPermissionError)
        assert user in str(failure) and password not in repr(publisher)
        assert_no_secret(failure, [password])
        assert errors_logged(caplog, "NoPermissionError")
        assert password not in caplog.text
    finally:
        await raw.execute_command("ACL", "DELUSER", user)


async def test_out_of_memory_is_waited_out_with_nothing_lost_or_doubled(
    sim: Simulator,
    own_server: RedisServer,
    prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis refusing writes (OOM: maxmemory reached) is retried with backoff:
    the trades wait, none is dropped, one warning is logged, and once Redis
    takes writes again the stream holds every trade once, in order."""
    caplog.set_level(logging.INFO, logger="weex_events.fanout")
    key = trade_key(prefix)
    raw = aioredis.Redis.from_url(own_server.url)
    client = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    trades = Seen()
    client.on("trade:BTCUSDT", trades.add)
    publisher = RedisPublisher(
        client,
        own_server.url,
        events=["trade:BTCUSDT"],
        prefix=prefix,
        backoff=fast_backoff,
    )
    try:
        await raw.config_set("maxmemory", 1)
        async with publisher, client:
            await trades.until(lambda: len(trades.items) >= 3)
            await until(
                lambda: any("maxmemory" in r.getMessage() for r in caplog.records)
            )
            assert publisher.pending > 0 and publisher.failure is None
            assert await raw.xlen(key) == 0
            await raw.config_set("maxmemory", 0)
            seen = len(trades.items)
            await trades.until(lambda: len(trades.items) >= seen + 3)
            sim.pause()
            await until(lambda: publisher.pending == 0)
            await stream_holds(raw, key, len(trades.items))
            stored = [decode(fields) for _, fields in await raw.xrange(key)]
        assert publisher.failure is None and publisher.dropped == 0
        assert publisher.reconnects >= 1
        assert [m.data for m in stored] == [m.data for m in trades.items]
        refusals = [r for r in caplog.records if "maxmemory" in r.getMessage()]
        assert [r.levelno for r in refusals] == [logging.WARNING]
    finally:
        await raw.aclose()
