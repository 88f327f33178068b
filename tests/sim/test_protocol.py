"""Wire rules of the simulator's public endpoint (WEEX-WS.md §1.1, §1.3, §1.4)."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from weex_events.sim import Simulator

from .conftest import SYMBOLS, Connect

KLINE_STREAMS = [
    f"kline_{i}{basis}"
    for i in (
        "1m",
        "5m",
        "15m",
        "30m",
        "1h",
        "2h",
        "4h",
        "6h",
        "8h",
        "12h",
        "1d",
        "1w",
        "1M",
    )
    for basis in ("", "_LAST_PRICE", "_MARK_PRICE")
]
STREAMS = ["ticker", "trade", "depth", "depth15", "depth200", *KLINE_STREAMS]


async def test_user_agent_is_required(paused_sim: Simulator) -> None:
    """An upgrade without User-Agent is refused with HTTP 400."""
    async with aiohttp.ClientSession(skip_auto_headers=["User-Agent"]) as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await session.ws_connect(paused_sim.ws_public_url)
    assert info.value.status == 400
    assert paused_sim.stats.handshakes_rejected == 1
    assert paused_sim.stats.connections_accepted == 0


async def test_greeting_comes_first(paused_sim: Simulator, connect: Connect) -> None:
    """The server greets unprompted with a fresh cid and its time as a string."""
    first = await connect(paused_sim)
    second = await connect(paused_sim)
    assert first.greeting["event"] == "connected"
    assert first.greeting["time"] == str(paused_sim.market.now_ms)
    assert first.greeting["cid"] != second.greeting["cid"]
    views = paused_sim.connections
    assert [v.cid for v in views] == [first.greeting["cid"], second.greeting["cid"]]
    assert views[0].endpoint == "public" and views[0].remote == "127.0.0.1"
    assert views[0].user_agent.startswith("Python")


@pytest.mark.parametrize("command_id", [7, "|1|", "5"])
async def test_replies_echo_the_id_as_sent(
    paused_sim: Simulator, connect: Connect, command_id: int | str
) -> None:
    """SUBSCRIBE, UNSUBSCRIBE, PING and PONG replies echo int and string ids."""
    probe = await connect(paused_sim)
    for method, params in (
        ("SUBSCRIBE", ["BTCUSDT@ticker"]),
        ("UNSUBSCRIBE", ["BTCUSDT@ticker"]),
        ("PING", None),
        ("PONG", None),
    ):
        reply = await probe.request(method, params, command_id)
        assert reply == {"result": True, "id": command_id}


async def test_symbols_are_case_insensitive(sim: Simulator, connect: Connect) -> None:
    """A lower-case param subscribes; pushes carry the symbol upper case."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["btcusdt@ticker", "EthUsdt@trade"])
    assert sim.connections[0].subscriptions == {"BTCUSDT@ticker", "ETHUSDT@trade"}
    frames = await probe.collect(6)
    assert {f["s"] for f in frames} == {"BTCUSDT", "ETHUSDT"}


@pytest.mark.parametrize(
    ("params", "msg"),
    [
        (["btcusdt@nonsense"], "INVALID_ARGUMENT: invalid event : nonsense"),
        (["foo@ticker"], "INVALID_ARGUMENT: invalid symbol : FOO"),
        (["BTCUSDT@bookTicker"], "INVALID_ARGUMENT: invalid event : bookTicker"),
        (["BTCUSDT@kline_1s"], "INVALID_ARGUMENT: invalid event : kline_1s"),
        (
            ["BTCUSDT@kline_1m_INDEX"],
            "INVALID_ARGUMENT: invalid event : kline_1m_INDEX",
        ),
        (["BTCUSDT"], "INVALID_ARGUMENT: invalid event : BTCUSDT"),
    ],
)
async def test_bad_params_are_rejected(
    paused_sim: Simulator, connect: Connect, params: list[str], msg: str
) -> None:
    """Unknown streams (bookTicker included) and symbols get WEEX's reject text."""
    probe = await connect(paused_sim)
    reply = await probe.request("SUBSCRIBE", params, 3)
    assert reply == {"result": False, "id": 3, "msg": msg}


