"""Golden-shape tests: the simulator's frames and REST bodies look like WEEX's.

Each test compares a live simulator frame with the published example in
``tests/frames/`` key by key and type by type: same keys, same JSON types, and the
same kind of string (decimal, ms timestamp, UUID, upper-case word, other text).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from weex_events.sim import Simulator

from .conftest import Connect

FRAMES = Path(__file__).resolve().parents[1] / "frames"

_STRING_KINDS = (
    ("ms", re.compile(r"^\d{13}$")),
    ("decimal", re.compile(r"^-?\d+(\.\d+)?$")),
    (
        "uuid",
        re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    ),
    ("upper", re.compile(r"^[A-Z][A-Z0-9_]*$")),
)


def golden(name: str) -> Any:
    """A published frame from ``tests/frames/``."""
    path = FRAMES / name
    if not path.exists():
        pytest.skip(f"golden frame {name} not found in {FRAMES}")
    return orjson.loads(path.read_bytes())


def kind(value: Any) -> str:
    """The JSON type of ``value``, with strings classified by format."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        for name, pattern in _STRING_KINDS:
            if pattern.match(value):
                return name
        return "text"
    if value is None:
        return "null"
    return type(value).__name__


def assert_same_shape(actual: Any, expected: Any, path: str = "$") -> None:
    """Fail unless ``actual`` has the keys, types and string formats of ``expected``.

    Lists: every item of ``actual`` must match the first item of ``expected``.
    """
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {kind(actual)} instead of an object"
        assert set(actual) == set(expected), (
            f"{path}: keys differ: extra {sorted(set(actual) - set(expected))}, "
            f"missing {sorted(set(expected) - set(actual))}"
        )
        for key, value in expected.items():
            assert_same_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {kind(actual)} instead of a list"
        if expected:
            for i, item in enumerate(actual):
                assert_same_shape(item, expected[0], f"{path}[{i}]")
    else:
        assert kind(actual) == kind(expected), (
            f"{path}: {actual!r} is {kind(actual)}, WEEX sends {kind(expected)} "
            f"({expected!r})"
        )


def test_shape_helper_catches_differences() -> None:
    """The comparison notices a missing key, a number as string and a bad format."""
    base = {"s": "BTCUSDT", "E": 1775120521971, "p": "1.5"}
    assert_same_shape(dict(base), base)
    for broken in (
        {"s": "BTCUSDT", "E": 1775120521971},
        {"s": "BTCUSDT", "E": "1775120521971", "p": "1.5"},
        {"s": "btcusdt", "E": 1775120521971, "p": "1.5"},
        {"s": "BTCUSDT", "E": 1775120521971, "p": 1.5},
    ):
        with pytest.raises(AssertionError):
            assert_same_shape(broken, base)


async def test_greeting_shape(paused_sim: Simulator, connect: Connect) -> None:
    """The greeting has a UUID cid, event "connected" and a ms-string time."""
    probe = await connect(paused_sim)
    expected = {"cid": "0af19668-5ffb-49fb-bec6-418c321f2b83", "event": "connected",
                "time": "1788692250000"}  # fmt: skip
    assert_same_shape(probe.greeting, expected)
    assert probe.greeting["event"] == "connected"


async def test_control_frames_shape(paused_sim: Simulator, connect: Connect) -> None:
    """Acks, rejects and unparseable-text replies match WEEX's published ones."""
    probe = await connect(paused_sim)
    assert_same_shape(
        await probe.request("SUBSCRIBE", ["ETHUSDT@ticker"], 2),
        golden("contract-v3-ack-subscribe.json"),
    )
    assert_same_shape(
        await probe.request("SUBSCRIBE", ["asdfs_spbl@ticker"], 1),
        golden("v3-error-subscribe.json"),
    )
    await probe.ws.send_str("hello")
    reply = await probe.recv()
    assert_same_shape(reply, {"result": False, "msg": "INVALID_ARGUMENT: unrecognized"})


