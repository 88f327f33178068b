"""The SDK on WEEX's legacy V2 generation, end to end against the simulator.

``WeexConfig(protocol="v2")`` clients talk to the simulator's ``/v2/ws/...``
endpoints (WEEX-WS.md §2) and must give users the same events and normalized data
as V3 clients do (DESIGN.md §1, §3).
"""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tests.conftest import paused_book
from weex_events import (
    ConnectionEvent,
    StreamMessage,
    SubscriptionError,
    WeexRestClient,
    WeexWebSocketClient,
)
from weex_events.sim import Simulator

PRIVATE_KINDS = ("order", "fill", "position", "account")


pytestmark = pytest.mark.weex_sim(seed=3, symbols=("BTCUSDT", "ETHUSDT"))


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture (seed 3, two symbols, speed 20)."""
    return weex_sim


def client_for(sim: Simulator, protocol: str = "v2") -> WeexWebSocketClient:
    return WeexWebSocketClient(
        sim.config(protocol=protocol), backoff=lambda: itertools.repeat(0.0)
    )


async def take(stream: Any, count: int) -> list[StreamMessage]:
    """The first ``count`` messages of ``stream`` (then the stream is released)."""
    got: list[StreamMessage] = []
    async with asyncio.timeout(5):
        async for msg in stream:
            got.append(msg)
            if len(got) == count:
                break
    return got


class Recorder:
    """Private messages by kind, with a bounded wait for a condition on them."""

    def __init__(self, client: WeexWebSocketClient) -> None:
        self.items: dict[str, list[StreamMessage]] = {k: [] for k in PRIVATE_KINDS}
        self.changed = asyncio.Event()
        for kind in PRIVATE_KINDS:
            client.on(kind, self._add)

    def _add(self, msg: StreamMessage) -> None:
        self.items[msg.kind].append(msg)
        self.changed.set()

    async def until_filled(self) -> None:
        """Wait for a filled order, a fill, a position and an account item."""
        async with asyncio.timeout(5):
            while not (
                any(m.data["status"] == "filled" for m in self.items["order"])
                and all(self.items[k] for k in PRIVATE_KINDS)
            ):
                self.changed.clear()
                await self.changed.wait()


# -- public data --------------------------------------------------------------------


async def test_tickers_are_normalized_like_v3(sim: Simulator) -> None:
    """V2 tickers carry V3's keys minus open and index; change is in percent."""
    async with client_for(sim) as v2, client_for(sim, "v3") as v3:
        (v3_ticker,) = await take(v3.stream_tickers(["BTCUSDT"]), 1)
        tickers = await take(v2.stream_tickers(["btcusdt"]), 3)
    for msg in tickers:
        assert (msg.event, msg.kind, msg.symbol) == (
            "ticker:BTCUSDT",
            "ticker",
            "BTCUSDT",
        )
        assert set(msg.data) == set(v3_ticker.data) - {"open", "index"}
        raw = msg.raw
        assert Decimal(msg.data["change"]) == Decimal(raw["priceChangePercent"]) * 100
        assert msg.data["change_abs"] == raw["priceChange"]
        assert msg.data["last"] == raw["lastPrice"]
        assert msg.data["mark"] == raw["markPrice"]
        assert msg.data["trades"] == int(raw["trades"])


async def test_trades_carry_the_taker_side(sim: Simulator) -> None:
    """One message per V2 trade: buyerMaker true is a sell; time is int ms."""
    async with client_for(sim) as client:
        trades = await take(client.stream_trades("ETHUSDT"), 6)
    for msg in trades:
        assert msg.event == "trade:ETHUSDT"
        assert set(msg.data) == {"symbol", "price", "size", "value", "side", "time"}
        assert msg.data["side"] == ("sell" if msg.raw["buyerMaker"] else "buy")
        assert msg.data["time"] == int(msg.raw["time"])
        assert msg.timestamp == msg.data["time"] / 1000


@pytest.mark.parametrize("level", [15, 200])
async def test_book_matches_v2_rest_depth(sim: Simulator, level: int) -> None:
    """After many V2 deltas, the maintained book equals the V2 REST depth."""
    async with client_for(sim) as client:
        await take(client.stream_order_book("BTCUSDT", level=level), 30)
        await client.subscribe("book", "BTCUSDT", level=level)  # keep it alive
        book = await paused_book(client, sim, "BTCUSDT")
        url = f"{sim.rest_url}/capi/v2/market/depth"
        params = {"symbol": "cmt_btcusdt", "limit": str(level)}
        async with (
            aiohttp.ClientSession() as http,
            http.get(url, params=params) as resp,
        ):
            depth = await resp.json()
        sim.resume()
    assert client.stats.resyncs == 0
    assert [list(pair) for pair in book.data["bids"]] == depth["bids"]
    assert [list(pair) for pair in book.data["asks"]] == depth["asks"]
    assert len(book.data["bids"]) == level


async def test_klines_arrive_normalized(sim: Simulator) -> None:
    """V2 klines become kline messages with the interval and an int start."""
    async with client_for(sim) as client:
        bars = await take(client.stream_klines("BTCUSDT", "1m"), 3)
    for msg in bars:
        assert msg.event == "kline:BTCUSDT"
        assert msg.data["interval"] == "1m"
        assert msg.data["start"] == int(msg.raw["klineTime"])
        assert msg.data["close"] == msg.raw["close"]
        assert {"open", "high", "low", "volume", "quote_volume", "closed"} <= set(
            msg.data
        )


