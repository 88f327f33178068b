"""The paper exchange, driven by hand over a seeded market: no event loop, no I/O."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

import pytest

from weex_events.sim import (
    Fill,
    MarketEngine,
    Order,
    OrderRejected,
    PaperExchange,
    Position,
    PrivateEvent,
    Wallet,
)
from weex_events.sim.market import DEFAULT_START_MS

T = TypeVar("T")

KEY = "paper-key"
SYM = "BTCUSDT"
TAKER, MAKER = Decimal("0.0006"), Decimal("0.0002")
CENT8 = Decimal("0.00000001")


class Rig:
    """A market, a paper exchange on it and the events it emitted."""

    def __init__(self, funding_interval_ms: int = 3_600_000) -> None:
        self.market = MarketEngine([SYM], seed=7, start_time_ms=DEFAULT_START_MS)
        self.events: list[PrivateEvent] = []
        self.paper = PaperExchange(
            self.market,
            sink=self.events.append,
            funding_interval_ms=funding_interval_ms,
        )
        self.paper.open_account(KEY, "100000")

    def take(self) -> list[PrivateEvent]:
        """Events since the last call."""
        out, self.events[:] = list(self.events), []
        return out

    def best(self) -> tuple[int, int, int, int]:
        """(best bid ticks, its units, best ask ticks, its units)."""
        book = self.market.book(SYM)
        bid, ask = book.bids.best(), book.asks.best()
        assert bid is not None and ask is not None
        return bid, book.bids.sizes[bid], ask, book.asks.sizes[ask]

    def move_to(self, price_ticks: int) -> None:
        """Push the fair price to ``price_ticks`` and run one step."""
        self.market.push_price(SYM, Decimal(price_ticks) / 10)
        self.market.step()
        self.paper.on_step()

    def order(
        self,
        side: str,
        units: int,
        *,
        limit: int | None = None,
        tif: str | None = None,
        reduce_only: bool = False,
        client_order_id: str | None = None,
    ) -> Order:
        """Place an order of ``units`` (0.001 BTC each), LIMIT at ``limit`` ticks."""
        return self.paper.place_order(
            KEY,
            SYM,
            side,
            str(Decimal(units) / 1000),
            type="MARKET" if limit is None else "LIMIT",
            price=None if limit is None else str(Decimal(limit) / 10),
            time_in_force=tif,
            reduce_only=reduce_only,
            client_order_id=client_order_id,
        )


def items(event: PrivateEvent, cls: type[T]) -> list[T]:
    """The items of ``event``, all of type ``cls``."""
    found: list[T] = [item for item in event.items if isinstance(item, cls)]
    assert len(found) == len(event.items)
    return found


def usd(tick_units: int) -> Decimal:
    """BTCUSDT value of ticks (0.1) × units (0.001)."""
    return Decimal(tick_units) / 10_000


def fee(tick_units: int, rate: Decimal) -> Decimal:
    """The fee on a value, rounded like the exchange (8 decimals, half up)."""
    return (usd(tick_units) * rate).quantize(CENT8, rounding=ROUND_HALF_UP)


def channels(events: list[PrivateEvent]) -> list[tuple[str, str]]:
    """(channel, status of an orders item or "") per event."""
    out = []
    for event in events:
        item = event.items[0]
        out.append((event.channel, item.status if isinstance(item, Order) else ""))
    return out


def test_market_buy_fills_at_the_best_ask_and_pays_the_taker_fee() -> None:
    """A small market buy fills at the best ask and pays 0.0006 × value in fees."""
    rig = Rig()
    _, _, ask, ask_units = rig.best()
    units = min(ask_units, 10)
    order = rig.order("BUY", units)
    assert (order.status, order.filled, order.latest_fill_price) == (
        "FILLED",
        units,
        ask,
    )
    events = rig.take()
    assert channels(events) == [
        ("orders", "PENDING"),
        ("orders", "FILLED"),
        ("fill", ""),
        ("positions", ""),
        ("account", ""),
    ]
    (fill,) = items(events[2], Fill)
    assert (fill.price, fill.size, fill.maker) == (ask, units, False)
    assert fill.fee == fee(ask * units, TAKER) == order.fill_fee
    (position,) = items(events[3], Position)
    assert (position.side, position.size) == ("LONG", units)
    assert position.open_value == usd(ask * units)
    (wallet,) = items(events[4], Wallet)
    assert wallet.amount == Decimal(100000) - fee(ask * units, TAKER)


def test_market_order_walks_the_book_level_by_level() -> None:
    """A market buy bigger than the best ask takes the next level too."""
    rig = Rig()
    (p1, q1), (p2, _) = rig.market.book(SYM).asks.top(2)
    order = rig.order("BUY", q1 + 1)
    fills = items(rig.take()[2], Fill)
    assert [(f.price, f.size) for f in fills] == [(p1, q1), (p2, 1)]
    assert order.fill_value == p1 * q1 + p2
    prices = (order.latest_fill_price, order.min_fill_price, order.max_fill_price)
    assert prices == (p2, p1, p2)


def test_limit_order_rests_then_fills_as_maker_when_the_market_crosses() -> None:
    """A GTC buy below the market rests OPEN, then fills at its price as a maker."""
    rig = Rig()
    limit = rig.best()[0] - 1_000  # 100 USD below the best bid
    order = rig.order("BUY", 5, limit=limit)
    assert order.status == "OPEN"
    assert channels(rig.take()) == [("orders", "PENDING"), ("orders", "OPEN")]
    assert rig.paper.open_orders(KEY) == [order]
    rig.market.step()
    rig.paper.on_step()
    assert order.status == "OPEN"
    rig.move_to(limit - 2_000)
    assert order.status == "FILLED"
    events = rig.take()
    assert channels(events)[:2] == [("orders", "FILLED"), ("fill", "")]
    (fill,) = items(events[1], Fill)
    assert (fill.price, fill.maker) == (limit, True)
    assert fill.fee == fee(limit * 5, MAKER)
    assert rig.paper.open_orders(KEY) == []


def test_ioc_takes_what_it_can_and_cancels_the_rest() -> None:
    """IOC at the best ask for more than its size: one fill, then CANCELED."""
    rig = Rig()
    _, _, ask, ask_units = rig.best()
    order = rig.order("BUY", ask_units + 5, limit=ask, tif="IOC")
    assert (order.status, order.filled, order.cancel_reason) == (
        "CANCELED",
        ask_units,
        "COULD_NOT_FILL",
    )
    assert rig.paper.open_orders(KEY) == []


def test_gtc_partial_fill_rests_the_rest() -> None:
    """GTC at the best ask for more than its size: PARTIALLY_FILLED and resting."""
    rig = Rig()
    _, _, ask, ask_units = rig.best()
    order = rig.order("BUY", ask_units + 5, limit=ask)
    assert (order.status, order.filled) == ("PARTIALLY_FILLED", ask_units)
    assert rig.paper.open_orders(KEY) == [order]


def test_fok_fills_all_or_nothing() -> None:
    """FOK bigger than the liquidity within its price is canceled with no fill."""
    rig = Rig()
    _, _, ask, ask_units = rig.best()
    killed = rig.order("BUY", ask_units + 5, limit=ask, tif="FOK")
    assert (killed.status, killed.filled) == ("CANCELED", 0)
    assert rig.paper.positions(KEY) == []
    filled = rig.order("BUY", ask_units, limit=ask, tif="FOK")
    assert (filled.status, filled.filled) == ("FILLED", ask_units)


def test_post_only_that_would_take_is_rejected() -> None:
    """POST_ONLY at the best ask is REJECTED; at the best bid, it rests."""
    rig = Rig()
    bid, _, ask, _ = rig.best()
    taker = rig.order("BUY", 1, limit=ask, tif="POST_ONLY")
    assert (taker.status, taker.cancel_reason) == ("REJECTED", "POST_ONLY_REJECTED")
    assert channels(rig.take()) == [("orders", "PENDING"), ("orders", "REJECTED")]
    assert rig.order("BUY", 1, limit=bid, tif="POST_ONLY").status == "OPEN"


def test_reduce_only_never_opens_or_grows_a_position() -> None:
    """Reduce-only without a position is refused; a bigger one only closes."""
    rig = Rig()
    with pytest.raises(OrderRejected) as refused:
        rig.order("SELL", 5, reduce_only=True)
    assert refused.value.code == -2022
    rig.order("BUY", 5)
    order = rig.order("SELL", 20, reduce_only=True)
    assert (order.status, order.filled, order.cancel_reason) == (
        "CANCELED",
        5,
        "REDUCE_ONLY_CANCELED",
    )
    assert rig.paper.positions(KEY) == []


def test_cancel_by_order_id_or_client_id() -> None:
    """Resting orders cancel by id or client id; unknown ids give -2011."""
    rig = Rig()
    limit = rig.best()[0] - 1_000
    first = rig.order("BUY", 1, limit=limit)
    second = rig.order("BUY", 1, limit=limit, client_order_id="mine-1")
    rig.take()
    assert rig.paper.cancel_order(KEY, SYM, order_id=first.order_id) is first
    assert rig.paper.cancel_order(KEY, SYM, client_order_id="mine-1") is second
    assert (first.status, first.cancel_reason) == ("CANCELED", "USER_CANCELED")
    assert channels(rig.take()) == [("orders", "CANCELED"), ("orders", "CANCELED")]
    with pytest.raises(OrderRejected) as unknown:
        rig.paper.cancel_order(KEY, SYM, order_id=first.order_id)
    assert unknown.value.code == -2011
    with pytest.raises(OrderRejected) as missing:
        rig.paper.cancel_order(KEY, SYM)
    assert missing.value.code == -1140


def test_cancel_all_cancels_every_resting_order() -> None:
    """cancel_all empties the open orders and returns what it canceled."""
    rig = Rig()
    limit = rig.best()[0] - 1_000
    orders = [rig.order("BUY", 1, limit=limit) for _ in range(3)]
    assert rig.paper.cancel_all(KEY, SYM) == orders
    assert rig.paper.open_orders(KEY) == []


def test_position_open_increase_reduce_close_with_realized_pnl() -> None:
    """Entry value adds up; closing realizes exit − entry value into the balance."""
    rig = Rig()
    _, _, a1, q1 = rig.best()
    rig.order("BUY", 2)
    _, _, a2, _ = rig.best()
    rig.order("BUY", 2)
    assert q1 >= 2  # both buys filled on the best ask of a still market
    (pos,) = rig.paper.positions(KEY)
    entry = usd(a1 * 2 + a2 * 2)
    assert (pos.size, pos.open_value) == (4, entry)
    rig.move_to(a1 + 5_000)  # +500 USD
    b3, q3, _, _ = rig.best()
    assert q3 >= 2
    rig.take()
    half = rig.order("SELL", 2)
    (fill,) = items(rig.take()[2], Fill)
    assert fill.realized_pnl == half.realized_pnl == usd(b3 * 2) - entry / 2 > 0
    assert rig.paper.positions(KEY)[0].open_value == entry / 2
    ((_, order),) = rig.paper.close_positions(KEY)
    events = rig.take()
    (closing,) = items(events[2], Fill)
    (closed,) = items(events[3], Position)
    assert closed.size == 0 and order.status == "FILLED"
    assert rig.paper.positions(KEY) == []
    pnl = fill.realized_pnl + closing.realized_pnl
    fees = fee(a1 * 2, TAKER) + fee(a2 * 2, TAKER) + fill.fee + closing.fee
    assert rig.paper.wallet(KEY).amount == Decimal(100000) + pnl - fees


def test_flip_closes_then_opens_the_other_side() -> None:
    """Selling more than a long closes it (size 0 pushed) and opens a short."""
    rig = Rig()
    _, _, ask, _ = rig.best()
    rig.order("BUY", 3)
    bid, bid_units, _, _ = rig.best()
    assert bid_units > 3  # both parts fill on the best bid
    rig.take()
    rig.order("SELL", 4)
    events = rig.take()
    close, opening = items(events[2], Fill)
    assert (close.position_side, close.size) == ("LONG", 3)
    assert (opening.position_side, opening.size) == ("SHORT", 1)
    assert close.realized_pnl == usd(bid * 3) - usd(ask * 3)
    old, new = items(events[3], Position)
    assert (old.side, old.size, new.side, new.size) == ("LONG", 0, "SHORT", 1)
    assert [p.side for p in rig.paper.positions(KEY)] == ["SHORT"]


def test_funding_settles_every_interval_and_longs_pay() -> None:
    """Each funding interval a long pays rate × mark value; pushes say so."""
    rig = Rig(funding_interval_ms=1_000)
    rig.order("BUY", 10)
    rig.take()
    for _ in range(10):  # 100 ms steps: one boundary within 1 s
        rig.market.step()
        rig.paper.on_step()
    events = rig.take()
    assert [(e.channel, e.msg_event) for e in events] == [
        ("positions", "PositionFundingSettle"),
        ("account", "PositionFundingSettle"),
    ]
    (pos,) = items(events[0], Position)
    mark = rig.market.ticker(SYM).mark
    paid = (usd(mark * 10) * Decimal("0.0001")).quantize(CENT8, rounding=ROUND_HALF_UP)
    assert pos.funding_fee == paid > 0
    (wallet,) = items(events[1], Wallet)
    assert wallet.cum_funding == paid


def test_versions_strictly_increase_per_account() -> None:
    """Every event of an account carries the next v, funding included."""
    rig = Rig(funding_interval_ms=500)
    rig.order("BUY", 3)
    rig.order("BUY", 1, limit=rig.best()[0] - 1_000)
    for _ in range(6):
        rig.market.step()
        rig.paper.on_step()
    rig.paper.cancel_all(KEY)
    versions = [e.version for e in rig.events]
    assert versions == list(range(1, len(versions) + 1))
    assert {e.msg_event for e in rig.events} == {"OrderUpdate", "PositionFundingSettle"}


def test_pushes_carry_copies_taken_when_they_happened() -> None:
    """The PENDING push still says PENDING after the order filled."""
    rig = Rig()
    rig.order("BUY", 1)
    (first,) = items(rig.events[0], Order)
    assert (first.status, first.filled) == ("PENDING", 0)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"symbol": "NOPEUSDT"}, -1121),
        ({"quantity": "0.0001"}, -1141),
        ({"quantity": "-1"}, -1141),
        ({"type": "LIMIT"}, -1140),
        ({"type": "LIMIT", "price": "100000.05"}, -1141),
        ({"type": "STOP"}, -1141),
        ({"side": "HOLD"}, -1141),
        ({"type": "LIMIT", "price": "90000", "time_in_force": "GTD"}, -1141),
        ({"price": "90000"}, -1141),
        ({"quantity": "1000"}, -2019),
    ],
)
def test_invalid_orders_are_refused_with_weex_codes(
    changes: dict[str, str], code: int
) -> None:
    """Bad symbol, size, price, words or margin: refused, no order, no push."""
    rig = Rig()
    args = {"symbol": SYM, "side": "BUY", "quantity": "0.001", "type": "MARKET"}
    args.update(changes)
    with pytest.raises(OrderRejected) as refused:
        rig.paper.place_order(
            KEY,
            args["symbol"],
            args["side"],
            args["quantity"],
            type=args["type"],
            price=args.get("price"),
            time_in_force=args.get("time_in_force"),
        )
    assert refused.value.code == code
    assert rig.events == []


def test_same_actions_same_events() -> None:
    """Two exchanges over equally seeded markets emit identical events."""
    runs = []
    for _ in range(2):
        rig = Rig()
        rig.order("BUY", 7)
        rig.move_to(rig.best()[0] + 3_000)
        rig.paper.close_positions(KEY)
        runs.append(rig.events)
    assert runs[0] == runs[1]
