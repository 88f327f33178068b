"""The simulator's legacy V2 generation, seen by a plain aiohttp client.

Frames and REST bodies are compared with WEEX's published ``contract-v2-*`` examples
key by key and type by type (WEEX-WS.md §2, §3); commands, errors, the heartbeat and
the depth chain are checked on the raw wire.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio

from weex_events.sim import Simulator

from .conftest import SYMBOLS, Connect
from .probe import WAIT
from .test_shapes import assert_same_shape, golden

KEY, SECRET, PASSPHRASE = "sim-key", "sim-secret", "sim-pass"
REPLIES = ("subscribed", "unsubscribed", "error")


class V2Probe:
    """One V2 WebSocket with a buffer of frames read ahead."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._buffer: deque[Any] = deque()
        self._marks = itertools.count(1)

    async def recv(self, timeout: float = WAIT) -> Any:
        """The next JSON frame (buffered ones first)."""
        if self._buffer:
            return self._buffer.popleft()
        async with asyncio.timeout(timeout):
            msg = await self.ws.receive()
        assert msg.type is aiohttp.WSMsgType.TEXT, f"expected text, got {msg}"
        return orjson.loads(msg.data)

    async def send(self, obj: Any) -> None:
        """Send ``obj`` as a JSON text frame."""
        await self.ws.send_str(orjson.dumps(obj).decode())

    async def command(self, event: str, channel: str) -> dict[str, Any]:
        """Send one command; return the reply naming ``channel``, keep the rest."""
        await self.send({"event": event, "channel": channel})
        return await self.reply(channel)

    async def reply(self, channel: str | None) -> dict[str, Any]:
        """The next reply for ``channel``; frames read meanwhile stay buffered."""
        skipped: list[Any] = []
        async with asyncio.timeout(WAIT):
            while True:
                frame = await self.recv()
                if frame.get("event") in REPLIES and frame.get("channel") == channel:
                    self._buffer.extend(skipped)
                    return dict(frame)
                skipped.append(frame)

    async def barrier(self) -> list[Any]:
        """Every frame queued before now: a client ping's pong marks "now"."""
        mark = f"barrier-{next(self._marks)}"
        await self.send({"event": "ping", "time": mark})
        frames = list(self._buffer)
        self._buffer.clear()
        async with asyncio.timeout(WAIT):
            while True:
                frame = await self.recv()
                if frame == {"event": "pong", "time": mark}:
                    return frames
                frames.append(frame)

    async def payloads(self, count: int, channel: str) -> list[dict[str, Any]]:
        """The next ``count`` payload pushes of ``channel``."""
        found: list[dict[str, Any]] = []
        async with asyncio.timeout(WAIT):
            while len(found) < count:
                frame = await self.recv()
                if frame.get("event") == "payload" and frame["channel"] == channel:
                    found.append(frame)
        return found


def signed(timestamp: int, path: str = "/v2/ws/private") -> dict[str, str]:
    """The four handshake headers, signed by hand (WEEX-WS.md §2)."""
    digest = hmac.new(
        SECRET.encode(), f"{timestamp}{path}".encode(), hashlib.sha256
    ).digest()
    return {
        "ACCESS-KEY": KEY,
        "ACCESS-PASSPHRASE": PASSPHRASE,
        "ACCESS-TIMESTAMP": str(timestamp),
        "ACCESS-SIGN": base64.b64encode(digest).decode(),
    }


OpenV2 = Callable[..., Awaitable[V2Probe]]


@pytest_asyncio.fixture
async def open_v2(http: aiohttp.ClientSession) -> AsyncIterator[OpenV2]:
    """``await open_v2(sim, private=False)``: an open V2 probe (signed if private)."""
    opened: list[aiohttp.ClientWebSocketResponse] = []

    async def _open(sim: Simulator, private: bool = False) -> V2Probe:
        config = sim.config(protocol="v2")
        if private:
            headers = signed(sim.market.now_ms)
            ws = await http.ws_connect(config.private_url, headers=headers)
        else:
            ws = await http.ws_connect(config.public_url)
        opened.append(ws)
        return V2Probe(ws)

    yield _open
    for ws in opened:
        await ws.close()


