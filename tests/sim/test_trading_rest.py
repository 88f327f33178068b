"""Signed REST trading against the simulator's paper exchange (WEEX-WS.md §3).

Requests are signed by hand with a plain aiohttp client, except one interop test
that drives the SDK's own ``WeexRestClient`` end to end.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson
import pytest
from yarl import URL

from weex_events.errors import AuthenticationError, RestError
from weex_events.rest import WeexRestClient
from weex_events.sim import Simulator

from .probe import Probe
from .test_private import KEY, PASSPHRASE, SECRET, ws_headers

SYM = "BTCUSDT"


async def call(
    http: aiohttp.ClientSession,
    sim: Simulator,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: Any = None,
    secret: str = SECRET,
    key: str = KEY,
    age: int = 0,
    signed_query: str | None = None,
    signed_body: str | None = None,
    drop: str | None = None,
) -> tuple[int, Any]:
    """Send one signed request; return (status, decoded JSON answer).

    ``signed_query``/``signed_body`` sign something other than what is sent.
    """
    query = urlencode(params) if params else ""
    text = body if isinstance(body, str) else "" if body is None else orjson.dumps(body)
    text = text.decode() if isinstance(text, bytes) else text
    timestamp = sim.market.now_ms - age
    sq = query if signed_query is None else signed_query
    message = f"{timestamp}{method}{path}" + (f"?{sq}" if sq else "")
    message += text if signed_body is None else signed_body
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    headers = {
        "ACCESS-KEY": key,
        "ACCESS-PASSPHRASE": PASSPHRASE,
        "ACCESS-TIMESTAMP": str(timestamp),
        "ACCESS-SIGN": base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }
    if drop:
        del headers[drop]
    url = URL(sim.rest_url + path + (f"?{query}" if query else ""), encoded=True)
    async with http.request(method, url, headers=headers, data=text or None) as r:
        return r.status, orjson.loads(await r.read())


def order_body(**changes: Any) -> dict[str, Any]:
    """A small market buy, with ``changes``."""
    body = {"symbol": SYM, "side": "BUY", "type": "MARKET", "quantity": "0.002"}
    body.update(changes)
    return body


def far_below(sim: Simulator) -> str:
    """A BTCUSDT limit price 200 USD below the best bid: it rests."""
    bid = sim.market.book(SYM).bids.best()
    assert bid is not None
    return f"{(bid - 2_000) / 10:.1f}"


async def test_market_order_opens_a_position(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """POST order fills; allPosition (REST spellings, int ids) and balance show it."""
    status, placed = await call(
        http, paused_sim, "POST", "/capi/v3/order", body=order_body()
    )
    assert status == 200
    assert set(placed) == {"orderId", "clientOrderId", "success"} and placed["success"]
    status, positions = await call(
        http, paused_sim, "GET", "/capi/v3/account/position/allPosition"
    )
    assert status == 200 and len(positions) == 1
    (position,) = positions
    assert {"asset", "marginType", "marginSize", "unrealizePnl"} <= set(position)
    assert type(position["id"]) is int and type(position["updatedTime"]) is int
    assert (position["side"], position["size"]) == ("LONG", "0.002")
    status, (balance,) = await call(http, paused_sim, "GET", "/capi/v3/account/balance")
    assert set(balance) == {
        "asset",
        "balance",
        "availableBalance",
        "frozen",
        "unrealizePnl",
        "equity",
    }
    assert balance["asset"] == "USDT" and float(balance["balance"]) < 100_000


async def test_limit_order_is_listed_and_canceled_by_client_id(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """A resting limit order shows in openOrders and cancels by origClientOrderId."""
    body = order_body(type="LIMIT", price=far_below(paused_sim), newClientOrderId="c-1")
    status, placed = await call(http, paused_sim, "POST", "/capi/v3/order", body=body)
    assert (status, placed["clientOrderId"]) == (200, "c-1")
    _, listed = await call(
        http, paused_sim, "GET", "/capi/v3/openOrders", params={"symbol": SYM}
    )
    assert [(o["orderId"], o["status"]) for o in listed] == [
        (int(placed["orderId"]), "NEW")
    ]
    assert {"origQty", "executedQty", "cumQuote", "avgPrice", "updateTime"} <= set(
        listed[0]
    )
    params = {"symbol": SYM, "origClientOrderId": "c-1"}
    status, canceled = await call(
        http, paused_sim, "DELETE", "/capi/v3/order", params=params
    )
    assert (status, canceled) == (200, {"orderId": placed["orderId"], "success": True})
    assert (await call(http, paused_sim, "GET", "/capi/v3/openOrders"))[1] == []


async def test_cancel_all_and_close_positions(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """DELETE allOpenOrders cancels each; POST closePositions flattens the account."""
    limit = order_body(type="LIMIT", price=far_below(paused_sim))
    ids = [
        (await call(http, paused_sim, "POST", "/capi/v3/order", body=limit))[1][
            "orderId"
        ]
        for _ in range(2)
    ]
    status, results = await call(http, paused_sim, "DELETE", "/capi/v3/allOpenOrders")
    assert (status, results) == (200, [{"orderId": i, "success": True} for i in ids])
    await call(http, paused_sim, "POST", "/capi/v3/order", body=order_body())
    (position,) = paused_sim.paper.positions(KEY)
    status, closed = await call(
        http, paused_sim, "POST", "/capi/v3/closePositions", body={}
    )
    assert (status, closed) == (
        200,
        [{"symbol": SYM, "positionId": position.position_id, "success": True}],
    )
    _, positions = await call(
        http, paused_sim, "GET", "/capi/v3/account/position/allPosition"
    )
    assert positions == []


async def test_rest_orders_push_on_the_private_socket(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """An order placed over REST is pushed to the account's private subscribers."""
    headers = ws_headers(paused_sim.market.now_ms)
    async with http.ws_connect(paused_sim.ws_private_url, headers=headers) as ws:
        probe = Probe(ws)
        await probe.recv()
        await probe.request("SUBSCRIBE", ["orders"])
        _, placed = await call(
            http, paused_sim, "POST", "/capi/v3/order", body=order_body()
        )
        pushes = await probe.collect(2, "orders")
    assert [p["d"][0]["id"] for p in pushes] == [placed["orderId"]] * 2
    assert [p["d"][0]["status"] for p in pushes] == ["PENDING", "FILLED"]


