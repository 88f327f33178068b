"""The spot host over the wire: REST trading, private pushes, the book, laziness."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from weex_events.sim import Simulator

from .spot_client import spot_call, spot_get, spot_private, spot_public

BUY_BTC = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"}


def balances(body: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal]]:
    """(free, locked) per asset of a spot account body."""
    return {
        b["asset"]: (Decimal(b["free"]), Decimal(b["locked"])) for b in body["balances"]
    }


async def account(http: aiohttp.ClientSession, sim: Simulator) -> dict[str, Any]:
    """The signed GET /api/v3/account/ body."""
    status, body = await spot_call(http, sim, "GET", "/api/v3/account/")
    assert status == 200, body
    return body


async def test_market_buy_moves_usdt_into_btc(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """A REST market buy: USDT down by the fill value, BTC up by size less fee."""
    status, placed = await spot_call(
        http, paused_sim, "POST", "/api/v3/order", body=BUY_BTC
    )
    assert status == 200
    assert isinstance(placed["orderId"], int) and placed["symbol"] == "BTCUSDT"
    status, trades = await spot_call(
        http, paused_sim, "GET", "/api/v3/myTrades", params={"symbol": "BTCUSDT"}
    )
    assert status == 200 and trades
    spent = sum(Decimal(t["quoteQty"]) for t in trades)
    assert sum(Decimal(t["qty"]) for t in trades) == Decimal("0.1")
    assert all(t["orderId"] == placed["orderId"] and t["isBuyer"] for t in trades)
    assert balances(await account(http, paused_sim)) == {
        "USDT": (Decimal(100000) - spent, Decimal(0)),
        "BTC": (Decimal("0.0999"), Decimal(0)),
    }
    for params in (
        {"orderId": str(placed["orderId"])},
        {"origClientOrderId": placed["clientOrderId"]},
    ):
        status, order = await spot_call(
            http, paused_sim, "GET", "/api/v3/order", params=params
        )
        assert status == 200
        assert (order["status"], order["executedQty"]) == ("FILLED", "0.100000")
        assert order["isWorking"] is False


async def test_limit_orders_rest_lock_funds_and_cancel(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Resting limit buys are NEW in openOrders, lock USDT, and cancel both ways."""
    body = dict(BUY_BTC, type="LIMIT", price="50000.00", timeInForce="GTC")
    ids = []
    for client_id in ("a-1", "a-2"):
        status, placed = await spot_call(
            http, paused_sim, "POST", "/api/v3/order",
            body=dict(body, newClientOrderId=client_id),
        )  # fmt: skip
        assert status == 200
        ids.append(placed["orderId"])
    status, listed = await spot_call(http, paused_sim, "GET", "/api/v3/openOrders")
    assert [o["orderId"] for o in listed] == ids
    assert {o["status"] for o in listed} == {"NEW"}
    assert balances(await account(http, paused_sim))["USDT"] == (
        Decimal(90000),
        Decimal(10000),
    )
    status, answer = await spot_call(
        http, paused_sim, "DELETE", "/api/v3/order",
        params={"origClientOrderId": "a-1"},
    )  # fmt: skip
    assert (status, answer) == (200, {"origClientOrderId": "a-1", "status": "CANCELED"})
    status, answer = await spot_call(
        http, paused_sim, "DELETE", "/api/v3/openOrders", params={"symbol": "BTCUSDT"}
    )
    assert (status, answer) == (200, [{"orderId": ids[1], "status": "CANCELED"}])
    assert balances(await account(http, paused_sim))["USDT"] == (
        Decimal(100000),
        Decimal(0),
    )
    status, history = await spot_call(
        http, paused_sim, "GET", "/api/v3/allOrders", params={"symbol": "BTCUSDT"}
    )
    assert [(o["orderId"], o["status"]) for o in history] == [
        (ids[0], "CANCELED"),
        (ids[1], "CANCELED"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "options", "status", "code"),
    [
        ("POST", "/api/v3/order", {"body": dict(BUY_BTC, quantity="5")}, 400, -2010),
        ("POST", "/api/v3/order", {"body": dict(BUY_BTC, symbol="NOPE")}, 400, -1121),
        ("POST", "/api/v3/order", {"body": {"symbol": "BTCUSDT"}}, 400, -1140),
        ("GET", "/api/v3/order", {"params": {"orderId": "7"}}, 400, -2200),
        ("DELETE", "/api/v3/order", {}, 400, -1140),
        ("GET", "/api/v3/myTrades", {}, 400, -1140),
        ("GET", "/api/v3/account/", {"secret": "wrong"}, 401, -1047),
    ],
)
async def test_errors_answer_weex_bodies(
    paused_sim: Simulator,
    http: aiohttp.ClientSession,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int,
    code: int,
) -> None:
    """Refusals answer {"code","msg"} with the spot codes of WEEX-WS.md §1.7.7."""
    got, body = await spot_call(http, paused_sim, method, path, **options)
    assert (got, body["code"]) == (status, code)
    assert isinstance(body["msg"], str)


