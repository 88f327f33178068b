"""Tests for the private-state reads of WeexRestClient (WEEX-WS.md §3.1).

The network is faked with aioresponses: paging, window splitting and the
normalized items are checked on the requests sent and the items returned.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from weex_events.config import WeexConfig
from weex_events.errors import RestError
from weex_events.rest import WeexRestClient
from weex_events.rest_account import FILLS_WINDOW_MS, windows

from .test_rest import BASE, CONFIG, NOW, _calls, _mock_time, mocked  # noqa: F401

DAY = 86_400_000
BIG_ID = 712_345_678_901_234_567  # above 2**53: must survive exactly


def rest_order(order_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "clientOrderId": f"c{order_id}",
        "symbol": "BTCUSDT",
        "side": "BUY",
        "positionSide": "LONG",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "status": "NEW",
        "price": "100.0",
        "origQty": "1.000",
        "executedQty": "0.000",
        "cumQuote": "0",
        "avgPrice": "0",
        "reduceOnly": False,
        "time": 1000,
        "updateTime": 1000,
        **fields,
    }


def rest_trade(trade_id: int, time: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": trade_id,
        "orderId": BIG_ID,
        "symbol": "BTCUSDT",
        "buyer": True,
        "maker": False,
        "side": "BUY",
        "positionSide": "LONG",
        "price": "100.5",
        "qty": "0.200",
        "quoteQty": "20.1000",
        "commission": "0.01206",
        "commissionAsset": "USDT",
        "realizedPnl": "0",
        "time": time,
        **fields,
    }


def url(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(BASE + path) + r"(\?.*)?$")


def queries(m: aioresponses, path: str) -> list[dict[str, str]]:
    return [dict(u.query) for u, _ in _calls(m, "GET", path)]


@pytest.fixture
async def rest() -> Any:
    async with WeexRestClient(CONFIG, clock=lambda: NOW) as client:
        yield client


def test_windows_split_a_range_without_gaps_or_overlaps() -> None:
    """windows() covers [start, end] in consecutive spans of at most span_ms."""
    assert list(windows(0, 10, 4)) == [(0, 4), (5, 9), (10, 10)]
    assert list(windows(5, 4, 4)) == []
    assert list(windows(0, 20 * DAY, FILLS_WINDOW_MS)) == [
        (0, FILLS_WINDOW_MS),
        (FILLS_WINDOW_MS + 1, 2 * FILLS_WINDOW_MS + 1),
        (2 * FILLS_WINDOW_MS + 2, 20 * DAY),
    ]


async def test_open_orders_page_with_the_order_id_cursor(
    mocked: aioresponses,  # noqa: F811
    rest: WeexRestClient,
) -> None:
    """A full page of 100 is continued with orderId = the largest id seen."""
    _mock_time(mocked)
    first = [rest_order(BIG_ID + i) for i in range(100)]
    mocked.get(url("/capi/v3/openOrders"), payload=first)
    mocked.get(url("/capi/v3/openOrders"), payload=[rest_order(BIG_ID + 100)])
    items = await rest.fetch_open_orders()
    assert [i.data["order_id"] for i in items] == [str(BIG_ID + i) for i in range(101)]
    sent = queries(mocked, "/capi/v3/openOrders")
    assert sent == [{"limit": "100"}, {"limit": "100", "orderId": str(BIG_ID + 99)}]
    first_item = items[0]
    assert (first_item.kind, first_item.event, first_item.time_ms) == (
        "order",
        "order:BTCUSDT",
        1000,
    )
    assert first_item.data == {
        "order_id": str(BIG_ID),
        "client_order_id": f"c{BIG_ID}",
        "symbol": "BTCUSDT",
        "side": "buy",
        "position_side": "long",
        "type": "limit",
        "price": "100.0",
        "size": "1.000",
        "filled_size": "0.000",
        "status": "new",
        "time_in_force": "gtc",
        "reduce_only": False,
    }


async def test_rest_order_derives_partially_filled_and_average_price(
    mocked: aioresponses,  # noqa: F811
) -> None:
    """A live REST order with 0 < executedQty < origQty is partially_filled;
    prices follow number_type."""
    config = WeexConfig(
        api_key="k", secret_key="s", passphrase="p", rest_url=BASE, number_type=Decimal
    )
    _mock_time(mocked)
    answer = rest_order(
        7, status="NEW", executedQty="0.400", cumQuote="40.2", updateTime=1500
    )
    mocked.get(url("/capi/v3/order"), payload=answer)
    async with WeexRestClient(config, clock=lambda: NOW) as rest:
        item = await rest.fetch_order(7)
    assert item is not None and item.time_ms == 1500
    assert item.data["status"] == "partially_filled"
    assert item.data["avg_price"] == Decimal("100.5")
    assert item.data["filled_size"] == Decimal("0.400")


async def test_unknown_order_is_none_other_errors_raise(
    mocked: aioresponses,  # noqa: F811
    rest: WeexRestClient,
) -> None:
    """fetch_order answers None for -3200 and raises any other refusal."""
    _mock_time(mocked)
    body = {"code": -3200, "msg": "CONTRACT_ORDER_NOT_EXIST"}
    mocked.get(url("/capi/v3/order"), status=400, payload=body)
    mocked.get(url("/capi/v3/order"), status=400, payload={"code": -1140, "msg": "x"})
    assert await rest.fetch_order("1") is None
    with pytest.raises(RestError) as raised:
        await rest.fetch_order("1")
    assert raised.value.code == -1140


async def test_fills_split_windows_and_continue_full_pages(
    mocked: aioresponses,  # noqa: F811
    rest: WeexRestClient,
) -> None:
    """Ten days are read in two 7-day windows; a full page goes on from its last
    time; fills are de-duplicated by id and normalized."""
    _mock_time(mocked)
    page = [rest_trade(BIG_ID + i, 1000 + i) for i in range(100)]
    mocked.get(url("/capi/v3/userTrades"), payload=page)
    mocked.get(
        url("/capi/v3/userTrades"),
        payload=[rest_trade(BIG_ID + 99, 1099), rest_trade(BIG_ID + 100, 1100)],
    )
    mocked.get(url("/capi/v3/userTrades"), payload=[rest_trade(1, 8 * DAY)])
    items = await rest.fetch_fills(0, 10 * DAY)
    assert len(items) == 102
    assert [i.data["fill_id"] for i in items[-3:]] == [
        str(BIG_ID + 99),
        str(BIG_ID + 100),
        "1",
    ]
    sent = queries(mocked, "/capi/v3/userTrades")
    spans = [(int(q["startTime"]), int(q["endTime"])) for q in sent]
    assert spans == [
        (0, FILLS_WINDOW_MS),
        (1099, FILLS_WINDOW_MS),
        (FILLS_WINDOW_MS + 1, 10 * DAY),
    ]
    assert all(q["limit"] == "100" for q in sent)
    assert all(end - start <= 7 * DAY for start, end in spans)
    assert items[0].data == {
        "fill_id": str(BIG_ID),
        "order_id": str(BIG_ID),
        "symbol": "BTCUSDT",
        "side": "buy",
        "size": "0.200",
        "fee": "0.01206",
        "realized_pnl": "0",
        "liquidity": "taker",
        "price": "100.5",
    }


async def test_fills_served_newest_first_narrow_the_end(
    mocked: aioresponses,  # noqa: F811
    rest: WeexRestClient,
) -> None:
    """If WEEX serves newest first, the next request ends at the page's oldest."""
    _mock_time(mocked)
    page = [rest_trade(500 + i, 2000 - i) for i in range(100)]
    mocked.get(url("/capi/v3/userTrades"), payload=page)
    mocked.get(url("/capi/v3/userTrades"), payload=[rest_trade(1, 1000)])
    items = await rest.fetch_fills(0, 5000)
    assert len(items) == 101 and items[0].data["fill_id"] == "1"
    sent = queries(mocked, "/capi/v3/userTrades")
    assert [(q["startTime"], q["endTime"]) for q in sent] == [
        ("0", "5000"),
        ("0", "1901"),
    ]