CANCEL = ("DELETE", "/capi/v3/order")
PLACE = ("POST", "/capi/v3/order")


@pytest.mark.parametrize(
    ("request_", "options", "status", "code"),
    [
        (PLACE, {"body": order_body(symbol="NOPEUSDT")}, 400, -1121),
        (PLACE, {"body": {"symbol": SYM, "side": "BUY", "type": "MARKET"}}, 400, -1140),
        (PLACE, {"body": order_body(reduceOnly="yes")}, 400, -1141),
        (PLACE, {"body": order_body(quantity="0.0001")}, 400, -1141),
        (PLACE, {"body": order_body(quantity="50")}, 400, -2019),
        (PLACE, {"body": order_body(side="SELL", reduceOnly=True)}, 400, -2022),
        (PLACE, {"body": "[1, 2]"}, 400, -1142),
        (PLACE, {"body": "not json"}, 400, -1142),
        (CANCEL, {"params": {"symbol": SYM}}, 400, -1140),
        (CANCEL, {"params": {"orderId": "1"}}, 400, -1140),
        (CANCEL, {"params": {"symbol": SYM, "orderId": "42"}}, 400, -2011),
        (CANCEL, {"params": {"symbol": "NOPE", "orderId": "42"}}, 400, -1121),
        (("GET", "/capi/v3/openOrders"), {"params": {"symbol": "x"}}, 400, -1121),
        (PLACE, {"body": order_body(), "secret": "wrong"}, 401, -1047),
        (PLACE, {"body": order_body(), "key": "nobody"}, 401, -1047),
        (PLACE, {"body": order_body(), "signed_body": "{}"}, 401, -1047),
        (
            CANCEL,
            {"params": {"symbol": SYM, "orderId": "1"}, "signed_query": ""},
            401,
            -1047,
        ),
        (PLACE, {"body": order_body(), "age": 31_000}, 401, -1046),
        (PLACE, {"body": order_body(), "drop": "ACCESS-SIGN"}, 401, -1040),
        (("GET", "/capi/v3/account/balance"), {"drop": "ACCESS-KEY"}, 401, -1040),
    ],
)
async def test_errors_answer_weex_bodies(
    paused_sim: Simulator,
    http: aiohttp.ClientSession,
    request_: tuple[str, str],
    options: dict[str, Any],
    status: int,
    code: int,
) -> None:
    """Every refusal is an HTTP 4xx with {"code": <negative int>, "msg": <text>}."""
    method, path = request_
    got_status, body = await call(http, paused_sim, method, path, **options)
    assert (got_status, body["code"]) == (status, code)
    assert set(body) == {"code", "msg"} and body["msg"]
    assert SECRET not in body["msg"] and PASSPHRASE not in body["msg"]
    assert paused_sim.paper.positions(KEY) == []


async def test_sdk_rest_client_interoperates(paused_sim: Simulator) -> None:
    """The SDK's WeexRestClient signs, trades and reads errors against the simulator."""
    async with WeexRestClient(paused_sim.config()) as rest:
        placed = await rest.place_order(SYM, "buy", "0.003")
        assert placed["success"] is True
        resting = await rest.place_order(
            SYM,
            "sell",
            "0.001",
            type="LIMIT",
            price="250000.0",
            time_in_force="gtc",
            client_order_id="far-1",
        )
        opened = await rest.open_orders(SYM)
        assert [str(o["orderId"]) for o in opened] == [resting["orderId"]]
        assert await rest.cancel_order(SYM, client_order_id="far-1") == {
            "orderId": resting["orderId"],
            "success": True,
        }
        await rest.place_order(SYM, "sell", "0.001", type="LIMIT", price="250000.0")
        assert len(await rest.cancel_all_orders(SYM)) == 1
        (position,) = await rest.positions()
        assert (position["side"], position["size"]) == ("LONG", "0.003")
        (balance,) = await rest.balance()
        assert balance["asset"] == "USDT"
        (closed,) = await rest.close_all_positions()
        assert closed["success"] is True and await rest.positions() == []
        with pytest.raises(RestError) as invalid:
            await rest.place_order("NOPEUSDT", "buy", "1")
        assert invalid.value.code == -1121
    wrong = paused_sim.config(secret_key="not-the-secret")
    async with WeexRestClient(wrong) as rest:
        with pytest.raises(AuthenticationError):
            await rest.balance()
