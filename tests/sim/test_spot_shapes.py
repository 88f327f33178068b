"""Golden-shape tests of the spot host: every frame and body looks like WEEX spot's.

Each simulator frame is compared with the published spot example in
``tests/frames/`` key by key and type by type (``test_shapes.assert_same_shape``).
Where WEEX publishes no spot example (kline, depthSnapshot, time, errors) the
contract one stands in, as WEEX-WS.md §1.7 says the shapes are the same.
"""

from __future__ import annotations

import aiohttp
import pytest

from weex_events.sim import Simulator

from .spot_client import spot_call, spot_get, spot_private, spot_public
from .test_shapes import assert_same_shape, golden


async def test_public_control_frames(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Greeting, ack and the _SPBL symbol rejection match the published frames."""
    probe = await spot_public(http, paused_sim)
    assert probe.greeting["event"] == "connected"
    ack = await probe.request("SUBSCRIBE", ["ETHUSDT@ticker"], 2)
    assert_same_shape(ack, golden("contract-v3-ack-subscribe.json"))
    reject = await probe.request("SUBSCRIBE", ["asdfs@ticker"], 1)
    assert reject == golden("v3-error-subscribe.json")


async def test_ticker_has_no_mark_or_index(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Spot tickers match the published spot ticker: no m, no i."""
    probe = await spot_public(http, sim)
    await probe.request("SUBSCRIBE", ["ETHUSDT@ticker"])
    for frame in await probe.collect(3):
        assert_same_shape(frame, golden("spot-v3-public-ticker.json"))


async def test_book_ticker_shape(sim: Simulator, http: aiohttp.ClientSession) -> None:
    """bookTicker pushes match the published one, u a ms stamp equal to E."""
    probe = await spot_public(http, sim)
    await probe.request("SUBSCRIBE", ["ETHUSDT@bookTicker"])
    for frame in await probe.collect(3):
        assert_same_shape(frame, golden("spot-v3-public-bookticker.json"))
        assert frame["u"] == frame["E"]


async def test_depth_frames_shape(sim: Simulator, http: aiohttp.ClientSession) -> None:
    """depthSnapshot and depth (15 and 200) match the published spot depth frame."""
    probe = await spot_public(http, sim)
    await probe.request("SUBSCRIBE", ["ETHUSDT@depth15", "ETHUSDT@depth200"])
    received = await probe.collect(16)
    published = golden("spot-v3-public-depth15-changed.json")
    for levels in (15, 200):
        frames = [f for f in received if f["l"] == levels]
        assert len(frames) > 2
        assert_same_shape(frames[0], dict(published, e="depthSnapshot", d="SNAPSHOT"))
        for frame in frames[1:]:
            assert frame["e"] == "depth"
            assert_same_shape(frame, published)


async def test_trade_and_kline_shapes(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Trades match the spot trade frame; klines the (same-shaped) contract one."""
    probe = await spot_public(http, sim)
    await probe.request("SUBSCRIBE", ["ETHUSDT@trade"])
    snapshot, live = await probe.collect(2)
    trade = golden("spot-v3-public-trade.json")
    assert_same_shape(snapshot, dict(trade, e="tradeSnapshot"))
    assert_same_shape(live, trade)
    await probe.request("UNSUBSCRIBE", ["ETHUSDT@trade"])
    await probe.request("SUBSCRIBE", ["ETHUSDT@kline_1m_LAST_PRICE"])
    history, current = [
        f for f in await probe.collect(12) if f["e"].startswith("kline")
    ][:2]
    kline = golden("contract-v3-public-kline.json")
    assert history["e"] == "klineSnapshot" and current["e"] == "kline"
    assert_same_shape(history, dict(kline, e="klineSnapshot"))
    assert_same_shape(current, kline)


async def test_private_pushes_shape(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """orders, fill and account pushes match the published spot private frames."""
    probe = await spot_private(http, paused_sim)
    assert (await probe.request("SUBSCRIBE", ["orders", "fill", "account"]))["result"]
    status, _ = await spot_call(
        http, paused_sim, "POST", "/api/v3/order",
        body={"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"},
    )  # fmt: skip
    assert status == 200
    frames = await probe.collect(5)
    assert [f["e"] for f in frames] == [
        "orders",
        "orders",
        "fill",
        "account",
        "account",
    ]
    for frame in frames:
        assert_same_shape(frame, golden(f"spot-v3-private-{frame['e']}.json"))


async def test_positions_is_not_a_spot_channel(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Subscribing positions on spot is rejected like an unknown event."""
    probe = await spot_private(http, paused_sim)
    reply = await probe.request("SUBSCRIBE", ["positions"])
    assert reply["result"] is False
    assert reply["msg"] == "INVALID_ARGUMENT: invalid event : positions"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v3/time", "contract-v3-rest-time.json"),
        ("/api/v3/market/depth?symbol=BTCUSDT", "spot-v3-rest-depth.json"),
        ("/api/v3/market/depth?symbol=ethusdt&limit=200", "spot-v3-rest-depth.json"),
    ],
)
async def test_public_rest_bodies_shape(
    sim: Simulator, http: aiohttp.ClientSession, path: str, name: str
) -> None:
    """Spot REST answers match the published bodies."""
    assert_same_shape(await spot_get(http, sim, path), golden(name))


