"""Fixtures for the simulator's tests: a running simulator and raw WebSocket probes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest_asyncio

from weex_events.sim import Simulator

from .probe import Probe, greeted

#: Few symbols keep start-up cheap; BTC/ETH/ADA cover 1, 2 and 4 price decimals.
SYMBOLS = ("BTCUSDT", "ETHUSDT", "ADAUSDT")

Connect = Callable[..., Awaitable[Probe]]


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[Simulator]:
    """A running simulator at speed 20."""
    async with Simulator(seed=7, speed=20, symbols=SYMBOLS) as running:
        yield running


@pytest_asyncio.fixture
async def paused_sim() -> AsyncIterator[Simulator]:
    """A running simulator whose market only moves by ``step()``."""
    simulator = Simulator(
        seed=7, speed=20, symbols=SYMBOLS, start_time_ms=1_767_225_600_000
    )
    simulator.pause()
    async with simulator as running:
        yield running


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