def apply(book: dict[str, str], levels: list[dict[str, str]]) -> None:
    """Apply V2 depth levels to a price → size map; size "0" deletes."""
    for level in levels:
        if Decimal(level["size"]) == 0:
            book.pop(level["price"], None)
        else:
            book[level["price"]] = level["size"]


def ranked(book: dict[str, str], descending: bool) -> list[list[str]]:
    """A price → size map as REST's ``[price, size]`` pairs, best first."""
    prices = sorted(book, key=Decimal, reverse=descending)
    return [[p, book[p]] for p in prices]


# -- configuration and handshake -------------------------------------------------------


async def test_config_selects_the_generation(paused_sim: Simulator) -> None:
    """sim.config() stays V3; protocol="v2" switches the protocol and both URLs."""
    v3, v2 = paused_sim.config(), paused_sim.config(protocol="v2")
    assert v3.protocol == "v3" and v3.public_url.endswith("/v3/ws/public")
    assert v2.protocol == "v2"
    assert v2.ws_public_url == f"ws://127.0.0.1:{paused_sim.port}/v2/ws/public"
    assert v2.ws_private_url == f"ws://127.0.0.1:{paused_sim.port}/v2/ws/private"
    assert v2.rest_url == v3.rest_url and v2.api_key == v3.api_key


async def test_no_greeting_and_user_agent_required(
    paused_sim: Simulator, open_v2: OpenV2
) -> None:
    """A V2 socket opens silently; an upgrade without User-Agent gets HTTP 400."""
    probe = await open_v2(paused_sim)
    assert await probe.barrier() == []
    url = paused_sim.config(protocol="v2").public_url
    async with aiohttp.ClientSession(skip_auto_headers=["User-Agent"]) as bare:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await bare.ws_connect(url)
    assert refused.value.status == 400


# -- commands, acks, errors ------------------------------------------------------------


@pytest.mark.parametrize("name", ["ticker", "depth", "trades", "kline"])
async def test_published_requests_get_published_acks(
    paused_sim: Simulator, open_v2: OpenV2, name: str
) -> None:
    """WEEX's example subscribe gets WEEX's example ack; unsubscribe is acked too."""
    probe = await open_v2(paused_sim)
    request = golden(f"contract-v2-subscribe-request-{name}.json")
    await probe.send(request)
    ack = await probe.reply(request["channel"])
    assert ack == golden(f"contract-v2-ack-subscribed-{name}.json")
    unsubscribe = dict(golden("contract-v2-unsubscribe-request-template.json"))
    unsubscribe["channel"] = request["channel"]
    await probe.send(unsubscribe)
    reply = await probe.reply(request["channel"])
    assert reply == {"event": "unsubscribed", "channel": request["channel"]}


async def test_unsubscribe_stops_pushes(sim: Simulator, open_v2: OpenV2) -> None:
    """After the unsubscribed reply no more pushes of that channel arrive."""
    probe = await open_v2(sim)
    await probe.command("subscribe", "ticker.cmt_ethusdt")
    await probe.payloads(1, "ticker.cmt_ethusdt")
    await probe.command("unsubscribe", "ticker.cmt_ethusdt")
    await probe.barrier()
    await asyncio.sleep(0.1)  # bounded: several ticker intervals at speed 20
    late = [f for f in await probe.barrier() if f.get("event") == "payload"]
    assert late == []


