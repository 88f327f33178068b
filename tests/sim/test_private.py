"""The private WebSocket endpoint, seen by a plain aiohttp client.

Signed handshake (WEEX-WS.md §1.2), private heartbeat (§1.3), bare-name channels and
the paper exchange's pushes, compared with WEEX's published private frames (§1.6).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio

from weex_events.sim import Simulator
from weex_events.sim.accounts import SignClock

from .probe import Probe, greeted
from .test_shapes import assert_same_shape, golden

KEY, SECRET, PASSPHRASE = "sim-key", "sim-secret", "sim-pass"
SECRETS = (SECRET, PASSPHRASE)

OpenPrivate = Callable[..., Awaitable[Probe]]


def ws_headers(
    timestamp: int,
    *,
    key: str = KEY,
    secret: str = SECRET,
    passphrase: str = PASSPHRASE,
) -> dict[str, str]:
    """The four handshake headers, signed by hand (WEEX-WS.md §1.2)."""
    message = f"{timestamp}/v3/ws/private".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return {
        "ACCESS-KEY": key,
        "ACCESS-PASSPHRASE": passphrase,
        "ACCESS-TIMESTAMP": str(timestamp),
        "ACCESS-SIGN": base64.b64encode(digest).decode(),
    }


@pytest_asyncio.fixture
async def open_private(http: aiohttp.ClientSession) -> AsyncIterator[OpenPrivate]:
    """``await open_private(sim, **header_options)``: a signed probe, greeted."""
    opened: list[aiohttp.ClientWebSocketResponse] = []

    async def _open(sim: Simulator, **options: Any) -> Probe:
        headers = ws_headers(sim.market.now_ms, **options)
        ws = await http.ws_connect(sim.ws_private_url, headers=headers)
        opened.append(ws)
        return await greeted(ws)

    yield _open
    for ws in opened:
        await ws.close()


async def refusal(
    http: aiohttp.ClientSession, sim: Simulator, headers: dict[str, str]
) -> tuple[int, Any]:
    """Status and JSON body of a handshake with ``headers``."""
    async with http.get(
        sim.ws_private_url.replace("ws:", "http:"), headers=headers
    ) as r:
        return r.status, orjson.loads(await r.read())


async def test_signed_handshake_is_greeted(
    paused_sim: Simulator, open_private: OpenPrivate
) -> None:
    """Correct headers open a private connection that greets like the public one."""
    probe = await open_private(paused_sim)
    assert probe.greeting["event"] == "connected"
    assert probe.greeting["time"] == str(paused_sim.market.now_ms)
    (view,) = paused_sim.connections
    assert (view.endpoint, view.cid) == ("private", probe.greeting["cid"])


@pytest.mark.parametrize(
    ("change", "code", "msg_names"),
    [
        ({"secret": "wrong"}, -1047, "ACCESS-SIGN"),
        ({"passphrase": "wrong"}, -1047, "ACCESS-PASSPHRASE"),
        ({"key": "nobody"}, -1047, "ACCESS-KEY"),
        ({"age": 31_000}, -1046, "window"),
        ({"age": -31_000}, -1046, "window"),
        ({"drop": "ACCESS-SIGN"}, -1040, "ACCESS-SIGN"),
        ({"drop": "ACCESS-TIMESTAMP"}, -1040, "ACCESS-TIMESTAMP"),
        ({"timestamp": "17e11"}, -1046, "ACCESS-TIMESTAMP"),
    ],
)
async def test_bad_credentials_get_401_with_a_weex_body(
    paused_sim: Simulator,
    http: aiohttp.ClientSession,
    change: dict[str, Any],
    code: int,
    msg_names: str,
) -> None:
    """Wrong secret, passphrase, key, stale time or a missing header: HTTP 401."""
    age = change.pop("age", 0)
    drop = change.pop("drop", None)
    timestamp = change.pop("timestamp", None)
    headers = ws_headers(paused_sim.market.now_ms - age, **change)
    if drop:
        del headers[drop]
    if timestamp:
        headers["ACCESS-TIMESTAMP"] = timestamp
    status, body = await refusal(http, paused_sim, headers)
    assert status == 401
    assert body["code"] == code and set(body) == {"code", "msg"}
    assert msg_names in body["msg"]
    assert not any(secret in body["msg"] for secret in SECRETS)
    assert paused_sim.private_stats.handshakes_rejected == 1


async def test_refused_handshake_is_a_401_for_websocket_clients(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """A WebSocket client sees the refusal as HTTP 401 on the upgrade."""
    headers = ws_headers(paused_sim.market.now_ms, secret="wrong")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(paused_sim.ws_private_url, headers=headers)
    assert refused.value.status == 401
    assert paused_sim.connections == ()


async def test_timestamp_29_seconds_old_is_accepted(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """The window is 30 s: 29 s old still opens."""
    headers = ws_headers(paused_sim.market.now_ms - 29_000)
    async with http.ws_connect(paused_sim.ws_private_url, headers=headers) as ws:
        greeting = await Probe(ws).recv()
    assert greeting["event"] == "connected"


async def test_user_agent_is_required(paused_sim: Simulator) -> None:
    """Without a User-Agent the upgrade is refused with HTTP 400."""
    async with aiohttp.ClientSession(skip_auto_headers=["User-Agent"]) as bare:
        headers = ws_headers(paused_sim.market.now_ms)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await bare.ws_connect(paused_sim.ws_private_url, headers=headers)
    assert refused.value.status == 400


async def test_clock_synced_from_server_time_stays_valid(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Signing with serverTime + real elapsed works after simulated time raced on."""
    async with http.get(f"{paused_sim.rest_url}/capi/v3/market/time") as r:
        synced = (await r.json())["serverTime"]
    paused_sim.step(400)  # 40 simulated seconds, no real time
    assert paused_sim.market.now_ms - synced == 40_000
    headers = ws_headers(synced)
    async with http.ws_connect(paused_sim.ws_private_url, headers=headers) as ws:
        assert (await Probe(ws).recv())["event"] == "connected"
    status, body = await refusal(http, paused_sim, ws_headers(synced - 31_000))
    assert (status, body["code"]) == (401, -1046)


