"""Fixtures of the fan-out tests: one real Redis-protocol server per session."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.redis_server import RedisServer
from weex_events.sim import Simulator

SECRET = "fanout-secret-for-tests"
PASSPHRASE = "fanout-pass-for-tests"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own: tests never see each other's streams."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(
        seed=7,
        speed=5,
        api_key="fanout-key-0001",
        secret_key=SECRET,
        passphrase=PASSPHRASE,
    ) as simulator:
        yield simulator


def fast_backoff() -> Iterator[float]:
    """Retry Redis every 50 ms: a restart is noticed quickly."""
    return itertools.repeat(0.05)
