"""Shared fixtures: the scripted server, configs pointing at it, zero backoff."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from tests.scripted import ScriptedServer
from weex_events import StreamMessage, WeexConfig, WeexWebSocketClient
from weex_events.sim import Simulator

# Every loop the suite creates runs in asyncio debug mode: un-awaited coroutines,
# pending tasks destroyed at exit and non-threadsafe calls are reported.
os.environ.setdefault("PYTHONASYNCIODEBUG", "1")


def zero_backoff() -> Iterator[float]:
    """Reconnect at once: tests run in milliseconds, not seconds."""
    return itertools.repeat(0.0)


@pytest.fixture
async def scripted() -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def scripted_config(scripted: ScriptedServer) -> WeexConfig:
    return WeexConfig(
        ws_public_url=scripted.url,
        ws_private_url=scripted.private_url,
        rest_url=scripted.rest_url,
        keepalive_interval=5.0,
    )


@pytest.fixture(autouse=True)
def no_asyncio_complaints(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test that leaves asyncio complaining: a task destroyed while
    pending, an unclosed session or connector, an unretrieved exception."""
    yield
    complaints = [
        r.getMessage()
        for r in caplog.get_records("call") + caplog.get_records("teardown")
        if r.name == "asyncio" and r.levelno >= 40
    ]
    assert not complaints, complaints


def expect(
    client: WeexWebSocketClient,
    event: str,
    predicate: Callable[[Any], bool] | None = None,
) -> asyncio.Future[Any]:
    """Register for ``event`` *now* and return a future of the first match.

    Unlike ``await client.wait_for(...)`` after an action, this cannot miss an
    event that arrives while the action itself yields to the loop.
    """
    fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def handler(payload: Any) -> None:
        if not fut.done() and (predicate is None or predicate(payload)):
            fut.set_result(payload)

    client.on(event, handler)
    fut.add_done_callback(lambda _: client.off(event, handler))
    return fut


async def within(fut: Awaitable[Any], seconds: float = 30.0) -> Any:
    """Await ``fut`` for at most ``seconds`` (generous: the machine may be busy)."""
    async with asyncio.timeout(seconds):
        return await fut


#: How long :func:`paused_book` waits for the client to show the paused book.
PAUSED_BOOK_BOUND = 60.0


async def paused_book(
    client: WeexWebSocketClient, sim: Simulator, symbol: str
) -> StreamMessage:
    """Pause the simulated market and return the client's last book (to compare
    with the simulator's REST depth).

    Returns as soon as the client's book shows the paused simulator's book, or
    after a generous bound (the comparison that follows then says what differs).
    Never "once it has been quiet for a while": on a busy machine a whole second
    can pass with the last frames still unread in the socket.
    """
    # The bare kind observes the held channel without subscribing another depth.
    # Registered before anything is awaited, so that no book event can slip by
    # between taking one and listening for the next.
    latest: list[StreamMessage] = []
    arrived = asyncio.Event()

    def seen(msg: StreamMessage) -> None:
        latest.append(msg)
        arrived.set()

    def caught_up() -> bool:
        mine_bids = [tuple(p) for p in latest[-1].data["bids"]]
        mine_asks = [tuple(p) for p in latest[-1].data["asks"]]
        bids, asks, _ = sim.market.depth(symbol, max(len(mine_bids), len(mine_asks)))
        return (
            mine_bids == bids[: len(mine_bids)] and mine_asks == asks[: len(mine_asks)]
        )

    client.on("book", seen)
    try:
        async with asyncio.timeout(30):
            await arrived.wait()
        sim.pause()
        async with asyncio.timeout(PAUSED_BOOK_BOUND):
            while not caught_up():
                arrived.clear()
                await arrived.wait()
    except TimeoutError:
        pass  # the caller's comparison reports the difference
    finally:
        client.off("book", seen)
    assert latest, "no book event within 30 s"
    assert latest[-1].symbol == symbol
    return latest[-1]