def test_sign_clock_window() -> None:
    """Fresh: within 30 s of simulated now, or of a served time plus real time since."""
    clock = SignClock()
    assert clock.is_fresh(1_000_000, server_ms=1_030_000, real_ms=0)
    assert not clock.is_fresh(1_000_000, server_ms=1_030_001, real_ms=0)
    clock.observe(server_ms=500_000, real_ms=10_000)
    assert clock.is_fresh(505_000, server_ms=9_000_000, real_ms=15_000)
    assert not clock.is_fresh(545_001, server_ms=9_000_000, real_ms=15_000)


async def test_private_pings_and_pongs() -> None:
    """Pings are {"type":"ping","time"}; a PONG gets no reply and keeps the link up."""
    async with (
        Simulator(
            symbols=["BTCUSDT"], ping_interval=0.05, max_unanswered_pings=1
        ) as sim,
        aiohttp.ClientSession() as http,
    ):
        headers = ws_headers(sim.market.now_ms)
        async with http.ws_connect(sim.ws_private_url, headers=headers) as ws:
            probe = Probe(ws)
            await probe.recv()
            for n in range(4):  # past max_unanswered_pings only because answered
                ping = await probe.recv()
                assert set(ping) == {"type", "time"} and ping["type"] == "ping"
                assert_same_shape(ping, golden("contract-v3-ping-private.json"))
                await probe.send({"method": "PONG", "id": n})
            assert all(f.get("id") not in range(4) for f in await probe.barrier())
            while True:  # unanswered: closed with 4000 after more than one ping
                msg = await probe.wire()
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    break
            assert (msg.type, msg.data) == (aiohttp.WSMsgType.CLOSE, 4000)


async def test_subscribe_bare_names_and_reject_others(
    paused_sim: Simulator, open_private: OpenPrivate
) -> None:
    """account/positions/orders/fill are acked; anything else is rejected."""
    probe = await open_private(paused_sim)
    channels = ["account", "positions", "orders", "fill"]
    assert await probe.request("SUBSCRIBE", channels, 1) == {"result": True, "id": 1}
    (view,) = paused_sim.connections
    assert view.subscriptions == frozenset(channels)
    for bad in ("BTCUSDT@ticker", "order", "ORDERS"):
        reply = await probe.request("SUBSCRIBE", [bad], 2)
        assert reply == {
            "result": False,
            "id": 2,
            "msg": f"INVALID_ARGUMENT: invalid event : {bad}",
        }
    assert await probe.request("UNSUBSCRIBE", ["fill"], "3") == {
        "result": True,
        "id": "3",
    }
    assert view.subscriptions == frozenset(channels) - {"fill"}


