"""The pure spot decoders, field by field on every published spot frame."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest

from weex_events.errors import DecodeError
from weex_events.events import StreamMessage
from weex_events.protocol import DepthUpdate, UnknownPush, spot
from weex_events.protocol.normalize import Normalizer

from .golden import FRAMES, NOW, load

TEXT = Normalizer(str, None)


def spot_frames() -> list[str]:
    """Names of the published spot frames (pushes and REST bodies)."""
    return sorted(p.name for p in FRAMES.glob("spot-v3-*.json"))


def messages(frame: bytes, norm: Normalizer = TEXT) -> list[StreamMessage]:
    """The messages a spot push decodes to."""
    result = spot.decode(norm, frame, NOW)
    assert isinstance(result, list)
    return result


def only(frame: bytes, norm: Normalizer = TEXT) -> StreamMessage:
    """The one message a spot push decodes to."""
    [msg] = messages(frame, norm)
    return msg


def test_every_spot_frame_is_covered() -> None:
    """Each published spot frame has a decoder test here (none is left out)."""
    assert spot_frames() == [
        "spot-v3-private-account.json",
        "spot-v3-private-fill.json",
        "spot-v3-private-orders.json",
        "spot-v3-public-bookticker.json",
        "spot-v3-public-depth15-changed.json",
        "spot-v3-public-ticker.json",
        "spot-v3-public-trade.json",
        "spot-v3-rest-account.json",
        "spot-v3-rest-depth.json",
        "spot-v3-rest-exchangeinfo.json",
    ]


def test_ticker_fields() -> None:
    """A spot ticker has no mark or index, change in percent, trades an int."""
    msg = only(load("spot-v3-public-ticker.json"))
    assert (msg.event, msg.kind, msg.symbol) == ("ticker:ETHUSDT", "ticker", "ETHUSDT")
    assert msg.timestamp == 1775118028.545
    assert msg.received_at == NOW
    assert msg.raw["w"] == "2117.14594819"
    assert msg.data == {
        "symbol": "ETHUSDT",
        "last": "2050.15",
        "open": "2126.48",
        "high": "2167.84",
        "low": "2039.23",
        "volume": "203103.73511",
        "quote_volume": "430000249.8506988",
        "change_abs": "-76.33",
        "change": "-3.5895",
        "trades": 68657,
    }


def test_ticker_number_types() -> None:
    """Decimal and float number types convert every price and the percent."""
    frame = load("spot-v3-public-ticker.json")
    dec = only(frame, Normalizer(Decimal, None)).data
    assert dec["last"] == Decimal("2050.15") and dec["change"] == Decimal("-3.5895")
    assert dec["volume"] == Decimal("203103.73511")
    flt = only(frame, Normalizer(float, None)).data
    assert flt["last"] == 2050.15 and flt["change"] == -3.5895
    assert "mark" not in flt and "index" not in flt


def test_book_ticker_fields() -> None:
    """bookTicker gives symbol, bid, bid_size, ask, ask_size and the ms update_id."""
    msg = only(load("spot-v3-public-bookticker.json"))
    assert msg.event == "book_ticker:ETHUSDT"
    assert msg.kind == "book_ticker"
    assert msg.symbol == "ETHUSDT"
    assert msg.timestamp == 1775117847.999
    assert msg.data == {
        "symbol": "ETHUSDT",
        "bid": "2050.67",
        "bid_size": "0.89116",
        "ask": "2050.70",
        "ask_size": "2.26200",
        "update_id": 1775117847996,
    }
    assert msg.raw["u"] == 1775117847996


def test_book_ticker_number_types() -> None:
    """bookTicker prices and sizes follow number_type; update_id stays an int."""
    frame = load("spot-v3-public-bookticker.json")
    dec = only(frame, Normalizer(Decimal, None)).data
    assert dec["ask_size"] == Decimal("2.26200") and dec["update_id"] == 1775117847996
    assert only(frame, Normalizer(float, None)).data["bid"] == 2050.67


def test_trade_fields() -> None:
    """A spot trade: taker side from the maker flag, its own time in ms."""
    msg = only(load("spot-v3-public-trade.json"))
    assert msg.event == "trade:ETHUSDT"
    assert msg.timestamp == 1775118619.691
    assert msg.data == {
        "symbol": "ETHUSDT",
        "trade_id": "8cd20870-d3b0-41d8-91bb-ccdfbdd6576f",
        "price": "2050.56",
        "size": "0.02625",
        "value": "53.8272000",
        "side": "sell",
        "time": 1775118619691,
    }


def test_depth_fields() -> None:
    """A spot depth delta is a DepthUpdate with its U/u chain and text levels."""
    update = spot.decode(TEXT, load("spot-v3-public-depth15-changed.json"), NOW)
    assert isinstance(update, DepthUpdate)
    assert (update.symbol, update.level, update.snapshot) == ("ETHUSDT", 15, False)
    assert (update.first, update.last) == (971193541, 971193552)
    assert update.bids == [("2048.74", "1.18796")]
    assert update.asks == [("2048.75", "1.18796")]
    assert update.timestamp == 1775118171.935


def test_depth_snapshot_is_flagged() -> None:
    """depthSnapshot (none is published for spot) decodes as a snapshot."""
    frame = orjson.loads(load("spot-v3-public-depth15-changed.json"))
    frame.update(e="depthSnapshot", d="SNAPSHOT")
    update = spot.decode(TEXT, orjson.dumps(frame), NOW)
    assert isinstance(update, DepthUpdate) and update.snapshot


def test_account_fields() -> None:
    """A spot account item: coin, balance (equity), available, frozen, reason."""
    msg = only(load("spot-v3-private-account.json"))
    assert (msg.event, msg.kind, msg.symbol) == ("account", "account", None)
    assert msg.timestamp == 1776187844.633
    assert msg.data == {
        "coin": "USDT",
        "balance": "47.98428060",
        "available": "47.98428060",
        "frozen": "0",
        "reason": "DepositUpdate",
    }
    assert "margin_mode" not in msg.data


def test_order_fields() -> None:
    """A spot order: no position_side, average price computed from fills."""
    msg = only(load("spot-v3-private-orders.json"))
    assert (msg.event, msg.kind, msg.symbol) == ("order:DOGEUSDT", "order", "DOGEUSDT")
    assert msg.timestamp == 1776184415.058
    assert msg.data == {
        "symbol": "DOGEUSDT",
        "order_id": "738970996765098600",
        "client_order_id": "b-WEEX111125-bf78d975ca38422bb6ea65",
        "side": "sell",
        "type": "market",
        "price": "0",
        "size": "200.0",
        "filled_size": "200.0",
        "status": "filled",
        "time_in_force": "ioc",
        "reduce_only": False,
        "avg_price": "0.09571",
        "reason": "OrderUpdate",
    }


def test_order_number_types() -> None:
    """Order prices, sizes and the computed average follow number_type."""
    data = only(load("spot-v3-private-orders.json"), Normalizer(Decimal, None)).data
    assert data["avg_price"] == Decimal("0.09571")
    assert data["size"] == Decimal("200.0")
    assert only(load("spot-v3-private-orders.json"), Normalizer(float, None)).data[
        "avg_price"
    ] == pytest.approx(0.09571)


def _order(**changes: Any) -> bytes:
    frame = orjson.loads(load("spot-v3-private-orders.json"))
    frame["d"][0].update(changes)
    return orjson.dumps(frame)


@pytest.mark.parametrize(
    ("status", "filled", "expected"),
    [
        ("NEW", "0", "new"),
        ("NEW", "50.0", "partially_filled"),
        ("PENDING", "50.0", "partially_filled"),
        ("PARTIALLY_FILLED", "50.0", "partially_filled"),
        ("FILLED", "200.0", "filled"),
        ("CANCELED", "50.0", "canceled"),
        ("EXPIRED", "0", "canceled"),
        ("SOMETHING_NEW", "0", "something_new"),
    ],
)
def test_order_status_words(status: str, filled: str, expected: str) -> None:
    """Spot status words map per WEEX-WS.md §1.7.6; partial fills are derived."""
    data = only(_order(status=status, cumFillSize=filled)).data
    assert data["status"] == expected


def test_value_sized_market_buy_passes_size_zero() -> None:
    """A market buy by quote amount keeps size "0" as sent, nothing invented."""
    data = only(_order(orderSide="BUY", size="0", value="100", status="NEW",
                       cumFillSize="0", cumFillValue="0")).data  # fmt: skip
    assert data["size"] == "0" and data["status"] == "new"
    assert "avg_price" not in data


def test_fill_fields() -> None:
    """A spot fill: price = fillValue / fillSize exactly, no realized_pnl."""
    msg = only(load("spot-v3-private-fill.json"))
    assert (msg.event, msg.kind, msg.symbol) == ("fill:BTCUSDT", "fill", "BTCUSDT")
    assert msg.timestamp == 1773295739.001
    assert msg.data == {
        "symbol": "BTCUSDT",
        "fill_id": "7423916138",
        "order_id": "625138763307155610",
        "side": "buy",
        "size": "0.000952",
        "fee": "0.00000095",
        "liquidity": "taker",
        "price": "105008",
        "reason": "OrderUpdate",
    }
    dec = only(load("spot-v3-private-fill.json"), Normalizer(Decimal, None)).data
    assert dec["price"] == Decimal("105008") and dec["fee"] == Decimal("0.00000095")


def test_rest_balances_fields() -> None:
    """REST balances: free is available, locked frozen, balance their sum."""
    body = orjson.loads(load("spot-v3-rest-account.json"))
    assert spot.rest_balances(TEXT, body) == [
        {"coin": "USDT", "balance": "20", "available": "20.00000000", "frozen": "0"}
    ]
    [row] = spot.rest_balances(Normalizer(Decimal, None), body)
    assert row["balance"] == Decimal(20) and row["available"] == Decimal("20.00000000")


def test_rest_depth_fields() -> None:
    """REST depth: text levels best first and the lastUpdateId."""
    body = orjson.loads(load("spot-v3-rest-depth.json"))
    bids, asks, version = spot.rest_depth(body)
    assert bids == [("68950.10", "2.345"), ("68949.80", "0.512")]
    assert asks == [("68950.20", "1.104"), ("68950.40", "3.872")]
    assert version == 451234567890


def test_rest_exchange_info_is_not_a_push() -> None:
    """exchangeInfo is a REST body: decode() reports it as an unknown push."""
    result = spot.decode(TEXT, load("spot-v3-rest-exchangeinfo.json"), NOW)
    assert isinstance(result, UnknownPush)


@pytest.mark.parametrize(
    "frame",
    [
        b"not json",
        b"[1, 2]",
        b'{"e":"bookTicker","s":"ETHUSDT","u":1,"b":"1","B":"1","a":"1"}',
        b'{"e":"bookTicker","s":"ETHUSDT","u":"x","b":"1","B":"1","a":"1","A":"1"}',
        b'{"e":"ticker","s":"ETHUSDT","d":[]}',
        b'{"e":"orders","d":{"id":"1"}}',
        b'{"e":"fill","d":[{"fillValue":"1","fillSize":"NaN"}]}',
        b'{"e":"depth","s":"ETHUSDT","U":1,"u":2,"b":[["1"]]}',
    ],
)
def test_malformed_frames_raise_decode_error(frame: bytes) -> None:
    """Malformed spot frames raise DecodeError, naming the problem."""
    with pytest.raises(DecodeError):
        spot.decode(TEXT, frame, NOW)


def test_decoders_table_names_every_spot_push() -> None:
    """DECODERS covers every push type of WEEX-WS.md §1.7.3/§1.7.4."""
    assert set(spot.DECODERS) == {
        "ticker", "bookTicker", "trade", "tradeSnapshot", "depth", "depthSnapshot",
        "account", "orders", "fill",
    }  # fmt: skip