async def test_order_history_pages_from_zero_in_90_day_windows(
    mocked: aioresponses,  # noqa: F811
    rest: WeexRestClient,
) -> None:
    """History pages 0, 1, ... of 1000 until a short page, per 90-day window."""
    _mock_time(mocked)
    # Bare objects: 1000 full orders would overflow aioresponses' canned body.
    full = [{"orderId": i} for i in range(1000)]
    mocked.get(url("/capi/v3/order/history"), payload=full)
    mocked.get(url("/capi/v3/order/history"), payload=[rest_order(1000)])
    mocked.get(url("/capi/v3/order/history"), payload=[])
    items = await rest.fetch_order_history(0, 100 * DAY)
    assert len(items) == 1001
    sent = queries(mocked, "/capi/v3/order/history")
    assert [(q["page"], q["limit"]) for q in sent] == [
        ("0", "1000"),
        ("1", "1000"),
        ("0", "1000"),
    ]
    assert int(sent[2]["startTime"]) == int(sent[0]["endTime"]) + 1


async def test_positions_and_balances_are_normalized(
    mocked: aioresponses,  # noqa: F811
) -> None:
    """REST positions and balances give the pushed spellings; PnL uses the marks."""
    config = WeexConfig(api_key="k", secret_key="s", passphrase="p", rest_url=BASE)
    _mock_time(mocked)
    position = {
        "id": BIG_ID,
        "asset": "USDT",
        "symbol": "BTCUSDT",
        "side": "SHORT",
        "marginType": "CROSSED",
        "leverage": "20",
        "size": "0.500",
        "openValue": "50.0",
        "fundingFee": "0",
        "updatedTime": 3000,
    }
    mocked.get(url("/capi/v3/account/position/allPosition"), payload=[position])
    row = {"asset": "USDT", "balance": "10.5", "availableBalance": "9", "frozen": "1.5"}
    mocked.get(url("/capi/v3/account/balance"), payload=[row])
    marks = {"BTCUSDT": "90"}
    async with WeexRestClient(config, clock=lambda: NOW, marks=marks) as rest:
        (pos,) = await rest.fetch_positions()
        (bal,) = await rest.fetch_balances()
    assert (pos.kind, pos.symbol, pos.time_ms) == ("position", "BTCUSDT", 3000)
    assert pos.data == {
        "symbol": "BTCUSDT",
        "position_id": str(BIG_ID),
        "side": "short",
        "size": "0.500",
        "leverage": "20",
        "margin_mode": "cross",
        "funding_fee": "0",
        "entry_price": "100",
        "unrealized_pnl": "5",
    }
    assert (bal.kind, bal.symbol, bal.time_ms) == ("account", None, None)
    assert bal.data == {
        "coin": "USDT",
        "balance": "10.5",
        "available": "9",
        "frozen": "1.5",
    }


async def test_spot_has_no_private_state_reads(mocked: aioresponses) -> None:  # noqa: F811
    """On a market without these endpoints the reads raise ConfigError."""
    config = WeexConfig(
        api_key="k", secret_key="s", passphrase="p", rest_url=BASE, market="spot"
    )
    async with WeexRestClient(config, clock=lambda: NOW) as rest:
        with pytest.raises(Exception, match="market"):
            await rest.fetch_positions()
    assert not mocked.requests
    assert URL(BASE).host == "127.0.0.1"