async def test_one_bad_param_rejects_the_whole_command(
    paused_sim: Simulator, connect: Connect
) -> None:
    """A command with one invalid param subscribes none of its params."""
    probe = await connect(paused_sim)
    reply = await probe.request("SUBSCRIBE", ["BTCUSDT@depth", "BTCUSDT@nonsense"])
    assert reply["result"] is False
    paused_sim.step(3)
    assert await probe.barrier() == []
    assert paused_sim.connections[0].subscriptions == frozenset()


async def test_unparseable_text_is_rejected_without_id(
    paused_sim: Simulator, connect: Connect
) -> None:
    """Text that is not a command gets an id-less "unrecognized message" reply."""
    probe = await connect(paused_sim)
    for text in ("hello", '{"method": 5}', "[1, 2]"):
        await probe.ws.send_str(text)
        reply = await probe.recv()
        assert reply == {
            "result": False,
            "msg": f"INVALID_ARGUMENT: unrecognized message : {text}",
        }


async def test_sixth_reject_closes_with_1007(
    paused_sim: Simulator, connect: Connect
) -> None:
    """After 6 rejected commands the server replies, then closes with code 1007."""
    probe = await connect(paused_sim)
    for n in range(5):
        reply = await probe.request("SUBSCRIBE", ["BTCUSDT@nonsense"], n)
        assert reply["result"] is False
    assert (await probe.request("PING", None, "alive"))["result"] is True
    await probe.ws.send_str("garbage")
    assert (await probe.recv())["result"] is False
    msg = await probe.wire()
    assert msg.type is aiohttp.WSMsgType.CLOSE
    assert (msg.data, msg.extra) == (1007, "Unrecognized message sent multiple times")


async def test_unsubscribe_stops_pushes(
    paused_sim: Simulator, connect: Connect
) -> None:
    """After UNSUBSCRIBE is acknowledged no more frames of that channel arrive."""
    probe = await connect(paused_sim)
    await probe.request("SUBSCRIBE", ["BTCUSDT@ticker", "BTCUSDT@depth"])
    paused_sim.step(4)
    assert {f["e"] for f in await probe.barrier()} == {
        "ticker",
        "depthSnapshot",
        "depth",
    }
    await probe.request("UNSUBSCRIBE", ["btcusdt@depth"])
    paused_sim.step(4)
    assert {f["e"] for f in await probe.barrier()} == {"ticker"}


async def test_resubscribe_restarts_with_a_snapshot(
    paused_sim: Simulator, connect: Connect
) -> None:
    """Subscribing to a channel again sends a fresh snapshot (a resync path)."""
    probe = await connect(paused_sim)
    await probe.request("SUBSCRIBE", ["ETHUSDT@depth"])
    paused_sim.step(3)
    await probe.request("SUBSCRIBE", ["ETHUSDT@depth"])
    events = [f["e"] for f in await probe.barrier()]
    assert events[0] == "depthSnapshot" and events[-1] == "depthSnapshot"
    assert len(paused_sim.connections[0].subscriptions) == 1


async def test_channel_limit(connect: Connect) -> None:
    """Past max_channels a SUBSCRIBE is rejected whole; unsubscribing frees room."""
    async with Simulator(symbols=["BTCUSDT"], max_channels=3) as sim:
        sim.pause()
        probe = await connect(sim)
        ok = await probe.request("SUBSCRIBE", ["BTCUSDT@ticker", "BTCUSDT@trade"])
        assert ok["result"] is True
        over = await probe.request("SUBSCRIBE", ["BTCUSDT@depth", "BTCUSDT@depth200"])
        assert over["result"] is False
        assert re.search(r"channel limit exceeded : at most 3\b", over["msg"])
        assert len(sim.connections[0].subscriptions) == 2
        assert (await probe.request("SUBSCRIBE", ["BTCUSDT@ticker"]))["result"] is True
        assert (await probe.request("SUBSCRIBE", ["BTCUSDT@depth"]))["result"] is True
        assert (await probe.request("UNSUBSCRIBE", ["BTCUSDT@trade"]))["result"] is True
        assert (await probe.request("SUBSCRIBE", ["BTCUSDT@depth200"]))[
            "result"
        ] is True


