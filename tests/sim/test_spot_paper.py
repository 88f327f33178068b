"""The spot paper exchange: cash balances, fees in the coin received, no leverage.

Pure tests: a spot market stepped by hand, no server and no event loop.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from weex_events.sim.market import MarketEngine
from weex_events.sim.orders import BUY, SELL, OrderRejected, OrderStatus, walk
from weex_events.sim.private_events import PrivateEvent
from weex_events.sim.spot_instruments import SPOT_INSTRUMENTS
from weex_events.sim.spot_ledger import HISTORY, CoinBalance, SpotAccount
from weex_events.sim.spot_paper import SpotExchange

KEY = "k"
SYM = "BTCUSDT"
RATE = Decimal("0.001")


def exchange(usdt: str = "100000") -> tuple[SpotExchange, list[PrivateEvent]]:
    """A spot exchange on a fresh BTC/ETH spot market, one account, its events."""
    market = MarketEngine(
        ["BTCUSDT", "ETHUSDT"], seed=5, catalogue=SPOT_INSTRUMENTS, venue="spot"
    )
    events: list[PrivateEvent] = []
    paper = SpotExchange(market, sink=events.append)
    paper.open_account(KEY, {"USDT": usdt})
    return paper, events


def cost(paper: SpotExchange, side: str, size: str) -> Decimal:
    """What a market order of ``size`` would trade for now, in quote."""
    inst = paper.market.instrument(SYM)
    units = int(Decimal(size).scaleb(inst.size_decimals))
    levels = walk(paper.market.book(SYM), side, units, None)
    return sum(
        (Decimal(p * u).scaleb(-inst.quote_decimals) for p, u in levels), Decimal(0)
    )


def coins(paper: SpotExchange) -> dict[str, tuple[Decimal, Decimal]]:
    """(free, locked) per coin."""
    return {b.coin: (b.free, b.locked) for b in paper.balances(KEY)}


def test_market_buy_moves_quote_to_base_minus_fee_in_base() -> None:
    """A market buy spends its quote value and receives base less a 0.1 % fee."""
    paper, _ = exchange()
    spent = cost(paper, BUY, "0.5")
    order = paper.place_order(KEY, SYM, "buy", "0.5")
    assert order.status is OrderStatus.FILLED
    fee = Decimal("0.0005")  # 0.5 BTC x 0.001, in BTC
    assert coins(paper) == {
        "USDT": (Decimal(100000) - spent, Decimal(0)),
        "BTC": (Decimal("0.5") - fee, Decimal(0)),
    }
    assert order.fill_fee == fee


def test_market_sell_moves_base_to_quote_minus_fee_in_quote() -> None:
    """A market sell gives base and receives its quote value less the fee."""
    paper, _ = exchange()
    paper.place_order(KEY, SYM, "BUY", "0.9")
    before = coins(paper)
    proceeds = cost(paper, SELL, "0.8")
    paper.place_order(KEY, SYM, "SELL", "0.8")
    fee = (proceeds * RATE).quantize(Decimal("0.00000001"))
    after = coins(paper)
    assert after["BTC"][0] == before["BTC"][0] - Decimal("0.8")
    assert after["USDT"][0] == before["USDT"][0] + proceeds - fee


def test_resting_limit_buy_locks_quote_and_cancel_releases_it() -> None:
    """A limit buy below the market locks price x size; canceling frees it."""
    paper, _ = exchange()
    order = paper.place_order(KEY, SYM, "BUY", "0.2", type="LIMIT", price="90000.00")
    assert order.status is OrderStatus.OPEN
    assert coins(paper)["USDT"] == (Decimal(82000), Decimal(18000))
    assert paper.open_orders(KEY) == [order]
    paper.cancel_order(KEY, client_order_id=order.client_order_id)
    assert order.status is OrderStatus.CANCELED
    assert coins(paper)["USDT"] == (Decimal(100000), Decimal(0))
    assert paper.open_orders(KEY) == []


def test_resting_limit_sell_fills_as_maker_when_the_market_reaches_it() -> None:
    """A resting sell fills in full at its price, maker fee in quote, on a step."""
    paper, events = exchange()
    paper.place_order(KEY, SYM, "BUY", "0.3")
    base = coins(paper)["BTC"][0]
    usdt = coins(paper)["USDT"][0]
    order = paper.place_order(KEY, SYM, "SELL", "0.2", type="LIMIT", price="100100.00")
    assert coins(paper)["BTC"] == (base - Decimal("0.2"), Decimal("0.2"))
    paper.market.push_price(SYM, "100300")
    for _ in range(50):
        paper.market.step()
        paper.on_step()
        if order.status is OrderStatus.FILLED:
            break
    assert order.status is OrderStatus.FILLED
    fee = Decimal("20.02")  # 20020 USDT x 0.001
    assert coins(paper)["BTC"] == (base - Decimal("0.2"), Decimal(0))
    assert coins(paper)["USDT"] == (usdt + Decimal(20020) - fee, Decimal(0))
    fills = [e for e in events if e.channel == "fill"]
    assert fills[-1].items[-1].maker  # type: ignore[union-attr]


def test_pushes_come_in_weex_order_with_consecutive_versions() -> None:
    """orders PENDING, orders FILLED, fill, then one account push per coin."""
    paper, events = exchange()
    paper.place_order(KEY, SYM, "BUY", "0.01")
    assert [e.channel for e in events] == [
        "orders",
        "orders",
        "fill",
        "account",
        "account",
    ]
    assert [e.version for e in events] == [1, 2, 3, 4, 5]
    statuses = [e.items[0].status for e in events[:2]]  # type: ignore[union-attr]
    assert statuses == [OrderStatus.PENDING, OrderStatus.FILLED]
    balances = [e.items[0] for e in events[3:]]
    assert all(isinstance(b, CoinBalance) for b in balances)
    assert [b.coin for b in balances] == ["BTC", "USDT"]  # type: ignore[union-attr]


def test_orders_the_account_cannot_pay_for_are_refused() -> None:
    """Buying beyond the quote held or selling base not held is -2010, no order."""
    paper, events = exchange(usdt="100")
    with pytest.raises(OrderRejected) as exc:
        paper.place_order(KEY, SYM, "BUY", "1")
    assert exc.value.code == -2010
    with pytest.raises(OrderRejected):
        paper.place_order(KEY, SYM, "BUY", "1", type="LIMIT", price="90000.00")
    with pytest.raises(OrderRejected):
        paper.place_order(KEY, SYM, "SELL", "0.001")
    assert events == [] and paper.open_orders(KEY) == []
    assert coins(paper)["USDT"] == (Decimal(100), Decimal(0))


def test_spot_has_no_post_only_and_fok_releases_funds() -> None:
    """POST_ONLY is an illegal value; an unfillable FOK is canceled, funds freed."""
    paper, _ = exchange()
    with pytest.raises(OrderRejected) as exc:
        paper.place_order(
            KEY, SYM, "BUY", "0.1", type="LIMIT", price="90000.00",
            time_in_force="POST_ONLY",
        )  # fmt: skip
    assert exc.value.code == -1141
    order = paper.place_order(
        KEY, SYM, "BUY", "0.1", type="LIMIT", price="90000.00", time_in_force="FOK"
    )
    assert order.status is OrderStatus.CANCELED
    assert coins(paper)["USDT"] == (Decimal(100000), Decimal(0))


def test_client_order_id_is_idempotent_while_active() -> None:
    """Resending an active order's newClientOrderId returns it, creating nothing."""
    paper, events = exchange()
    first = paper.place_order(
        KEY, SYM, "BUY", "0.1", type="LIMIT", price="90000.00", client_order_id="c1"
    )
    count = len(events)
    again = paper.place_order(
        KEY, SYM, "BUY", "0.1", type="LIMIT", price="90000.00", client_order_id="c1"
    )
    assert again is first and len(events) == count
    assert coins(paper)["USDT"] == (Decimal(91000), Decimal(9000))