@pytest.mark.parametrize(
    ("channel", "why"),
    [
        ("ticker.btcusdt", "symbol"),
        ("ticker.cmt_foousdt", "symbol"),
        ("depth.cmt_btcusdt.50", "channel"),
        ("kline.LAST_PRICE.cmt_btcusdt.1m", "channel"),
        ("bookTicker.cmt_btcusdt", "channel"),
        ("orders", "channel"),
    ],
)
async def test_bad_channels_are_rejected(
    paused_sim: Simulator, open_v2: OpenV2, channel: str, why: str
) -> None:
    """A bad channel gets {"event":"error","channel":..,"code":"40020","msg":..}."""
    probe = await open_v2(paused_sim)
    reply = await probe.command("subscribe", channel)
    assert reply["event"] == "error" and reply["channel"] == channel
    assert reply["code"] == "40020"
    assert reply["msg"].startswith(f"Parameter {why} is invalid")


async def test_symbols_are_case_insensitive(
    paused_sim: Simulator, open_v2: OpenV2
) -> None:
    """CMT_BTCUSDT is accepted, acked as sent, and pushed under the canonical name."""
    probe = await open_v2(paused_sim)
    reply = await probe.command("subscribe", "depth.CMT_BTCUSDT.15")
    assert reply == {"event": "subscribed", "channel": "depth.CMT_BTCUSDT.15"}
    (snapshot,) = await probe.payloads(1, "depth.cmt_btcusdt.15")
    assert snapshot["data"][0]["symbol"] == "cmt_btcusdt"


async def test_rejects_close_the_connection(
    paused_sim: Simulator, open_v2: OpenV2
) -> None:
    """Non-commands get an error without channel; the 6th rejection closes (1007)."""
    probe = await open_v2(paused_sim)
    await probe.ws.send_str("hello")
    reply = await probe.recv()
    assert reply == {
        "event": "error",
        "code": "40020",
        "msg": "unrecognized message : hello",
    }
    for n in range(4):
        await probe.command("subscribe", f"nope{n}")
    await probe.send({"event": "subscribe"})  # no channel: the 6th rejection
    assert (await probe.recv())["event"] == "error"
    closing = await probe.ws.receive(timeout=WAIT)
    assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 1007


# -- heartbeat -------------------------------------------------------------------------


async def test_ping_shape_and_echoed_pongs_keep_alive(
    http: aiohttp.ClientSession,
) -> None:
    """Pings look like WEEX's; pongs echoing their time keep the socket open."""
    async with Simulator(
        symbols=["BTCUSDT"], v2_ping_interval=0.02, max_unanswered_pings=1
    ) as sim:
        ws = await http.ws_connect(sim.config(protocol="v2").public_url)
        probe = V2Probe(ws)
        for _ in range(8):  # far more pings than the limit allows unanswered
            ping = await probe.recv()
            assert_same_shape(ping, golden("contract-v2-ping.json"))
            pong = dict(golden("contract-v2-pong.json"), time=ping["time"])
            await probe.send(pong)
        assert not ws.closed
        await ws.close()


@pytest.mark.parametrize("answer", [None, "wrong time"])
async def test_unanswered_pings_close_the_connection(
    http: aiohttp.ClientSession, answer: str | None
) -> None:
    """Six pings left unanswered (or answered with another time) close with 4000."""
    async with Simulator(symbols=["BTCUSDT"], v2_ping_interval=0.01) as sim:
        ws = await http.ws_connect(sim.config(protocol="v2").public_url)
        pings = 0
        async with asyncio.timeout(WAIT):
            while (msg := await ws.receive()).type is aiohttp.WSMsgType.TEXT:
                assert orjson.loads(msg.data)["event"] == "ping"
                pings += 1
                if answer is not None:
                    pong = {"event": "pong", "time": answer}
                    await ws.send_str(orjson.dumps(pong).decode())
        assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4000
        assert pings == 6  # WEEX-WS.md §2: closed after MORE than 5


# -- public pushes ---------------------------------------------------------------------


