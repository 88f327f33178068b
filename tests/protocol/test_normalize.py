"""The rules of DESIGN.md §3 for private items, on V3's golden frames.

V2 gives the same data for the same items (see ``test_v2.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from weex_events.protocol.v3 import V3Codec

from .golden import NOW, dumps, load, messages, one


def test_account_contract() -> None:
    """A contract account item maps amount to balance and CROSSED to cross."""
    msg = one(V3Codec(), load("contract-v3-private-account.json"))
    assert msg.event == "account"
    assert msg.symbol is None
    assert msg.timestamp == 1773298961.302
    assert msg.data == {
        "coin": "USDT",
        "balance": "6625267.708162",
        "margin_mode": "cross",
        "reason": "PositionFundingSettle",
    }
    deposit = one(V3Codec(), load("contract-v3-private-account-depositupdate.json"))
    assert deposit.data["reason"] == "DepositUpdate"
    assert deposit.data["balance"] == "0.00000000"


def test_account_spot() -> None:
    """A spot account item maps equity, available and frozen."""
    msg = one(V3Codec(number_type=Decimal), load("spot-v3-private-account.json"))
    assert msg.data == {
        "coin": "USDT",
        "balance": Decimal("47.98428060"),
        "available": Decimal("47.98428060"),
        "frozen": Decimal(0),
        "reason": "DepositUpdate",
    }


def test_position_fields() -> None:
    """A position item is normalized; entry price is openValue / size."""
    msg = one(V3Codec(), load("contract-v3-private-positions.json"))
    assert msg.event == "position:BTCUSDT"
    assert msg.data == {
        "position_id": "615193369903104410",
        "symbol": "BTCUSDT",
        "side": "long",
        "size": "0.01000",
        "entry_price": "99240.5443",
        "leverage": "20",
        "margin_mode": "cross",
        "funding_fee": "157.475456",
        "reason": "PositionFundingSettle",
    }
    doge = one(V3Codec(), load("contract-v3-private-positions-orderupdate.json"))
    assert doge.data["entry_price"] == "0.09311"
    assert doge.data["reason"] == "OrderUpdate"


def position_frame(side: str, size: str = "0.01000") -> bytes:
    frame = orjson.loads(load("contract-v3-private-positions.json"))
    frame["d"][0]["side"] = side
    frame["d"][0]["size"] = size
    return dumps(frame)


def ticker_frame(symbol: str, mark: str) -> bytes:
    return dumps({"e": "ticker", "E": 1, "s": symbol, "d": [{"c": mark, "m": mark}]})


@pytest.mark.parametrize(
    ("side", "pnl"), [("LONG", "7.594557"), ("SHORT", "-7.594557")]
)
def test_unrealized_pnl_from_shared_mark(side: str, pnl: str) -> None:
    """unrealized_pnl uses the mark price the public codec saw, by side."""
    marks: dict[str, str] = {}
    public, private = V3Codec(marks=marks), V3Codec(marks=marks)
    public.decode(ticker_frame("BTCUSDT", "100000.0"), NOW)
    msg = one(private, position_frame(side))
    assert msg.data["unrealized_pnl"] == pnl


def test_unrealized_pnl_decimal() -> None:
    """With Decimal numbers unrealized_pnl and entry_price are Decimals."""
    marks: dict[str, str] = {"BTCUSDT": "99000"}
    data = one(V3Codec(number_type=Decimal, marks=marks), position_frame("LONG")).data
    assert data["unrealized_pnl"] == Decimal("-2.405443")
    assert data["entry_price"] == Decimal("99240.5443")


def test_unrealized_pnl_omitted_without_mark_or_size() -> None:
    """No mark seen, or a closed position: no unrealized_pnl and no entry price."""
    assert "unrealized_pnl" not in one(V3Codec(), position_frame("LONG")).data
    marks = {"BTCUSDT": "100000"}
    closed = one(V3Codec(marks=marks), position_frame("LONG", "0")).data
    assert closed["size"] == "0"
    assert "entry_price" not in closed and "unrealized_pnl" not in closed


def test_bad_mark_does_not_break_positions() -> None:
    """A non-numeric mark text omits unrealized_pnl instead of failing."""
    data = one(V3Codec(marks={"BTCUSDT": "n/a"}), position_frame("LONG")).data
    assert "unrealized_pnl" not in data
    assert data["entry_price"] == "99240.5443"


def test_order_fields() -> None:
    """An order item is normalized; PENDING is pending, IOC is ioc."""
    msg = one(V3Codec(), load("contract-v3-private-orders.json"))
    assert msg.event == "order:BTCUSDT"
    assert msg.timestamp == 1773295738.939
    assert msg.data == {
        "order_id": "617414920861909658",
        "client_order_id": "1747203186927FPIZRP",
        "symbol": "BTCUSDT",
        "side": "buy",
        "position_side": "long",
        "type": "market",
        "price": "0.0",
        "size": "0.10000",
        "filled_size": "0",
        "status": "pending",
        "time_in_force": "ioc",
        "reduce_only": False,
        "reason": "OrderUpdate",
    }


def order_frame(**fields: Any) -> bytes:
    frame = orjson.loads(load("contract-v3-private-orders.json"))
    frame["d"][0].update(fields)
    return dumps(frame)


def test_order_average_price_when_filled() -> None:
    """avg_price is cumFillValue / cumFillSize once something filled."""
    frame = order_frame(
        status="FILLED", cumFillSize="0.10000", cumFillValue="10381.270000"
    )
    data = one(V3Codec(), frame).data
    assert (data["status"], data["avg_price"], data["filled_size"]) == (
        "filled",
        "103812.7",
        "0.10000",
    )
    assert one(V3Codec(number_type=float), frame).data["avg_price"] == 103812.7


@pytest.mark.parametrize(
    ("status", "word"),
    [
        ("NEW", "new"),
        ("PARTIALLY_FILLED", "partially_filled"),
        ("CANCELED", "canceled"),
        ("CANCELLED", "canceled"),
        ("REJECTED", "rejected"),
        ("UNTRIGGERED", "untriggered"),
        ("EXPIRED_SOMEHOW", "expired_somehow"),
    ],
)
def test_order_status_words(status: str, word: str) -> None:
    """Order statuses map to DESIGN.md §3 words; unknown ones are lower-cased."""
    assert one(V3Codec(), order_frame(status=status)).data["status"] == word


@pytest.mark.parametrize(
    ("tif", "word"),
    [("GTC", "gtc"), ("FOK", "fok"), ("POST_ONLY", "post_only"), ("GTX", "gtx")],
)
def test_order_time_in_force_words(tif: str, word: str) -> None:
    """Time-in-force words are lower-case and normalized."""
    data = one(V3Codec(), order_frame(timeInForce=tif, type="STOP_LIMIT")).data
    assert data["time_in_force"] == word
    assert data["type"] == "stop_limit"


def test_fill_fields() -> None:
    """A fill item is normalized; price is fillValue / fillSize."""
    msg = one(V3Codec(), load("contract-v3-private-fill.json"))
    assert msg.event == "fill:BTCUSDT"
    assert msg.data == {
        "fill_id": "617414920887075482",
        "order_id": "617414920861909658",
        "symbol": "BTCUSDT",
        "side": "buy",
        "price": "103812.7",
        "size": "0.10000",
        "fee": "6.228762",
        "realized_pnl": "0",
        "liquidity": "taker",
        "reason": "OrderUpdate",
    }


def test_fill_decimal_and_float() -> None:
    """Fill numbers follow number_type, computed price included."""
    dec = one(V3Codec(number_type=Decimal), load("contract-v3-private-fill.json")).data
    assert dec["price"] == Decimal("103812.7")
    assert dec["fee"] == Decimal("6.228762")
    flt = one(V3Codec(number_type=float), load("contract-v3-private-fill.json")).data
    assert flt["price"] == 103812.7
    assert flt["size"] == 0.1


def test_private_items_in_list_order() -> None:
    """Several private items give one message each, in list order."""
    frame = orjson.loads(load("contract-v3-private-fill.json"))
    second = dict(frame["d"][0], id="2", symbol="ETHUSDT")
    frame["d"].append(second)
    msgs = messages(V3Codec(), dumps(frame))
    assert [(m.event, m.data["fill_id"]) for m in msgs] == [
        ("fill:BTCUSDT", "617414920887075482"),
        ("fill:ETHUSDT", "2"),
    ]
    assert msgs[1].raw is not msgs[0].raw
