"""REST objects normalize to the same data as the pushes (WEEX-WS.md §3.1.5-3.1.6).

Pure: the simulator's own REST and push encoders give the two spellings of one
order; the client's normalization must make them equal. Arbitrary REST objects
are fuzzed: they normalize or fail with the errors the REST client translates.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from weex_events.protocol.normalize import Normalizer
from weex_events.protocol.rest_items import (
    item_time_ms,
    rest_balance,
    rest_fill,
    rest_order,
    rest_position,
)
from weex_events.sim import MarketEngine
from weex_events.sim.paper import PaperExchange
from weex_events.sim.private_events import PrivateEvent
from weex_events.sim.private_frames import fill_item, order_item, position_item
from weex_events.sim.rest_frames import rest_order as sim_rest_order
from weex_events.sim.rest_frames import rest_position as sim_rest_position
from weex_events.sim.rest_frames import rest_trade as sim_rest_trade

KEY = "k"


def paper() -> tuple[PaperExchange, list[PrivateEvent]]:
    events: list[PrivateEvent] = []
    market = MarketEngine(["BTCUSDT"], seed=5, start_time_ms=1_767_225_600_000)
    exchange = PaperExchange(market, sink=events.append)
    exchange.open_account(KEY)
    return exchange, events


def test_rest_and_pushed_spellings_of_one_fill_and_order_give_equal_data() -> None:
    """A filled order, its fill and position, read over REST or pushed: same data."""
    exchange, _ = paper()
    placed = exchange.place_order(KEY, "BTCUSDT", "BUY", "0.010")
    norm = Normalizer(str, {"BTCUSDT": "100000"})
    pushed = norm.order(order_item(placed), "BTCUSDT")
    read = rest_order(norm, sim_rest_order(placed))
    assert read == pushed
    assert read["status"] == "filled" and isinstance(read["order_id"], str)
    (fill,) = exchange.history.fills(KEY)[:1]
    assert rest_fill(norm, sim_rest_trade(fill)) == norm.fill(
        fill_item(fill), "BTCUSDT"
    )
    (pos,) = exchange.positions(KEY)
    from_rest = rest_position(norm, sim_rest_position(pos, Decimal(0)))
    assert from_rest == norm.position(position_item(pos), "BTCUSDT")


def test_pending_is_pushed_but_rest_says_new() -> None:
    """WebSocket PENDING is "pending"; the same order over REST is "new"
    (WEEX-WS.md §3.1.6); a partial fill is derived from the sizes."""
    exchange, events = paper()
    norm = Normalizer(str, None)
    book = exchange.market.book("BTCUSDT")
    far = exchange.market.instrument("BTCUSDT").price(book.bids.price_at(20))
    exchange.place_order(KEY, "BTCUSDT", "BUY", "0.010", type="LIMIT", price=far)
    first = events[0].items[0]
    assert norm.order(order_item(first), "BTCUSDT")["status"] == "pending"
    assert rest_order(norm, sim_rest_order(first))["status"] == "new"
    partial = sim_rest_order(first)
    partial.update(executedQty="0.004", cumQuote="400.0")
    assert rest_order(norm, partial)["status"] == "partially_filled"
    partial["status"] = "CANCELED"
    assert rest_order(norm, partial)["status"] == "canceled"


def test_item_time_reads_rest_integers_and_pushed_strings() -> None:
    """updateTime (REST, int) and updatedTime (push, string) are both ms."""
    assert item_time_ms({"updateTime": 5, "time": 1}) == 5
    assert item_time_ms({"updatedTime": "7"}) == 7
    assert item_time_ms({"time": "soon"}) is None
    assert item_time_ms(None) is None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
rest_keys = st.sampled_from(
    [
        "orderId", "id", "clientOrderId", "symbol", "side", "positionSide", "type",
        "price", "origQty", "executedQty", "cumQuote", "status", "timeInForce",
        "reduceOnly", "qty", "quoteQty", "commission", "realizedPnl", "maker",
        "size", "leverage", "marginType", "fundingFee", "openValue", "asset",
        "balance", "availableBalance", "frozen",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(item=st.dictionaries(rest_keys, json_values, max_size=10))
def test_any_rest_object_normalizes_or_fails_cleanly(item: dict[str, Any]) -> None:
    """Whatever REST sends, normalization returns a dict or raises only the errors
    the REST client turns into RestError."""
    norm = Normalizer(Decimal, {"BTCUSDT": "1"})
    for convert in (rest_order, rest_fill, rest_position, rest_balance):
        try:
            data = convert(norm, item)
        except (LookupError, TypeError, ValueError, ArithmeticError):
            continue
        assert isinstance(data, dict)
        for key in ("order_id", "fill_id", "position_id"):
            assert key not in data or isinstance(data[key], str)