async def test_ticker_shape(sim: Simulator, open_v2: OpenV2) -> None:
    """Tickers match the published one; priceChangePercent is a fraction."""
    probe = await open_v2(sim)
    await probe.command("subscribe", "ticker.cmt_ethusdt")
    for frame in await probe.payloads(3, "ticker.cmt_ethusdt"):
        assert_same_shape(frame, golden("contract-v2-public-ticker.json"))
        item = frame["data"][0]
        change, last = Decimal(item["priceChange"]), Decimal(item["lastPrice"])
        fraction = change / (last - change)
        assert abs(fraction - Decimal(item["priceChangePercent"])) < Decimal("1e-6")


async def test_trades_shape(paused_sim: Simulator, open_v2: OpenV2) -> None:
    """No snapshot on subscribe; live trades match the published frame (no id)."""
    probe = await open_v2(paused_sim)
    await probe.command("subscribe", "trades.cmt_btcusdt")
    assert await probe.barrier() == []
    paused_sim.step(20)
    frames = await probe.barrier()
    assert len(frames) > 3
    for frame in frames:
        assert_same_shape(frame, golden("contract-v2-public-trades.json"))


@pytest.mark.parametrize(
    "channel", ["LAST_PRICE.cmt_ethusdt.MINUTE_1", "MARK_PRICE.cmt_ethusdt.DAY_1"]
)
async def test_kline_shape(
    paused_sim: Simulator, open_v2: OpenV2, channel: str
) -> None:
    """A "snapshot" push of history, then "change" pushes, like the published one."""
    probe = await open_v2(paused_sim)
    name = f"kline.{channel}"
    await probe.command("subscribe", name)
    (snapshot,) = await probe.barrier()
    paused_sim.step(10)  # one simulated second: the bar in progress stays the same
    changes = await probe.barrier()
    published = golden("contract-v2-public-kline.json")
    assert snapshot["type"] == "snapshot" and len(snapshot["data"]) == 101
    assert_same_shape(snapshot, dict(published, type="snapshot"))
    assert changes
    for live in changes:
        assert live["type"] == "change" and len(live["data"]) == 1
        assert_same_shape(live, published)
        assert live["data"][0]["klineTime"] == snapshot["data"][-1]["klineTime"]


async def test_depth_shapes_chain_and_rest_agree(
    paused_sim: Simulator, open_v2: OpenV2, http: aiohttp.ClientSession
) -> None:
    """SNAPSHOT then CHANGED items chain by version and rebuild REST's depth."""
    probe = await open_v2(paused_sim)
    for levels in (15, 200):
        await probe.command("subscribe", f"depth.cmt_btcusdt.{levels}")
    paused_sim.step(40)
    frames = [f for f in await probe.barrier() if f.get("event") == "payload"]
    published = golden("contract-v2-public-depth15-changed.json")
    for levels in (15, 200):
        channel = f"depth.cmt_btcusdt.{levels}"
        items = [f["data"][0] for f in frames if f["channel"] == channel]
        assert len(items) > 5
        assert items[0]["depthType"] == "SNAPSHOT"
        assert items[0]["startVersion"] == items[0]["endVersion"]
        bids: dict[str, str] = {}
        asks: dict[str, str] = {}
        for previous, item in zip([None, *items[:-1]], items, strict=True):
            frame = {"event": "payload", "channel": channel, "data": [item]}
            if previous is None:
                assert_same_shape(frame, dict(published, channel=channel))
            else:
                assert item["depthType"] == "CHANGED"
                assert_same_shape(frame, published)
                # WEEX-WS.md §2: next startVersion == previous endVersion.
                assert item["startVersion"] == previous["endVersion"]
            assert item["level"] == levels
            apply(bids, item["bids"])
            apply(asks, item["asks"])
        url = f"{paused_sim.rest_url}/capi/v2/market/depth"
        params = {"symbol": "cmt_btcusdt", "limit": str(levels)}
        async with http.get(url, params=params) as resp:
            rest = await resp.json()
        assert ranked(bids, descending=True) == rest["bids"]
        assert ranked(asks, descending=False) == rest["asks"]


