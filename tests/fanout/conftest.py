"""Fixtures of the fan-out tests: one real Redis-protocol server per session,
and a watch on asyncio's exception handler that fails any fan-out test during
which a task ended with an exception nobody retrieved."""

from __future__ import annotations

import asyncio
import gc
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.redis_server import RedisServer
from weex_events.sim import Simulator

SECRET = "fanout-secret-for-tests"
PASSPHRASE = "fanout-pass-for-tests"


def _running() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    yield from _running()


@pytest.fixture
def own_server() -> Iterator[RedisServer]:
    """A server of the test's own, for tests that kill and restart it."""
    yield from _running()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[Any]:
    """A plain redis-py client on the test server."""
    import redis.asyncio as aioredis  # the fanout extra

    client = aioredis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own: tests never see each other's streams."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def weex_sim_options() -> dict[str, Any]:
    """The fan-out tests' simulators: seed 7, speed 5, their own credentials."""
    return {
        "seed": 7,
        "speed": 5,
        "api_key": "fanout-key-0001",
        "secret_key": SECRET,
        "passphrase": PASSPHRASE,
    }


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture with the options above."""
    return weex_sim


def fast_backoff() -> Iterator[float]:
    """Retry Redis every 50 ms: a restart is noticed quickly."""
    return itertools.repeat(0.05)


def record_lost_exceptions(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What asyncio's exception handler reports, on any event loop from now on,
    as a task (or future) exception that was never retrieved."""
    lost: list[dict[str, Any]] = []
    original = asyncio.BaseEventLoop.call_exception_handler

    def recording(loop: asyncio.BaseEventLoop, context: dict[str, Any]) -> None:
        if "never retrieved" in str(context.get("message", "")):
            lost.append(context)
        original(loop, context)

    monkeypatch.setattr(asyncio.BaseEventLoop, "call_exception_handler", recording)
    return lost


@pytest.fixture
def lost_task_exceptions(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    return record_lost_exceptions(monkeypatch)


@pytest.fixture(autouse=True)
def no_lost_task_exceptions(
    lost_task_exceptions: list[dict[str, Any]],
) -> Iterator[None]:
    """Every fan-out scenario runs watched: once it is over and its tasks are
    garbage, none may have ended with an exception nobody retrieved."""
    yield
    gc.collect()  # a task reports its unretrieved exception when collected
    assert not lost_task_exceptions, [
        (c["message"], c.get("task") or c.get("future"), c.get("exception"))
        for c in lost_task_exceptions
    ]
