"""Tests for weex_events.rest: endpoints, signing, clock offset and error mapping.

The network is faked with aioresponses; one test runs a real aiohttp server on
127.0.0.1 to check the signature against the request line a server receives.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses
from yarl import URL

from weex_events.config import WeexConfig
from weex_events.errors import (
    AuthenticationError,
    ClientClosedError,
    ConfigError,
    RateLimitError,
    RestError,
    WeexConnectionError,
    WeexError,
)
from weex_events.rest import WeexRestClient

FRAMES = Path(__file__).parent / "frames"
BASE = "http://127.0.0.1:8999"
API_KEY = "test-api-key-0123456789"
SECRET = "test-secret-XYZ-987"
PASSPHRASE = "test-passphrase-abc"
CONFIG = WeexConfig(
    api_key=API_KEY, secret_key=SECRET, passphrase=PASSPHRASE, rest_url=BASE
)
#: The injected local clock, in seconds.
NOW = 1_700_000_000.0
#: The mocked server runs 10 s ahead of the local clock.
SERVER_MS = 1_700_000_010_000
TIME_URL = BASE + "/capi/v3/market/time"

Call = Any  # aioresponses.core.RequestCall: (args, kwargs)


def _frame(name: str) -> Any:
    return orjson.loads((FRAMES / name).read_bytes())


def _calls(m: aioresponses, method: str, path: str) -> list[tuple[URL, Call]]:
    """Every recorded request with this method and path, with its URL."""
    return [
        (url, call)
        for (verb, url), calls in m.requests.items()
        if verb == method and url.path == path
        for call in calls
    ]


def _only(m: aioresponses, method: str, path: str) -> tuple[URL, Call]:
    calls = _calls(m, method, path)
    assert len(calls) == 1, calls
    return calls[0]


def _sign(message: str) -> str:
    digest = hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _assert_signed(call: Call, method: str, path: str, query: str = "") -> str:
    """Check the ACCESS-* headers of a recorded call; return its signature."""
    headers = call.kwargs["headers"]
    data = call.kwargs.get("data")
    body = data.decode() if data else ""
    timestamp = headers["ACCESS-TIMESTAMP"]
    message = timestamp + method + path + (f"?{query}" if query else "") + body
    assert headers["ACCESS-KEY"] == API_KEY
    assert headers["ACCESS-PASSPHRASE"] == PASSPHRASE
    assert headers["ACCESS-SIGN"] == _sign(message)
    assert headers["Content-Type"] == "application/json"
    # WEEX-WS.md §3: the timestamp is the server's clock (local + 10 s offset).
    assert timestamp == str(SERVER_MS)
    signature: str = headers["ACCESS-SIGN"]
    return signature


def _body(call: Call) -> Any:
    return orjson.loads(call.kwargs["data"])


class _MockResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 predates the ``stream_writer`` argument of aiohttp 3.14."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


class _Mocker(aioresponses):
    """aioresponses whose canned responses build on aiohttp 3.14."""

    def add(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("response_class", _MockResponse)
        super().add(*args, **kwargs)


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with _Mocker() as m:
        yield m


@pytest.fixture
async def rest() -> AsyncIterator[WeexRestClient]:
    async with WeexRestClient(CONFIG, clock=lambda: NOW) as client:
        yield client


def _mock_time(m: aioresponses) -> None:
    # Registered once: a second sync would hit an unmatched URL and fail.
    m.get(TIME_URL, payload={"serverTime": SERVER_MS})


# -- public endpoints ---------------------------------------------------------


async def test_server_time_returns_ms_and_sets_offset(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """server_time returns serverTime and sets the offset from the round trip."""
    _mock_time(mocked)
    assert await rest.server_time() == SERVER_MS
    assert rest.server_clock.offset_ms == 10_000
    url, call = _only(mocked, "GET", "/capi/v3/market/time")
    assert url.query_string == ""
    assert call.kwargs["headers"]["User-Agent"] == CONFIG.user_agent
    assert "ACCESS-SIGN" not in call.kwargs["headers"]


async def test_sync_clock_returns_offset(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """sync_clock measures and returns the offset in ms."""
    _mock_time(mocked)
    assert await rest.sync_clock() == 10_000


async def test_server_time_without_server_time_field(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """An answer without serverTime is a RestError, not a KeyError."""
    mocked.get(TIME_URL, payload={"epoch": "1716710918.113"})
    with pytest.raises(RestError, match="serverTime"):
        await rest.server_time()


@pytest.mark.parametrize("limit", [15, 200])
async def test_depth(mocked: aioresponses, rest: WeexRestClient, limit: int) -> None:
    """depth sends symbol and limit and returns the snapshot."""
    snapshot = _frame("contract-v3-rest-depth.json")
    mocked.get(
        f"{BASE}/capi/v3/market/depth?symbol=BTCUSDT&limit={limit}", payload=snapshot
    )
    assert await rest.depth("BTCUSDT", limit=limit) == snapshot
    url, _ = _only(mocked, "GET", "/capi/v3/market/depth")
    assert dict(url.query) == {"symbol": "BTCUSDT", "limit": str(limit)}


@pytest.mark.parametrize(
    "answer",
    [
        {"bids": [], "asks": []},
        {"bids": [], "asks": [], "lastUpdateId": "7"},
        {"bids": [], "asks": [], "lastUpdateId": True},
        {"bids": None, "asks": [], "lastUpdateId": 7},
        {"bids": [["1.5", "2"]], "asks": [[1.6, 2]], "lastUpdateId": 7},
        {"bids": [["1.5", "2"]], "asks": ["1.6"], "lastUpdateId": 7},
        # V2's answer for an unknown symbol: HTTP 200, every field null.
        {"bids": None, "asks": None, "timestamp": None},
    ],
)
async def test_depth_refuses_an_answer_that_is_no_snapshot(
    mocked: aioresponses, rest: WeexRestClient, answer: dict[str, object]
) -> None:
    """depth raises RestError for an answer that is not bids/asks/lastUpdateId."""
    url = f"{BASE}/capi/v3/market/depth?symbol=BTCUSDT&limit=15"
    mocked.get(url, payload=answer)
    with pytest.raises(RestError, match="expected a depth snapshot") as info:
        await rest.depth("BTCUSDT")
    assert info.value.path == "/capi/v3/market/depth"


@pytest.mark.parametrize("limit", [5, 100, 0, True])
async def test_depth_refuses_other_limits(
    mocked: aioresponses, rest: WeexRestClient, limit: int
) -> None:
    """depth accepts only 15 or 200, before any request is sent."""
    with pytest.raises(ConfigError) as info:
        await rest.depth("BTCUSDT", limit=limit)
    assert info.value.name == "limit"
    assert mocked.requests == {}


async def test_exchange_info(mocked: aioresponses, rest: WeexRestClient) -> None:
    """exchange_info returns the instruments document."""
    info = _frame("contract-v3-rest-exchangeinfo.json")
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", payload=info)
    result = await rest.exchange_info()
    assert result["symbols"][0]["symbol"] == "BTCUSDT"
    assert result == info


async def test_ticker_24hr_all_and_one(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """ticker_24hr sends the symbol only when given and returns a list."""
    tickers = _frame("contract-v3-rest-ticker24hr.json")
    mocked.get(BASE + "/capi/v3/market/ticker/24hr", payload=tickers)
    mocked.get(BASE + "/capi/v3/market/ticker/24hr?symbol=BTCUSDT", payload=tickers[0])
    assert await rest.ticker_24hr() == tickers
    # A single object answer is handed back as a one-item list.
    assert await rest.ticker_24hr("btcusdt") == tickers
    queries = sorted(
        url.query_string
        for url, _ in _calls(mocked, "GET", "/capi/v3/market/ticker/24hr")
    )
    assert queries == ["", "symbol=BTCUSDT"]


# -- signed endpoints ---------------------------------------------------------


async def test_place_market_order_signed_with_server_clock(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A market order sends the exact signed JSON body with server-time headers."""
    _mock_time(mocked)
    answer = {"orderId": "1001", "clientOrderId": "c-1", "success": True}
    mocked.post(BASE + "/capi/v3/order", payload=answer)
    assert await rest.place_order("BTCUSDT", "buy", "0.010") == answer
    _, call = _only(mocked, "POST", "/capi/v3/order")
    assert call.kwargs["data"] == (
        b'{"symbol":"BTCUSDT","side":"BUY","type":"MARKET",'
        b'"quantity":"0.010","reduceOnly":false}'
    )
    _assert_signed(call, "POST", "/capi/v3/order")
    assert call.kwargs["headers"]["User-Agent"] == CONFIG.user_agent


