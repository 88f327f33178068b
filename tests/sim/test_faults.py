"""Fault injection: each fault is visible to a plain client as documented."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from weex_events.sim import Simulator

from .conftest import Connect


async def test_drop_closes_without_a_close_frame(
    sim: Simulator, connect: Connect
) -> None:
    """drop() cuts TCP: the client sees the connection end, but no CLOSE frame."""
    probe = await connect(sim)
    assert sim.faults.drop() == 1
    while True:
        msg = await probe.wire()
        if msg.type is not aiohttp.WSMsgType.TEXT:
            break
    assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    assert probe.ws.close_code in (None, 1006)


async def test_close_sends_the_given_code(
    paused_sim: Simulator, connect: Connect
) -> None:
    """close(code, reason) sends a close frame with that code and reason."""
    probe = await connect(paused_sim)
    assert await paused_sim.faults.close(4321, "bye") == 1
    msg = await probe.wire()
    assert (msg.type, msg.data, msg.extra) == (aiohttp.WSMsgType.CLOSE, 4321, "bye")


async def test_faults_filter_by_endpoint(
    paused_sim: Simulator, connect: Connect
) -> None:
    """Connection faults only touch the named endpoint."""
    await connect(paused_sim)
    assert paused_sim.faults.drop(endpoint="private") == 0
    assert await paused_sim.faults.close(4000, endpoint="private") == 0
    assert len(paused_sim.connections) == 1


async def test_stall_freezes_data_pings_and_pongs(connect: Connect) -> None:
    """A stalled link sends nothing and answers no ping until thawed."""
    async with Simulator(symbols=["BTCUSDT"], speed=20, ping_interval=0.05) as sim:
        probe = await connect(sim, autoping=False)
        await probe.request("SUBSCRIBE", ["BTCUSDT@ticker"])
        await probe.collect(1, "ticker")
        assert sim.faults.stall() == 1
        while True:  # frames already on the wire may still land
            try:
                await probe.wire(timeout=0.05)
            except TimeoutError:
                break
        await probe.ws.ping(b"anyone?")
        await probe.send({"method": "PING", "id": 1})
        with pytest.raises(TimeoutError):
            await probe.wire(timeout=0.3)
        assert sim.connections[0].stalled
        assert sim.faults.stall(False) == 1
        msg = await probe.wire()
        assert msg.type is aiohttp.WSMsgType.TEXT  # the queued command is served
        await probe.ws.ping(b"back")
        types: set[aiohttp.WSMsgType] = set()
        while aiohttp.WSMsgType.PONG not in types:
            types.add((await probe.wire()).type)


async def test_new_connections_are_not_stalled(
    paused_sim: Simulator, connect: Connect
) -> None:
    """stall() freezes only the connections open at the time."""
    await connect(paused_sim)
    paused_sim.faults.stall()
    fresh = await connect(paused_sim)
    assert (await fresh.request("PING"))["result"] is True
    paused_sim.faults.reset()
    assert not any(view.stalled for view in paused_sim.connections)


async def test_send_raw_text_and_binary(
    paused_sim: Simulator, connect: Connect
) -> None:
    """send_raw() delivers text as a text frame and bytes as a binary frame."""
    probe = await connect(paused_sim)
    assert await paused_sim.faults.send_raw('{"e":"ticker",') == 1
    await paused_sim.faults.send_raw(b"\x00\xffbinary")
    text, binary = await probe.wire(), await probe.wire()
    assert (text.type, text.data) == (aiohttp.WSMsgType.TEXT, '{"e":"ticker",')
    assert (binary.type, binary.data) == (aiohttp.WSMsgType.BINARY, b"\x00\xffbinary")


async def _depth_around(
    sim: Simulator, connect: Connect, fault: Callable[[], None], steps: int
) -> list[Any]:
    """BTCUSDT depth frames of 3 steps, then ``fault()`` and ``steps`` more steps."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["BTCUSDT@depth"])
    sim.step(3)
    frames = await probe.barrier()
    fault()
    sim.step(steps)
    return frames + await probe.barrier()


async def test_skip_depth_version_breaks_the_chain_once(
    paused_sim: Simulator, connect: Connect
) -> None:
    """skip_depth_version() withholds a delta: the next one's U != previous u."""
    skip = paused_sim.faults.skip_depth_version
    frames = await _depth_around(paused_sim, connect, lambda: skip("btcusdt"), 6)
    chain = [(f["U"], f["u"]) for f in frames]
    breaks = [i for i in range(1, len(chain)) if chain[i][0] != chain[i - 1][1]]
    assert len(breaks) == 1
    assert chain[breaks[0]][0] > chain[breaks[0] - 1][1]


async def test_repeat_depth_version_duplicates_a_delta(
    paused_sim: Simulator, connect: Connect
) -> None:
    """repeat_depth_version() sends the last delta again, same U and u."""
    repeat = paused_sim.faults.repeat_depth_version
    frames = await _depth_around(paused_sim, connect, lambda: repeat("BTCUSDT"), 3)
    deltas = [f for f in frames if f["e"] == "depth"]
    duplicates = [b for a, b in itertools.pairwise(deltas) if a == b]
    assert len(duplicates) == 1


async def test_slow_delays_every_frame(paused_sim: Simulator, connect: Connect) -> None:
    """slow(d) adds d seconds to every outgoing frame; slow(0) removes it."""
    probe = await connect(paused_sim)
    loop = asyncio.get_running_loop()
    paused_sim.faults.slow(0.2)
    started = loop.time()
    await probe.request("PING")
    assert loop.time() - started >= 0.2
    paused_sim.faults.slow(0)
    started = loop.time()
    await probe.request("PING")
    assert loop.time() - started < 0.2
    with pytest.raises(ValueError):
        paused_sim.faults.slow(-1)


async def test_refuse_connections(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """refuse_connections(n) answers n upgrades with 503; None refuses until 0."""
    url = paused_sim.ws_public_url

    async def status() -> int:
        try:
            ws = await http.ws_connect(url)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
        await ws.close()
        return 101

    paused_sim.faults.refuse_connections(2)
    assert [await status() for _ in range(3)] == [503, 503, 101]
    paused_sim.faults.refuse_connections()
    assert [await status() for _ in range(3)] == [503, 503, 503]
    paused_sim.faults.refuse_connections(0)
    assert await status() == 101
    assert paused_sim.stats.connections_refused == 5
    assert paused_sim.stats.connections_accepted == 2


async def test_reset_clears_settings(paused_sim: Simulator, connect: Connect) -> None:
    """reset() removes delay, refusals and pending depth faults."""
    faults = paused_sim.faults
    faults.slow(5)
    faults.refuse_connections()
    faults.skip_depth_version("BTCUSDT")
    faults.reset()
    probe = await connect(paused_sim)
    assert (await probe.request("PING"))["result"] is True
    assert faults.delay == 0
    assert faults.take_depth_faults() == (frozenset(), frozenset())


async def test_commands_are_counted_per_connection(
    paused_sim: Simulator, connect: Connect
) -> None:
    """Each connection view counts the commands (and rejects) it received."""
    first = await connect(paused_sim)
    second = await connect(paused_sim)
    await first.request("PING")
    await first.request("SUBSCRIBE", ["BTCUSDT@nope"])
    await second.request("PING")
    counts = [(v.commands_received, v.rejects) for v in paused_sim.connections]
    assert counts == [(2, 1), (1, 0)]