async def test_market_order_pushes_match_weex_frames(
    paused_sim: Simulator, open_private: OpenPrivate
) -> None:
    """orders PENDING, orders FILLED, fill, positions, account: WEEX's shapes, v + 1."""
    probe = await open_private(paused_sim)
    await probe.request("SUBSCRIBE", ["orders", "fill", "positions", "account"])
    order = paused_sim.paper.place_order(KEY, "BTCUSDT", "BUY", "0.010")
    pushes = await probe.collect(5)
    assert [p["e"] for p in pushes] == [
        "orders",
        "orders",
        "fill",
        "positions",
        "account",
    ]
    for push, name in zip(
        pushes,
        ("orders", "orders", "fill", "positions-orderupdate", "account"),
        strict=True,
    ):
        published = golden(f"contract-v3-private-{name}.json")
        assert_same_shape(push, dict(published, msgEvent="OrderUpdate"))
        assert push["msgEvent"] == "OrderUpdate"
        assert push["E"] == paused_sim.market.now_ms
    versions = [p["v"] for p in pushes]
    assert versions == list(range(versions[0], versions[0] + 5))
    pending, filled = pushes[0]["d"][0], pushes[1]["d"][0]
    assert (pending["id"], pending["status"], pending["cumFillSize"]) == (
        order.order_id,
        "PENDING",
        "0",
    )
    assert (filled["status"], filled["cumFillSize"], filled["type"]) == (
        "FILLED",
        "0.010",
        "MARKET",
    )
    assert filled["cumFillFee"] == pushes[2]["d"][0]["fillFee"]
    assert filled["latestFillPrice"] != "0"
    assert pushes[3]["d"][0]["size"] == "0.010"
    assert pushes[4]["d"][0]["amount"] == str(paused_sim.paper.wallet(KEY).amount)


async def test_resting_order_fills_when_the_market_moves(
    paused_sim: Simulator, open_private: OpenPrivate
) -> None:
    """sim.move() walks the market through a resting sell: it fills as a maker."""
    probe = await open_private(paused_sim)
    await probe.request("SUBSCRIBE", ["orders", "fill"])
    ask = paused_sim.market.book("BTCUSDT").asks.best()
    assert ask is not None
    limit = f"{(ask + 1_000) / 10:.1f}"
    paused_sim.paper.place_order(
        KEY, "BTCUSDT", "SELL", "0.002", type="LIMIT", price=limit
    )
    opened = await probe.collect(2, "orders")
    assert [o["d"][0]["status"] for o in opened] == ["PENDING", "OPEN"]
    paused_sim.move("BTCUSDT", float(limit) + 300, steps=3)
    filled, fill = await probe.collect(2)
    assert (filled["d"][0]["status"], filled["d"][0]["latestFillPrice"]) == (
        "FILLED",
        limit,
    )
    assert (fill["e"], fill["d"][0]["direction"], fill["d"][0]["positionSide"]) == (
        "fill",
        "MAKER",
        "SHORT",
    )


async def test_funding_pushes_match_weex_frames(
    http: aiohttp.ClientSession, open_private: OpenPrivate
) -> None:
    """A funding settlement pushes positions and account with PositionFundingSettle."""
    sim = Simulator(symbols=["BTCUSDT"], funding_interval=1.0)
    sim.pause()
    async with sim:
        probe = await open_private(sim)
        await probe.request("SUBSCRIBE", ["positions", "account"])
        sim.paper.place_order(KEY, "BTCUSDT", "BUY", "0.010")
        await probe.collect(2)
        sim.step(10)  # 100 ms steps: one funding boundary per simulated second
        positions, account = await probe.collect(2)
    assert_same_shape(positions, golden("contract-v3-private-positions.json"))
    assert_same_shape(account, golden("contract-v3-private-account.json"))
    assert positions["msgEvent"] == account["msgEvent"] == "PositionFundingSettle"
    assert positions["d"][0]["fundingFee"] != "0"


async def test_pushes_go_only_to_the_accounts_own_connections(
    paused_sim: Simulator, open_private: OpenPrivate
) -> None:
    """Another API key's connection sees none of this account's pushes."""
    paused_sim.add_account("other-key", "other-secret", "other-pass", balance="500")
    mine = await open_private(paused_sim)
    theirs = await open_private(
        paused_sim, key="other-key", secret="other-secret", passphrase="other-pass"
    )
    for probe in (mine, theirs):
        await probe.request("SUBSCRIBE", ["orders"])
    paused_sim.paper.place_order(KEY, "BTCUSDT", "BUY", "0.001")
    assert len(await mine.collect(2)) == 2
    assert await theirs.barrier() == []
    assert paused_sim.paper.wallet("other-key").amount == 500


async def test_faults_reach_private_connections(
    paused_sim: Simulator, open_private: OpenPrivate
) -> None:
    """faults.drop(endpoint="private") cuts the private connection."""
    probe = await open_private(paused_sim)
    assert paused_sim.faults.drop(endpoint="public") == 0
    assert paused_sim.faults.drop(endpoint="private") == 1
    async with asyncio.timeout(3):
        while (await probe.wire()).type is aiohttp.WSMsgType.TEXT:
            pass
    assert probe.ws.closed or probe.ws.close_code in (None, 1006)
