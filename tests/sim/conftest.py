"""Fixtures for the simulator's tests: the shipped ``weex_sim`` fixture under two
names, and raw WebSocket probes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from weex_events.sim import Simulator

from .probe import Probe, greeted

#: Few symbols keep start-up cheap; BTC/ETH/ADA cover 1, 2 and 4 price decimals.
SYMBOLS = ("BTCUSDT", "ETHUSDT", "ADAUSDT")
#: ``sim``: seed 7 at the fixture's speed 20.
RUNNING: dict[str, Any] = {"seed": 7, "symbols": SYMBOLS}
#: ``paused_sim``: the same, paused from a fixed start, so the same every run.
PAUSED: dict[str, Any] = {**RUNNING, "paused": True, "start_time_ms": 1_767_225_600_000}

Connect = Callable[..., Awaitable[Probe]]


@pytest.fixture
def weex_sim_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """:data:`PAUSED` for a test asking for ``paused_sim``, :data:`RUNNING` for
    one asking for ``sim``, the plugin's defaults for one asking for ``weex_sim``."""
    if "paused_sim" in request.fixturenames:
        return PAUSED
    return RUNNING if "sim" in request.fixturenames else {}


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture: a running simulator at speed 20."""
    return weex_sim


@pytest.fixture
def paused_sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture, whose market only moves by ``step()``."""
    return weex_sim


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session (it sends a User-Agent by default)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture
async def connect(http: aiohttp.ClientSession) -> AsyncIterator[Connect]:
    """``await connect(sim, **ws_connect_kwargs)``: an open probe, greeting consumed."""
    opened: list[aiohttp.ClientWebSocketResponse] = []

    async def _connect(simulator: Simulator, **kwargs: Any) -> Probe:
        ws = await http.ws_connect(simulator.ws_public_url, **kwargs)
        opened.append(ws)
        return await greeted(ws)

    yield _connect
    for ws in opened:
        await ws.close()
