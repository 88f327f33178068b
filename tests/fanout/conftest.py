"""Fixtures of the fan-out tests: one real Redis-protocol server per session."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

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
def own_server() -> Iterator[RedisServer]:
    """A server of the test's own, for tests that kill and restart it."""
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