async def test_exchange_info_shape(sim: Simulator, http: aiohttp.ClientSession) -> None:
    """exchangeInfo matches the published one plus the documented rateLimits,
    tickSize and stepSize (absent from that fixture, listed by WEEX-WS.md §1.7.5)."""
    published = golden("spot-v3-rest-exchangeinfo.json")
    published["rateLimits"] = [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 10,
         "limit": 500}
    ]  # fmt: skip
    published["symbols"][0].update(tickSize="0.01", stepSize="0.000001")
    body = await spot_get(http, sim, "/api/v3/exchangeInfo")
    assert_same_shape(body, published)
    assert [s["symbol"] for s in body["symbols"]] == list(sim.spot.market.symbols)


async def test_account_body_shape(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """GET /api/v3/account/ matches the published spot account body."""
    status, body = await spot_call(http, paused_sim, "GET", "/api/v3/account/")
    assert status == 200
    assert_same_shape(body, golden("spot-v3-rest-account.json"))
    assert body["balances"] == [{"asset": "USDT", "free": "100000.00000000",
                                 "locked": "0"}]  # fmt: skip


async def test_rest_error_shape(sim: Simulator, http: aiohttp.ClientSession) -> None:
    """Spot REST errors are HTTP 400 with WEEX's {"code","msg"} body."""
    async with http.get(sim.spot.rest_url + "/api/v3/market/depth?symbol=X") as r:
        assert r.status == 400
        body = await r.json()
    assert body == {"code": -1121, "msg": "Invalid symbol."}
    assert_same_shape(body, golden("contract-v3-rest-error.json"))


# WEEX publishes no spot example of these bodies; WEEX-WS.md §1.7.5 lists their
# fields and types, written out here as the reference (values are illustrative).
DOC_TICKER_24HR = {
    "symbol": "BTCUSDT", "priceChange": "-1.5", "priceChangePercent": "-0.000015",
    "lastPrice": "1.5", "bidPrice": "1.5", "bidQty": "1.5", "askPrice": "1.5",
    "askQty": "1.5", "openPrice": "1.5", "highPrice": "1.5", "lowPrice": "1.5",
    "volume": "1.5", "quoteVolume": "1.5", "openTime": 1, "closeTime": 1,
    "count": 1,
}  # fmt: skip
DOC_BOOK_TICKER = {"symbol": "BTCUSDT", "bidPrice": "1.5", "bidQty": "1.5",
                   "askPrice": "1.5", "askQty": "1.5"}  # fmt: skip
DOC_ORDER = {
    "symbol": "BTCUSDT", "orderId": 1, "clientOrderId": "text-1", "price": "1.5",
    "origQty": "1.5", "executedQty": "1.5", "cummulativeQuoteQty": "1.5",
    "status": "NEW", "timeInForce": "GTC", "type": "LIMIT", "side": "BUY",
    "time": 1, "updateTime": 1, "isWorking": True,
}  # fmt: skip
DOC_TRADE = {
    "symbol": "BTCUSDT", "id": 1, "orderId": 1, "price": "1.5", "qty": "1.5",
    "quoteQty": "1.5", "commission": "1.5", "time": 1, "isBuyer": True,
}  # fmt: skip


async def test_documented_public_bodies_shape(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """24 h and book tickers have the fields and types WEEX-WS.md §1.7.5 lists."""
    ticker = await spot_get(http, sim, "/api/v3/market/ticker/24hr?symbol=BTCUSDT")
    assert_same_shape(ticker, DOC_TICKER_24HR)
    for item in await spot_get(http, sim, "/api/v3/market/ticker/bookTicker"):
        assert_same_shape(item, DOC_BOOK_TICKER)


async def test_documented_trading_bodies_shape(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """Place, cancel, order, openOrders, allOrders and myTrades answers have the
    fields and JSON types of WEEX-WS.md §1.7.5 (ids and times as numbers)."""
    buy = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
    status, placed = await spot_call(
        http, paused_sim, "POST", "/api/v3/order", body=buy
    )
    assert status == 200
    assert_same_shape(
        placed,
        {"symbol": "BTCUSDT", "orderId": 1, "clientOrderId": "text-1",
         "transactTime": 1},
    )  # fmt: skip
    rest = dict(buy, type="LIMIT", price="50000.00", timeInForce="GTC")
    _, resting = await spot_call(http, paused_sim, "POST", "/api/v3/order", body=rest)
    by_id = {"orderId": str(resting["orderId"])}
    _, order = await spot_call(http, paused_sim, "GET", "/api/v3/order", params=by_id)
    assert_same_shape(order, DOC_ORDER)
    _, listed = await spot_call(http, paused_sim, "GET", "/api/v3/openOrders")
    assert len(listed) == 1
    assert_same_shape(listed, [DOC_ORDER])
    symbol = {"symbol": "BTCUSDT"}
    _, history = await spot_call(
        http, paused_sim, "GET", "/api/v3/allOrders", params=symbol
    )
    assert_same_shape(history, [dict(DOC_ORDER, status="FILLED", type="MARKET")])
    _, trades = await spot_call(
        http, paused_sim, "GET", "/api/v3/myTrades", params=symbol
    )
    assert trades
    assert_same_shape(trades, [DOC_TRADE])
    _, canceled = await spot_call(
        http, paused_sim, "DELETE", "/api/v3/order", params=by_id
    )
    assert canceled == {"orderId": resting["orderId"], "status": "CANCELED"}