async def test_operation_limit(connect: Connect) -> None:
    """Past max_ops_per_hour params a command is rejected; each param counts one."""
    async with Simulator(symbols=["BTCUSDT"], max_ops_per_hour=5) as sim:
        sim.pause()
        probe = await connect(sim)
        params = ["BTCUSDT@ticker", "BTCUSDT@trade"]
        assert (await probe.request("SUBSCRIBE", params))["result"] is True
        assert (await probe.request("UNSUBSCRIBE", params))["result"] is True
        over = await probe.request("SUBSCRIBE", params)
        assert over["result"] is False
        assert re.search(r"operation limit exceeded : at most 5\b", over["msg"])
        assert (await probe.request("SUBSCRIBE", ["BTCUSDT@ticker"]))["result"] is True
        assert (await probe.request("SUBSCRIBE", ["BTCUSDT@ticker"]))["result"] is False


async def test_default_limits_are_weex_documented_values(
    paused_sim: Simulator, connect: Connect
) -> None:
    """By default a connection holds 100 channels and 240 operations per hour."""
    probe = await connect(paused_sim)
    channels = [f"{s}@{stream}" for s in SYMBOLS for stream in STREAMS][:101]
    for start in range(0, 100, 50):
        reply = await probe.request("SUBSCRIBE", channels[start : start + 50])
        assert reply["result"] is True
    assert len(paused_sim.connections[0].subscriptions) == 100
    over = await probe.request("SUBSCRIBE", channels[100:])
    assert "channel limit" in over["msg"]
    for start in range(0, 100, 50):
        reply = await probe.request("UNSUBSCRIBE", channels[start : start + 50])
        assert reply["result"] is True
    reply = await probe.request("SUBSCRIBE", channels[:40])  # 240 operations in all
    assert reply["result"] is True
    over = await probe.request("UNSUBSCRIBE", channels[:1])
    assert "operation limit" in over["msg"]


async def test_server_pings_and_close_after_more_than_five_unanswered(
    connect: Connect,
) -> None:
    """Pings come every ping_interval; the 6th unanswered one is followed by close."""
    async with Simulator(symbols=["BTCUSDT"], ping_interval=0.02) as sim:
        sim.pause()
        probe = await connect(sim)
        loop = asyncio.get_running_loop()
        started = loop.time()
        pings = 0
        while True:
            msg = await probe.wire()
            if msg.type is not aiohttp.WSMsgType.TEXT:
                break
            assert msg.json() == {"event": "ping", "time": str(sim.market.now_ms)}
            pings += 1
        elapsed = loop.time() - started
    assert pings == 6
    assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4000
    assert elapsed >= 7 * 0.02


async def test_pong_keeps_the_connection_open(connect: Connect) -> None:
    """Answering each ping with PONG resets the count: the link stays up."""
    async with Simulator(symbols=["BTCUSDT"], ping_interval=0.02) as sim:
        sim.pause()
        probe = await connect(sim)
        for n in range(12):
            frame = await probe.recv()
            assert frame["event"] == "ping"
            assert await probe.request("PONG", None, n) == {"result": True, "id": n}
        assert len(sim.connections) == 1


async def test_rfc6455_pings_are_answered(
    paused_sim: Simulator, connect: Connect
) -> None:
    """A WebSocket control ping gets a control pong."""
    probe = await connect(paused_sim, autoping=False)
    await probe.ws.ping(b"hi")
    msg = await probe.wire()
    assert (msg.type, msg.data) == (aiohttp.WSMsgType.PONG, b"hi")


async def test_pause_freezes_market_but_not_time_sensitive_replies(
    connect: Connect,
) -> None:
    """While paused no market frame is pushed and pings still arrive."""
    async with Simulator(symbols=["BTCUSDT"], speed=20, ping_interval=0.05) as sim:
        probe = await connect(sim)
        await probe.request("SUBSCRIBE", ["BTCUSDT@ticker"])
        await probe.collect(2, "ticker")
        sim.pause()
        await probe.barrier()
        frozen = sim.market.now_ms
        frame = await probe.recv()
        assert frame["event"] == "ping"
        assert await probe.barrier() == []
        assert sim.market.now_ms == frozen
        sim.resume()
        await probe.collect(1, "ticker")
        with pytest.raises(RuntimeError):
            sim.step()