async def test_server_ping_shape(connect: Connect) -> None:
    """Server pings look like the published public ping."""
    async with Simulator(symbols=["BTCUSDT"], ping_interval=0.02) as sim:
        probe = await connect(sim)
        assert_same_shape(await probe.recv(), golden("contract-v3-ping-public.json"))


async def test_depth_frames_shape(sim: Simulator, connect: Connect) -> None:
    """depthSnapshot and depth (15 and 200) match the published depth frames."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["ethusdt@depth", "ETHUSDT@depth200"])
    received = await probe.collect(16)
    for levels, name in ((15, "depth15"), (200, "depth200")):
        published = golden(f"contract-v3-public-{name}-changed.json")
        snapshot = dict(published, e="depthSnapshot", d="SNAPSHOT")
        frames = [f for f in received if f["l"] == levels]
        assert len(frames) > 2
        assert frames[0]["e"] == "depthSnapshot" and frames[0]["d"] == "SNAPSHOT"
        assert_same_shape(frames[0], snapshot)
        for frame in frames[1:]:
            assert frame["e"] == "depth" and frame["d"] == "CHANGED"
            assert_same_shape(frame, published)


async def test_trade_frames_shape(sim: Simulator, connect: Connect) -> None:
    """tradeSnapshot and trade match the published trade frame."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["ethusdt@trade"])
    published = golden("contract-v3-public-trade.json")
    snapshot, *live = await probe.collect(3)
    assert snapshot["e"] == "tradeSnapshot" and len(snapshot["d"]) == 50
    assert_same_shape(snapshot, dict(published, e="tradeSnapshot"))
    for frame in live:
        assert frame["e"] == "trade"
        assert_same_shape(frame, published)


@pytest.mark.parametrize("stream", ["kline_1d", "kline_1m_MARK_PRICE"])
async def test_kline_frames_shape(
    sim: Simulator, connect: Connect, stream: str
) -> None:
    """klineSnapshot and kline match the published kline frame."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", [f"ETHUSDT@{stream}"])
    published = golden("contract-v3-public-kline.json")
    snapshot, live = await probe.collect(2)
    assert snapshot["e"] == "klineSnapshot" and live["e"] == "kline"
    assert_same_shape(snapshot, dict(published, e="klineSnapshot"))
    assert_same_shape(live, published)


async def test_ticker_frame_shape(sim: Simulator, connect: Connect) -> None:
    """ticker matches the published contract ticker."""
    probe = await connect(sim)
    await probe.request("SUBSCRIBE", ["ETHUSDT@ticker"])
    for frame in await probe.collect(3):
        assert_same_shape(frame, golden("contract-v3-public-ticker.json"))


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/capi/v3/market/time", "contract-v3-rest-time.json"),
        (
            "/capi/v3/market/depth?symbol=BTCUSDT&limit=15",
            "contract-v3-rest-depth.json",
        ),
        (
            "/capi/v3/market/depth?symbol=btcusdt&limit=200",
            "contract-v3-rest-depth.json",
        ),
        ("/capi/v3/market/exchangeInfo", "contract-v3-rest-exchangeinfo.json"),
        ("/capi/v3/market/ticker/24hr", "contract-v3-rest-ticker24hr.json"),
        (
            "/capi/v3/market/ticker/24hr?symbol=ETHUSDT",
            "contract-v3-rest-ticker24hr.json",
        ),
    ],
)
async def test_rest_bodies_shape(
    sim: Simulator, http: aiohttp.ClientSession, path: str, name: str
) -> None:
    """REST answers match the published bodies."""
    async with http.get(sim.rest_url + path) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        assert_same_shape(await resp.json(), golden(name))


async def test_rest_error_shape(sim: Simulator, http: aiohttp.ClientSession) -> None:
    """REST errors answer HTTP 400 with WEEX's {"code": int, "msg": str} body."""
    async with http.get(sim.rest_url + "/capi/v3/market/depth?symbol=FOO") as resp:
        assert resp.status == 400
        body = await resp.json()
    assert body == {"code": -1121, "msg": "Invalid symbol."}
    assert_same_shape(body, golden("contract-v3-rest-error.json"))