def test_unknown_orders_answer_spot_order_not_exist() -> None:
    """Canceling or looking up an unknown order is -2200; no id at all is -1140."""
    paper, _ = exchange()
    for call in (paper.cancel_order, paper.order):
        with pytest.raises(OrderRejected) as exc:
            call(KEY, order_id="123")
        assert exc.value.code == -2200
        with pytest.raises(OrderRejected) as exc:
            call(KEY)
        assert exc.value.code == -1140


def test_deposit_credits_and_pushes_a_deposit_update() -> None:
    """deposit() credits the coin and pushes account with msgEvent DepositUpdate."""
    paper, events = exchange()
    paper.deposit(KEY, "eth", "2.5")
    assert paper.balance(KEY, "ETH").free == Decimal("2.5")
    [event] = events
    assert (event.channel, event.msg_event) == ("account", "DepositUpdate")


def test_order_history_is_bounded() -> None:
    """An account remembers the last HISTORY orders, forgetting the oldest first."""
    paper, _ = exchange()
    order = paper.place_order(KEY, SYM, "BUY", "0.001")
    account = SpotAccount(KEY)
    for i in range(HISTORY + 5):
        account.remember(dataclasses.replace(order, order_id=str(i)))
    assert len(account.history) == HISTORY
    assert next(iter(account.history)) == "5"


def test_resting_orders_stay_findable() -> None:
    """A resting order is found by id and by client id, oldest history aside."""
    paper, _ = exchange()
    order = paper.place_order(
        KEY, SYM, "BUY", "0.1", type="LIMIT", price="90000.00", client_order_id="r"
    )
    assert paper.order(KEY, order_id=order.order_id) is order
    assert paper.order(KEY, client_order_id="r") is order