async def test_rest_orders_push_orders_fill_account(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """A REST buy pushes orders, fill and account items that agree with REST."""
    probe = await spot_private(http, paused_sim)
    await probe.request("SUBSCRIBE", ["orders", "fill", "account"])
    _, placed = await spot_call(http, paused_sim, "POST", "/api/v3/order", body=BUY_BTC)
    pending, filled, fill, btc, usdt = await probe.collect(5)
    assert [f["v"] for f in (pending, filled, fill, btc, usdt)] == [1, 2, 3, 4, 5]
    assert (pending["d"][0]["status"], filled["d"][0]["status"]) == (
        "PENDING",
        "FILLED",
    )
    assert filled["d"][0]["id"] == str(placed["orderId"])
    assert all(f["orderId"] == str(placed["orderId"]) for f in fill["d"])
    assert sum(Decimal(f["fillFee"]) for f in fill["d"]) == Decimal("0.0001")
    rest = balances(await account(http, paused_sim))
    for push in (btc, usdt):
        [item] = push["d"]
        free, locked = rest[item["coin"]]
        assert Decimal(item["available"]) == free
        assert Decimal(item["equity"]) == free + locked


async def test_spot_book_from_pushes_equals_rest_depth(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Snapshot + chained deltas rebuild exactly the REST depth at the same version."""
    probe = await spot_public(http, paused_sim)
    await probe.request("SUBSCRIBE", ["BTCUSDT@depth15", "BTCUSDT@bookTicker"])
    paused_sim.step(20)
    frames = await probe.barrier()
    depth = [f for f in frames if f["e"].startswith("depth")]
    assert depth[0]["e"] == "depthSnapshot" and len(depth) > 3
    bids: dict[str, str] = {}
    asks: dict[str, str] = {}
    last = None
    for frame in depth:
        assert last is None or frame["U"] == last  # WEEX-WS.md §1.5 chain
        last = frame["u"]
        for side, levels in ((bids, frame["b"]), (asks, frame["a"])):
            for price, size in levels:
                side.pop(price, None) if size == "0" else side.update({price: size})
    rest = await spot_get(http, paused_sim, "/api/v3/market/depth?symbol=BTCUSDT")
    assert rest["lastUpdateId"] == last
    top_bids = sorted(bids.items(), key=lambda kv: -Decimal(kv[0]))[:15]
    top_asks = sorted(asks.items(), key=lambda kv: Decimal(kv[0]))[:15]
    assert [list(level) for level in top_bids] == rest["bids"]
    assert [list(level) for level in top_asks] == rest["asks"]
    ticker = [f for f in frames if f["e"] == "bookTicker"][-1]
    assert (ticker["b"], ticker["a"]) == (rest["bids"][0][0], rest["asks"][0][0])
    best = await spot_get(http, paused_sim, "/api/v3/market/ticker/bookTicker")
    btc = next(b for b in best if b["symbol"] == "BTCUSDT")
    assert (btc["bidPrice"], btc["bidQty"]) == (ticker["b"], ticker["B"])


async def test_spot_venue_is_lazy_and_keeps_the_clock() -> None:
    """Spot costs nothing until used; awake, its clock is the contract clock."""
    sim = Simulator(symbols=["BTCUSDT"], start_time_ms=1_767_225_600_000)
    sim.pause()
    async with sim:
        sim.step(7)
        assert not sim.spot.awake and sim.spot.connections == ()
        async with aiohttp.ClientSession() as http:
            body = await spot_get(http, sim, "/api/v3/time")
        assert sim.spot.awake
        assert body == {"serverTime": sim.market.now_ms}
        sim.step(3)
        assert sim.spot.market.now_ms == sim.market.now_ms


async def test_config_points_at_the_spot_host(paused_sim: Simulator) -> None:
    """sim.config(market="spot") names the spot host's URLs; V2 spot is refused."""
    config = paused_sim.config(market="spot")
    assert config.market == "spot"
    assert config.ws_public_url == paused_sim.spot.ws_public_url
    assert config.ws_private_url.endswith(f":{paused_sim.spot.port}/v3/ws/private")
    assert config.rest_url == paused_sim.spot.rest_url
    assert paused_sim.spot.port != paused_sim.port
    with pytest.raises(ValueError):
        paused_sim.config(market="spot", protocol="v2")


async def test_faults_reach_spot_connections(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """sim.faults.drop() drops spot connections too."""
    probe = await spot_public(http, paused_sim)
    paused_sim.faults.drop()
    msg = await probe.wire()
    assert msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)


async def test_tickers_answer_one_object_or_a_list(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """symbol gives an object, symbols (comma list or JSON array) a list."""
    one = await spot_get(http, sim, "/api/v3/market/ticker/24hr?symbol=ethusdt")
    assert isinstance(one, dict) and one["symbol"] == "ETHUSDT"
    for query in ("symbols=BTCUSDT,ETHUSDT", 'symbols=["BTCUSDT","ETHUSDT"]'):
        listed = await spot_get(http, sim, f"/api/v3/market/ticker/bookTicker?{query}")
        assert [t["symbol"] for t in listed] == ["BTCUSDT", "ETHUSDT"]
    info = await spot_get(http, sim, "/api/v3/exchangeInfo?symbol=ADAUSDT")
    assert [s["symbol"] for s in info["symbols"]] == ["ADAUSDT"]
    every = await spot_get(http, sim, "/api/v3/market/ticker/24hr")
    assert [t["symbol"] for t in every] == list(sim.spot.market.symbols)
