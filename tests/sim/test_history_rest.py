"""The simulator's private-state reads (WEEX-WS.md §3.1) and the lost-push fault.

Requests are signed by hand (``call`` of test_trading_rest), so the simulator is
checked against the protocol text, not against the SDK's client.
"""

from __future__ import annotations

import aiohttp
import pytest

from weex_events.sim import Simulator

from .probe import Probe
from .test_private import KEY, ws_headers
from .test_trading_rest import SYM, call, far_below, order_body

DAY = 86_400_000


def trade_some(sim: Simulator, n: int) -> list[str]:
    """``n`` market buys, one market step apart; their order ids."""
    ids = []
    for _ in range(n):
        ids.append(sim.paper.place_order(KEY, SYM, "BUY", "0.001").order_id)
        sim.step()
    return ids


async def test_user_trades_are_rest_shaped_oldest_first_and_limited(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """userTrades: integer ids and time, a price, oldest first, at most limit."""
    ids = trade_some(paused_sim, 3)
    status, trades = await call(http, paused_sim, "GET", "/capi/v3/userTrades")
    assert status == 200 and len(trades) >= 3
    assert [t["time"] for t in trades] == sorted(t["time"] for t in trades)
    first = trades[0]
    assert type(first["id"]) is int and type(first["orderId"]) is int
    assert str(first["orderId"]) == ids[0]
    assert {"price", "qty", "quoteQty", "commission", "realizedPnl", "maker"} <= set(
        first
    )
    fills = paused_sim.paper.history.fills(KEY)
    assert [str(t["id"]) for t in trades] == [f.fill_id for f in fills]
    _, two = await call(
        http, paused_sim, "GET", "/capi/v3/userTrades", params={"limit": "2"}
    )
    assert two == trades[:2]
    _, mine = await call(
        http, paused_sim, "GET", "/capi/v3/userTrades", params={"orderId": ids[1]}
    )
    assert {str(t["orderId"]) for t in mine} == {ids[1]}


async def test_order_history_has_finished_orders_and_pages(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """order/history lists every order, finished ones included, page by page."""
    ids = trade_some(paused_sim, 3)
    status, page0 = await call(
        http,
        paused_sim,
        "GET",
        "/capi/v3/order/history",
        params={"limit": "2", "page": "0"},
    )
    _, page1 = await call(
        http,
        paused_sim,
        "GET",
        "/capi/v3/order/history",
        params={"limit": "2", "page": "1"},
    )
    assert status == 200
    assert [o["orderId"] for o in page0 + page1] == [int(i) for i in ids]
    assert {o["status"] for o in page0 + page1} == {"FILLED"}
    status, one = await call(
        http, paused_sim, "GET", "/capi/v3/order", params={"orderId": ids[0]}
    )
    assert status == 200 and one == page0[0]


async def test_open_orders_page_and_forward_cursor(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """openOrders takes limit/page from 0 and orderId as a forward cursor."""
    placed = []
    for _ in range(3):
        body = order_body(type="LIMIT", price=far_below(paused_sim))
        placed.append(
            (await call(http, paused_sim, "POST", "/capi/v3/order", body=body))[1]
        )
    ids = [int(p["orderId"]) for p in placed]
    _, page1 = await call(
        http,
        paused_sim,
        "GET",
        "/capi/v3/openOrders",
        params={"limit": "2", "page": "1"},
    )
    assert [o["orderId"] for o in page1] == ids[2:]
    _, after = await call(
        http,
        paused_sim,
        "GET",
        "/capi/v3/openOrders",
        params={"orderId": str(ids[0])},
    )
    assert [o["orderId"] for o in after] == ids[1:]


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/capi/v3/userTrades", {"startTime": "0", "endTime": str(8 * DAY)}, -1170),
        ("/capi/v3/userTrades", {"startTime": "10", "endTime": "5"}, -1171),
        ("/capi/v3/userTrades", {"limit": "101"}, -1140),
        ("/capi/v3/userTrades", {"limit": "0"}, -1140),
        ("/capi/v3/userTrades", {"startTime": "yesterday"}, -1142),
        ("/capi/v3/order/history", {"startTime": "0", "endTime": str(91 * DAY)}, -1170),
        ("/capi/v3/order/history", {"limit": "1001"}, -1140),
        ("/capi/v3/openOrders", {"limit": "101"}, -1140),
        ("/capi/v3/order", {}, -1141),
        ("/capi/v3/order", {"orderId": "42"}, -3200),
        ("/capi/v3/userTrades", {"symbol": "NOPEUSDT"}, -1121),
    ],
)
async def test_out_of_range_queries_answer_weex_errors(
    paused_sim: Simulator,
    http: aiohttp.ClientSession,
    path: str,
    params: dict[str, str],
    code: int,
) -> None:
    """Windows too long, start after end, limits and ids out of range: HTTP 400."""
    if params.get("startTime") == "0":  # a window ending now, starting too early
        now = paused_sim.market.now_ms
        span = int(params["endTime"])
        params = {"startTime": str(now - span), "endTime": str(now)}
    status, body = await call(http, paused_sim, "GET", path, params=params)
    assert (status, body["code"]) == (400, code)
    assert isinstance(body["msg"], str) and body["msg"]


async def test_a_start_older_than_a_year_is_refused(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """userTrades cannot reach more than 365 days back (-1170)."""
    start = paused_sim.market.now_ms - 366 * DAY
    params = {"startTime": str(start), "endTime": str(start + DAY)}
    status, body = await call(
        http, paused_sim, "GET", "/capi/v3/userTrades", params=params
    )
    assert (status, body["code"]) == (400, -1170)


async def test_dropped_private_pushes_are_lost_silently_but_kept_by_rest(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """drop_private_pushes withholds pushes on an open socket; REST still has them."""
    headers = ws_headers(paused_sim.market.now_ms)
    async with http.ws_connect(paused_sim.ws_private_url, headers=headers) as ws:
        probe = Probe(ws)
        await probe.recv()
        await probe.request("SUBSCRIBE", ["orders", "fill"])
        paused_sim.faults.drop_private_pushes()
        lost = paused_sim.paper.place_order(KEY, SYM, "BUY", "0.001")
        assert await probe.barrier() == []
        assert not ws.closed
        assert paused_sim.faults.private_pushes_dropped >= 4
        paused_sim.faults.drop_private_pushes(0)
        seen = paused_sim.paper.place_order(KEY, SYM, "BUY", "0.001")
        pushes = await probe.collect(2, "orders")
    assert {p["d"][0]["id"] for p in pushes} == {seen.order_id}
    _, history = await call(http, paused_sim, "GET", "/capi/v3/order/history")
    assert [str(o["orderId"]) for o in history] == [lost.order_id, seen.order_id]


async def test_dropping_a_counted_number_of_pushes(
    paused_sim: Simulator, http: aiohttp.ClientSession
) -> None:
    """drop_private_pushes(n) withholds exactly the next n pushes."""
    headers = ws_headers(paused_sim.market.now_ms)
    async with http.ws_connect(paused_sim.ws_private_url, headers=headers) as ws:
        probe = Probe(ws)
        await probe.recv()
        await probe.request("SUBSCRIBE", ["orders"])
        paused_sim.faults.drop_private_pushes(1)  # the PENDING push
        order = paused_sim.paper.place_order(KEY, SYM, "BUY", "0.001")
        (push,) = await probe.collect(1, "orders")
    assert push["d"][0]["id"] == order.order_id
    assert push["d"][0]["status"] == "FILLED"
    with pytest.raises(ValueError):
        paused_sim.faults.drop_private_pushes(-1)