async def test_depth_faults_reach_both_generations(
    paused_sim: Simulator, open_v2: OpenV2, connect: Connect
) -> None:
    """skip_depth_version breaks the chain on V2 and on V3 subscribers alike."""
    v2 = await open_v2(paused_sim)
    await v2.command("subscribe", "depth.cmt_ethusdt.15")
    v3 = await connect(paused_sim)
    await v3.request("SUBSCRIBE", ["ETHUSDT@depth"])
    paused_sim.faults.skip_depth_version("ETHUSDT")
    paused_sim.step(20)
    items = [f["data"][0] for f in await v2.barrier() if f.get("event") == "payload"]
    assert items[0]["depthType"] == "SNAPSHOT"
    breaks = [
        b for a, b in itertools.pairwise(items) if b["startVersion"] != a["endVersion"]
    ]
    assert len(breaks) == 1
    pushes = [f for f in await v3.barrier() if f.get("e") in ("depthSnapshot", "depth")]
    assert pushes[0]["e"] == "depthSnapshot"
    assert len([b for a, b in itertools.pairwise(pushes) if b["U"] != a["u"]]) == 1


# -- private ---------------------------------------------------------------------------


async def test_private_handshake_signs_the_v2_path(
    paused_sim: Simulator, open_v2: OpenV2, http: aiohttp.ClientSession
) -> None:
    """The V2 path must be signed; a V3-path signature gets 401 and V2's body."""
    probe = await open_v2(paused_sim, private=True)
    assert await probe.barrier() == []
    url = paused_sim.config(protocol="v2").private_url
    headers = signed(paused_sim.market.now_ms, path="/v3/ws/private")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(url, headers=headers)
    assert refused.value.status == 401
    async with http.get(url.replace("ws:", "http:"), headers=headers) as resp:
        body = await resp.json()
    assert body["code"] == "40009" and "ACCESS-SIGN" in body["msg"]
    assert_same_shape(body, golden("contract-v2-rest-error.json"))


async def test_private_pushes_match_the_published_ones(
    paused_sim: Simulator, open_v2: OpenV2
) -> None:
    """A paper market order gives orders, fill, positions and account trade-events."""
    probe = await open_v2(paused_sim, private=True)
    for name in ("orders", "fill", "positions", "account"):
        await probe.send(golden(f"contract-v2-subscribe-request-{name}.json"))
        ack = await probe.reply(name)
        assert ack == {"event": "subscribed", "channel": name}
        if name != "orders":
            assert ack == golden(f"contract-v2-ack-subscribed-{name}.json")
    paused_sim.paper.place_order(paused_sim.api_key, "BTCUSDT", "BUY", "0.010")
    pushes = await probe.barrier()
    assert [p["channel"] for p in pushes] == [
        "orders", "orders", "fill", "positions", "account",
    ]  # fmt: skip
    versions = [p["msg"]["version"] for p in pushes]
    assert versions == sorted(versions) and len(set(versions)) == 5
    for push in pushes:
        assert_same_shape(push, golden(f"contract-v2-private-{push['channel']}.json"))
    new, filled = (p["msg"]["data"]["order"][0] for p in pushes[:2])
    assert (new["status"], filled["status"]) == ("PENDING", "FILLED")
    assert filled["contractId"] == "cmt_btcusdt" and filled["coinId"] == "USDT"
    assert filled["marginMode"] == "SHARED"
    assert filled["timeInForce"] == "IMMEDIATE_OR_CANCEL"
    assert filled["triggerPriceType"] == "UNKNOWN_PRICE_TYPE"
    fill = pushes[2]["msg"]["data"]["orderFillTransaction"][0]
    assert fill["orderId"] == filled["id"] and fill["direction"] == "TAKER"
    collateral = pushes[4]["msg"]["data"]["collateral"][0]
    assert collateral["crossContractId"] == "0"