async def test_gap_resyncs_the_book_once(sim: Simulator) -> None:
    """A skipped V2 depth version gives one resync and a fresh SNAPSHOT chain."""
    async with client_for(sim) as client:
        resyncs: list[Any] = []
        client.on("resync", resyncs.append)
        client.on("book:ETHUSDT", lambda msg: None)
        await client.wait_for("book:ETHUSDT", timeout=5)
        sim.faults.skip_depth_version("ETHUSDT")
        await client.wait_for("resync", timeout=5)
        for _ in range(10):  # the chain holds again after the resync
            await client.wait_for("book:ETHUSDT", timeout=5)
    assert len(resyncs) == 1 and client.stats.resyncs == 1


async def test_rejected_channel_raises_subscription_error(sim: Simulator) -> None:
    """The simulator's V2 error reply fails the subscription with its message."""
    async with client_for(sim) as client:
        with pytest.raises(SubscriptionError, match="Parameter symbol is invalid"):
            await client.subscribe("ticker", "DOGEUSDT")  # not simulated here
        (conn,) = sim.connections
        assert conn.rejects == 1


async def test_unsubscribe_emits_unsubscribed(sim: Simulator) -> None:
    """Unsubscribing a V2 channel emits "unsubscribed", as on V3."""
    async with client_for(sim) as client:
        await client.subscribe("ticker", "BTCUSDT")
        waiting = asyncio.ensure_future(client.wait_for("unsubscribed", timeout=2))
        await asyncio.sleep(0)  # let wait_for register its handler
        await client.unsubscribe("ticker", "BTCUSDT")
        event = await waiting
    assert event.param == "ticker.cmt_btcusdt"


# -- connection ----------------------------------------------------------------------


async def test_dropped_connection_resubscribes(sim: Simulator) -> None:
    """After a TCP drop the V2 client reconnects, resubscribes and gets data again."""
    async with client_for(sim) as client:
        client.on("ticker:BTCUSDT", lambda msg: None)
        await client.wait_for("ticker:BTCUSDT", timeout=5)
        assert sim.faults.drop() == 1
        event: ConnectionEvent = await client.wait_for("reconnected", timeout=5)
        await client.wait_for("ticker:BTCUSDT", timeout=5)
        (conn,) = sim.connections
        assert conn.subscriptions == {"ticker.cmt_btcusdt"}
    assert event.endpoint == "public" and client.stats.reconnects == 1


async def test_server_pings_are_answered_with_the_echoed_time() -> None:
    """The client echoes each ping's time, so pinged every 200 ms it is never
    closed."""
    async with (
        Simulator(
            symbols=["BTCUSDT"], speed=20, v2_ping_interval=0.2, max_unanswered_pings=2
        ) as sim,
        client_for(sim) as client,
    ):
        lost: list[ConnectionEvent] = []
        client.on("disconnected", lost.append)
        await client.subscribe("ticker", "BTCUSDT")
        (conn,) = sim.connections
        # Only echoes of an outstanding ping answer (otherwise: closed, 4000).
        # Counted, not timed: the subscribe and seven pongs.
        async with asyncio.timeout(60):
            while conn.commands_received < 8 and not lost:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert lost == [] and client.stats.reconnects == 0


# -- private -------------------------------------------------------------------------


async def test_private_events_match_v3_after_a_paper_order(sim: Simulator) -> None:
    """A paper market order reaches V2 and V3 clients as the same normalized events."""
    async with client_for(sim) as v2, client_for(sim, "v3") as v3:
        got_v2, got_v3 = Recorder(v2), Recorder(v3)
        for client in (v2, v3):
            for kind in PRIVATE_KINDS:
                await client.subscribe(kind)
        async with WeexRestClient(sim.config()) as rest:
            placed = await rest.place_order("BTCUSDT", "buy", "0.010")
        await got_v2.until_filled()
        await got_v3.until_filled()
    orders = got_v2.items["order"]
    assert [m.data["status"] for m in orders] == ["pending", "filled"]
    filled = orders[-1]
    assert filled.event == "order:BTCUSDT" and filled.symbol == "BTCUSDT"
    assert filled.data["order_id"] == placed["orderId"]
    assert filled.data["time_in_force"] == "ioc" and filled.data["type"] == "market"
    position = got_v2.items["position"][0].data
    assert position["side"] == "long" and position["margin_mode"] == "cross"
    assert Decimal(position["size"]) == Decimal("0.01")
    account = got_v2.items["account"][0].data
    assert account["coin"] == "USDT" and account["margin_mode"] == "cross"
    assert account["balance"] == f"{sim.paper.wallet(sim.api_key).amount:f}"
    for kind in PRIVATE_KINDS:
        mine, theirs = got_v2.items[kind], got_v3.items[kind]
        assert [m.data for m in mine] == [m.data for m in theirs]
        assert [m.event for m in mine] == [m.event for m in theirs]
        assert [m.timestamp for m in mine] == [m.timestamp for m in theirs]


async def test_resting_limit_order_is_gtc(sim: Simulator) -> None:
    """A resting V2 limit order reports time_in_force "gtc", as on V3."""
    async with client_for(sim) as client:
        await client.subscribe("order")
        book = sim.market.book("BTCUSDT")
        far = sim.market.instrument("BTCUSDT").price(book.bids.price_at(20))
        sim.paper.place_order(
            sim.api_key, "BTCUSDT", "BUY", "0.010", type="LIMIT", price=far
        )
        msg = await client.wait_for(
            "order:BTCUSDT", timeout=5, predicate=lambda m: m.data["status"] == "new"
        )
    assert msg.data["time_in_force"] == "gtc"