async def test_place_limit_order_with_every_option(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A limit order carries price, time in force, position side, ids, reduceOnly."""
    _mock_time(mocked)
    mocked.post(BASE + "/capi/v3/order", payload={"orderId": "1", "success": True})
    await rest.place_order(
        "ETHUSDT",
        "SELL",
        Decimal("1E+1"),
        type="limit",
        price=65000.5,
        time_in_force="post_only",
        position_side="short",
        reduce_only=True,
        client_order_id="my-1",
    )
    _, call = _only(mocked, "POST", "/capi/v3/order")
    assert _body(call) == {
        "symbol": "ETHUSDT",
        "side": "SELL",
        "positionSide": "SHORT",
        "type": "LIMIT",
        "quantity": "10",
        "price": "65000.5",
        "timeInForce": "POST_ONLY",
        "reduceOnly": True,
        "newClientOrderId": "my-1",
    }
    _assert_signed(call, "POST", "/capi/v3/order")


@pytest.mark.parametrize(
    ("quantity", "sent"),
    [
        ("0.010", "0.010"),
        (Decimal("0.010"), "0.010"),
        (2, "2"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (Decimal("1.5E-8"), "0.000000015"),
        (Decimal("2E+3"), "2000"),
    ],
)
async def test_quantity_sent_as_plain_decimal_text(
    mocked: aioresponses, rest: WeexRestClient, quantity: Any, sent: str
) -> None:
    """Quantities of any accepted type are sent as decimal strings, no exponent."""
    _mock_time(mocked)
    mocked.post(BASE + "/capi/v3/order", payload={"orderId": "1", "success": True})
    await rest.place_order("BTCUSDT", "buy", quantity)
    _, call = _only(mocked, "POST", "/capi/v3/order")
    assert _body(call)["quantity"] == sent


async def test_cancel_order_by_id(mocked: aioresponses, rest: WeexRestClient) -> None:
    """cancel_order sends DELETE with symbol and orderId in the signed query."""
    _mock_time(mocked)
    answer = {"orderId": "123", "success": True}
    mocked.delete(BASE + "/capi/v3/order?symbol=BTCUSDT&orderId=123", payload=answer)
    assert await rest.cancel_order("BTCUSDT", 123) == answer
    url, call = _only(mocked, "DELETE", "/capi/v3/order")
    assert dict(url.query) == {"symbol": "BTCUSDT", "orderId": "123"}
    assert call.kwargs["data"] is None
    _assert_signed(call, "DELETE", "/capi/v3/order", "symbol=BTCUSDT&orderId=123")


async def test_cancel_order_by_client_id(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """cancel_order by client id sends origClientOrderId."""
    _mock_time(mocked)
    mocked.delete(
        BASE + "/capi/v3/order?symbol=BTCUSDT&origClientOrderId=c-9",
        payload={"orderId": "5", "success": True},
    )
    await rest.cancel_order("BTCUSDT", client_order_id="c-9")
    url, call = _only(mocked, "DELETE", "/capi/v3/order")
    assert dict(url.query) == {"symbol": "BTCUSDT", "origClientOrderId": "c-9"}
    _assert_signed(
        call, "DELETE", "/capi/v3/order", "symbol=BTCUSDT&origClientOrderId=c-9"
    )


@pytest.mark.parametrize("symbol", [None, "BTCUSDT"])
async def test_open_orders(
    mocked: aioresponses, rest: WeexRestClient, symbol: str | None
) -> None:
    """open_orders is a signed GET, filtered by symbol when given."""
    _mock_time(mocked)
    query = "" if symbol is None else f"symbol={symbol}"
    orders = [{"id": "1", "symbol": "BTCUSDT", "orderSide": "BUY"}]
    mocked.get(
        BASE + "/capi/v3/openOrders" + (f"?{query}" if query else ""), payload=orders
    )
    assert await rest.open_orders(symbol) == orders
    url, call = _only(mocked, "GET", "/capi/v3/openOrders")
    assert url.query_string == query
    _assert_signed(call, "GET", "/capi/v3/openOrders", query)


@pytest.mark.parametrize("symbol", [None, "BTCUSDT"])
async def test_cancel_all_orders(
    mocked: aioresponses, rest: WeexRestClient, symbol: str | None
) -> None:
    """cancel_all_orders is a signed DELETE /capi/v3/allOpenOrders."""
    _mock_time(mocked)
    query = "" if symbol is None else f"symbol={symbol}"
    result = [{"orderId": "1", "success": True}]
    mocked.delete(
        BASE + "/capi/v3/allOpenOrders" + (f"?{query}" if query else ""), payload=result
    )
    assert await rest.cancel_all_orders(symbol) == result
    _, call = _only(mocked, "DELETE", "/capi/v3/allOpenOrders")
    _assert_signed(call, "DELETE", "/capi/v3/allOpenOrders", query)


async def test_positions_and_balance(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """positions and balance are signed GETs returning lists."""
    _mock_time(mocked)
    positions = [{"id": "7", "symbol": "BTCUSDT", "side": "LONG", "size": "0.1"}]
    balances = [{"asset": "USDT", "balance": "100", "availableBalance": "90"}]
    mocked.get(BASE + "/capi/v3/account/position/allPosition", payload=positions)
    mocked.get(BASE + "/capi/v3/account/balance", payload=balances)
    assert await rest.positions() == positions
    assert await rest.balance() == balances
    _, call = _only(mocked, "GET", "/capi/v3/account/position/allPosition")
    _assert_signed(call, "GET", "/capi/v3/account/position/allPosition")
    _, call = _only(mocked, "GET", "/capi/v3/account/balance")
    _assert_signed(call, "GET", "/capi/v3/account/balance")


@pytest.mark.parametrize(
    ("symbol", "body"), [(None, b"{}"), ("BTCUSDT", b'{"symbol":"BTCUSDT"}')]
)
async def test_close_all_positions(
    mocked: aioresponses, rest: WeexRestClient, symbol: str | None, body: bytes
) -> None:
    """close_all_positions POSTs {} or {"symbol": ...}, signed."""
    _mock_time(mocked)
    result = [{"symbol": "BTCUSDT", "positionId": "7", "success": True}]
    mocked.post(BASE + "/capi/v3/closePositions", payload=result)
    assert await rest.close_all_positions(symbol) == result
    _, call = _only(mocked, "POST", "/capi/v3/closePositions")
    assert call.kwargs["data"] == body
    _assert_signed(call, "POST", "/capi/v3/closePositions")


async def test_clock_synced_once_for_many_signed_calls(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """Concurrent first signed calls share a single server-time request."""
    _mock_time(mocked)
    mocked.get(BASE + "/capi/v3/account/balance", payload=[], repeat=True)
    await asyncio.gather(rest.balance(), rest.balance(), rest.balance())
    assert len(_calls(mocked, "GET", "/capi/v3/market/time")) == 1
    assert len(_calls(mocked, "GET", "/capi/v3/account/balance")) == 3


async def test_signature_verifies_against_raw_request() -> None:
    """A real server verifies the signature from the raw path, query and body."""
    seen: list[tuple[str, str, dict[str, str], str]] = []

    async def server_time(request: web.Request) -> web.Response:
        return web.json_response({"serverTime": SERVER_MS})

    async def record(request: web.Request) -> web.Response:
        body = await request.text()
        seen.append((request.method, request.raw_path, dict(request.headers), body))
        return web.json_response({"orderId": "9", "success": True})

    app = web.Application()
    app.router.add_get("/capi/v3/market/time", server_time)
    app.router.add_route("*", "/capi/v3/order", record)
    async with TestServer(app, host="127.0.0.1") as server:
        config = CONFIG.replace(rest_url=str(server.make_url("")))
        async with WeexRestClient(config, clock=lambda: NOW) as client:
            await client.cancel_order("BTCUSDT", client_order_id="a b/c+d")
            await client.place_order("BTCUSDT", "sell", 1, type="LIMIT", price="3")
    assert len(seen) == 2
    for method, raw_path, headers, body in seen:
        message = headers["ACCESS-TIMESTAMP"] + method + raw_path + body
        assert headers["ACCESS-SIGN"] == _sign(message)
        assert headers["ACCESS-TIMESTAMP"] == str(SERVER_MS)
        assert headers["User-Agent"] == CONFIG.user_agent
    assert seen[0][1] == "/capi/v3/order?symbol=BTCUSDT&origClientOrderId=a%20b%2Fc%2Bd"


async def test_signed_call_without_credentials(mocked: aioresponses) -> None:
    """A signed call on a public config raises ConfigError and sends nothing."""
    async with WeexRestClient(WeexConfig(rest_url=BASE)) as client:
        with pytest.raises(ConfigError) as info:
            await client.balance()
    assert info.value.name == "api_key"
    assert mocked.requests == {}


# -- argument validation ------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"side": "long"}, "side"),
        ({"side": 1}, "side"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"quantity": float("inf")}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"type": "STOP"}, "type"),
        ({"type": "LIMIT"}, "price"),
        ({"type": "LIMIT", "price": "0"}, "price"),
        ({"price": "100"}, "price"),
        ({"time_in_force": "GTC"}, "time_in_force"),
        ({"type": "LIMIT", "price": 1, "time_in_force": "DAY"}, "time_in_force"),
        ({"position_side": "up"}, "position_side"),
        ({"reduce_only": "yes"}, "reduce_only"),
        ({"client_order_id": ""}, "client_order_id"),
        ({"symbol": ""}, "symbol"),
        ({"symbol": None}, "symbol"),
    ],
)
async def test_place_order_argument_errors(
    mocked: aioresponses, rest: WeexRestClient, kwargs: dict[str, Any], name: str
) -> None:
    """Bad order arguments raise ConfigError naming the argument, sending nothing."""
    args: dict[str, Any] = {"symbol": "BTCUSDT", "side": "buy", "quantity": "1"}
    args.update(kwargs)
    with pytest.raises(ConfigError) as info:
        await rest.place_order(**args)
    assert info.value.name == name
    assert mocked.requests == {}


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        (("BTCUSDT",), {}, "order_id"),
        (("BTCUSDT", ""), {}, "order_id"),
        (("BTCUSDT", True), {}, "order_id"),
        (("BTCUSDT",), {"client_order_id": ""}, "client_order_id"),
        (("", "1"), {}, "symbol"),
    ],
)
async def test_cancel_order_argument_errors(
    mocked: aioresponses,
    rest: WeexRestClient,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    name: str,
) -> None:
    """cancel_order needs a symbol and an order id or client id."""
    with pytest.raises(ConfigError) as info:
        await rest.cancel_order(*args, **kwargs)
    assert info.value.name == name
    assert mocked.requests == {}


# -- error mapping ------------------------------------------------------------


async def test_http_401_is_authentication_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """HTTP 401 raises AuthenticationError with status, code and message."""
    _mock_time(mocked)
    mocked.get(
        BASE + "/capi/v3/account/balance",
        status=401,
        payload={"code": -1047, "msg": "Invalid signature."},
    )
    with pytest.raises(AuthenticationError) as info:
        await rest.balance()
    assert (info.value.status, info.value.code) == (401, -1047)
    assert info.value.reason == "Invalid signature."


async def test_auth_code_in_400_is_authentication_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """An auth code (-1047) in a 400 body raises AuthenticationError."""
    _mock_time(mocked)
    mocked.post(
        BASE + "/capi/v3/order", status=400, payload={"code": -1047, "msg": "bad key"}
    )
    with pytest.raises(AuthenticationError) as info:
        await rest.place_order("BTCUSDT", "buy", 1)
    assert (info.value.status, info.value.code) == (400, -1047)


async def test_v2_auth_code_is_authentication_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A V2-style string auth code ("40001") raises AuthenticationError."""
    mocked.get(
        BASE + "/capi/v3/market/exchangeInfo",
        payload={"code": "40001", "msg": "header is empty"},
    )
    with pytest.raises(AuthenticationError) as info:
        await rest.exchange_info()
    assert info.value.code == "40001"


async def test_http_429_is_rate_limit_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """HTTP 429 raises RateLimitError, a RestError carrying the path."""
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", status=429, body="slow down")
    with pytest.raises(RateLimitError) as info:
        await rest.exchange_info()
    assert info.value.status == 429
    assert info.value.path == "/capi/v3/market/exchangeInfo"
    assert isinstance(info.value, RestError)


async def test_invalid_symbol_is_rest_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A 400 with code -1121 raises RestError with code, message and path."""
    mocked.get(
        BASE + "/capi/v3/market/depth?symbol=NOPE&limit=15",
        status=400,
        payload={"code": -1121, "msg": "Invalid symbol."},
    )
    with pytest.raises(RestError) as info:
        await rest.depth("NOPE")
    err = info.value
    assert type(err) is RestError
    assert (err.status, err.code, err.msg) == (400, -1121, "Invalid symbol.")
    assert err.path == "/capi/v3/market/depth"


async def test_published_error_frame_is_rest_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """The published V3 error body (code -1140) raises RestError with its message."""
    _mock_time(mocked)
    frame = _frame("contract-v3-rest-error.json")
    mocked.delete(
        BASE + "/capi/v3/order?symbol=BTCUSDT&orderId=1", status=400, payload=frame
    )
    with pytest.raises(RestError) as info:
        await rest.cancel_order("BTCUSDT", "1")
    assert (info.value.code, info.value.msg) == (frame["code"], frame["msg"])


async def test_error_code_in_http_200_is_rest_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A negative code in a 200 body is still an error."""
    mocked.get(
        BASE + "/capi/v3/market/exchangeInfo",
        payload={"code": -1121, "msg": "Invalid symbol."},
    )
    with pytest.raises(RestError) as info:
        await rest.exchange_info()
    assert (info.value.status, info.value.code) == (200, -1121)


async def test_v2_error_frame_is_rest_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A V2-style string code other than "00000" is an error."""
    frame = _frame("contract-v2-rest-error.json")
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", payload=frame)
    with pytest.raises(RestError) as info:
        await rest.exchange_info()
    assert (info.value.code, info.value.msg) == ("40020", frame["msg"])


async def test_v2_success_code_is_not_an_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A body with code "00000" is a success and returned whole."""
    answer = {"code": "00000", "msg": "success", "data": {"symbols": []}}
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", payload=answer)
    assert await rest.exchange_info() == answer


async def test_http_500_is_rest_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """HTTP 500 with a non-JSON body raises RestError quoting the body."""
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", status=500, body="<h1>oops</h1>")
    with pytest.raises(RestError) as info:
        await rest.exchange_info()
    assert (info.value.status, info.value.code) == (500, None)
    assert "oops" in info.value.msg


async def test_invalid_json_is_rest_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A 200 answer that is not JSON raises RestError with a body excerpt."""
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", body="{not json" + "x" * 500)
    with pytest.raises(RestError) as info:
        await rest.exchange_info()
    assert "invalid JSON" in info.value.msg
    assert "{not json" in info.value.msg
    assert len(info.value.msg) < 300


async def test_wrong_shape_is_rest_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A list where an object is expected raises RestError, not TypeError."""
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", payload=[1, 2])
    with pytest.raises(RestError, match="expected an object"):
        await rest.exchange_info()


@pytest.mark.parametrize(
    "exc", [aiohttp.ClientConnectionError("refused"), TimeoutError()]
)
async def test_network_failure_is_connection_error(
    mocked: aioresponses, rest: WeexRestClient, exc: BaseException
) -> None:
    """Transport failures and timeouts raise WeexConnectionError for the path,
    naming what happened but chaining nothing: aiohttp's exception and frames hold
    the request headers (the credentials of a signed call)."""
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", exception=exc)
    with pytest.raises(WeexConnectionError) as info:
        await rest.exchange_info()
    assert info.value.endpoint == "/capi/v3/market/exchangeInfo"
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert ("timed out" if isinstance(exc, TimeoutError) else "refused") in str(
        info.value
    )


async def test_clock_sync_failure_is_connection_error(
    mocked: aioresponses, rest: WeexRestClient
) -> None:
    """A signed call whose clock sync fails raises WeexConnectionError."""
    mocked.get(TIME_URL, exception=aiohttp.ClientConnectionError())
    with pytest.raises(WeexConnectionError):
        await rest.balance()
    assert not rest.server_clock.synced


# -- secrets and lifecycle ----------------------------------------------------


async def test_secrets_never_in_errors_or_logs(
    mocked: aioresponses, rest: WeexRestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """No secret, passphrase or signature appears in exceptions, logs or repr."""
    caplog.set_level(logging.DEBUG, logger="weex_events.rest")
    _mock_time(mocked)
    path = BASE + "/capi/v3/account/balance"
    mocked.get(path, status=401, payload={"code": -1047, "msg": "bad signature"})
    mocked.get(path, status=429, body="slow")
    mocked.get(path, status=400, payload={"code": -1121, "msg": "Invalid symbol."})
    mocked.get(path, status=500, body="boom")
    mocked.get(path, body="not json")
    mocked.get(path, exception=aiohttp.ClientConnectionError("reset"))
    mocked.get(path, exception=TimeoutError())
    texts = [repr(rest), str(rest)]
    for _ in range(7):
        with pytest.raises(WeexError) as info:
            await rest.balance()
        texts += [str(info.value), repr(info.value)]
    signatures = [
        call.kwargs["headers"]["ACCESS-SIGN"]
        for _, call in _calls(mocked, "GET", "/capi/v3/account/balance")
    ]
    assert len(signatures) == 7
    assert "/capi/v3/account/balance" in caplog.text  # the requests were logged
    for text in [*texts, caplog.text]:
        for secret in (SECRET, PASSPHRASE, API_KEY, *signatures):
            assert secret not in text


async def test_close_owned_session(mocked: aioresponses) -> None:
    """After close, calls raise ClientClosedError and the own session is closed."""
    client = WeexRestClient(CONFIG)
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", payload={"symbols": []})
    await client.exchange_info()
    await client.close()
    await client.close()  # idempotent
    with pytest.raises(ClientClosedError):
        await client.exchange_info()


async def test_given_session_left_open(mocked: aioresponses) -> None:
    """A session passed in is used and left open by close()."""
    mocked.get(BASE + "/capi/v3/market/exchangeInfo", payload={"symbols": []})
    async with aiohttp.ClientSession() as session:
        async with WeexRestClient(CONFIG, session=session) as client:
            assert await client.exchange_info() == {"symbols": []}
        assert not session.closed
    with pytest.raises(ClientClosedError):
        await client.exchange_info()


async def test_closed_given_session_is_client_closed_error() -> None:
    """A closed session passed in gives ClientClosedError, not RuntimeError."""
    session = aiohttp.ClientSession()
    await session.close()
    client = WeexRestClient(CONFIG, session=session)
    with pytest.raises(ClientClosedError):
        await client.exchange_info()