async def test_private_limit_orders_spell_v2_words(
    paused_sim: Simulator, open_v2: OpenV2
) -> None:
    """GTC and FOK are GOOD_TIL_CANCEL and FILL_OR_KILL on V2."""
    probe = await open_v2(paused_sim, private=True)
    await probe.command("subscribe", "orders")
    book = paused_sim.market.book("BTCUSDT")
    far = paused_sim.market.instrument("BTCUSDT").price(book.bids.price_at(10))
    paper, key = paused_sim.paper, paused_sim.api_key
    paper.place_order(key, "BTCUSDT", "BUY", "0.010", type="LIMIT", price=far)
    paper.place_order(
        key, "BTCUSDT", "BUY", "0.010", type="LIMIT", price=far, time_in_force="FOK"
    )
    orders = [p["msg"]["data"]["order"][0] for p in await probe.barrier()]
    assert [o["timeInForce"] for o in orders] == [
        "GOOD_TIL_CANCEL", "GOOD_TIL_CANCEL", "FILL_OR_KILL", "FILL_OR_KILL",
    ]  # fmt: skip
    assert [o["status"] for o in orders] == ["PENDING", "OPEN", "PENDING", "CANCELED"]


# -- REST ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/capi/v2/market/time", "contract-v2-rest-time.json"),
        (
            "/capi/v2/market/depth?symbol=cmt_btcusdt&limit=15",
            "contract-v2-rest-depth.json",
        ),
        (
            "/capi/v2/market/depth?symbol=cmt_ethusdt&limit=200",
            "contract-v2-rest-depth.json",
        ),
        ("/capi/v2/market/contracts", "contract-v2-rest-contracts.json"),
        (
            "/capi/v2/market/contracts?symbol=cmt_adausdt",
            "contract-v2-rest-contracts.json",
        ),
    ],
)
async def test_rest_bodies_shape(
    paused_sim: Simulator, http: aiohttp.ClientSession, path: str, name: str
) -> None:
    """V2 REST answers match the published bodies."""
    async with http.get(paused_sim.rest_url + path) as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        assert_same_shape(await resp.json(), golden(name))


async def test_rest_time_and_depth_values(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Time is the simulated clock three ways; depth is the market's book."""
    async with http.get(paused_sim.rest_url + "/capi/v2/market/time") as resp:
        body = await resp.json()
    assert body == {
        "epoch": "1767225600.000",
        "iso": "2026-01-01T00:00:00.000Z",
        "timestamp": 1_767_225_600_000,
    }
    url = paused_sim.rest_url + "/capi/v2/market/depth?symbol=CMT_ETHUSDT"
    async with http.get(url) as resp:
        body = await resp.json()
    bids, asks, _ = paused_sim.market.depth("ETHUSDT", 15)
    assert body["bids"] == [list(b) for b in bids]
    assert body["asks"] == [list(a) for a in asks]
    assert body["timestamp"] == "1767225600000"
    async with http.get(paused_sim.rest_url + "/capi/v2/market/contracts") as resp:
        symbols = [c["symbol"] for c in await resp.json()]
    assert symbols == [f"cmt_{s.lower()}" for s in SYMBOLS]


async def test_rest_unknown_symbol_and_errors(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Unknown depth symbol: 200 with nulls; bad parameters: 400 with code 40020."""
    base = paused_sim.rest_url + "/capi/v2/market/"
    async with http.get(base + "depth?symbol=BTCUSDT") as resp:
        assert resp.status == 200
        assert await resp.json() == {"asks": None, "bids": None, "timestamp": None}
    for query, name in (
        ("depth", "symbol"),
        ("depth?symbol=cmt_btcusdt&limit=50", "limit"),
        ("contracts?symbol=cmt_foousdt", "symbol"),
    ):
        async with http.get(base + query) as resp:
            assert resp.status == 400
            body = await resp.json()
        assert_same_shape(body, golden("contract-v2-rest-error.json"))
        assert body["code"] == "40020"
        assert body["msg"] == f"Parameter {name} is invalid"
