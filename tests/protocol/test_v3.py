"""The V3 codec against WEEX's golden frames and the rules of DESIGN.md §3."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from weex_events.errors import ConfigError, DecodeError
from weex_events.events import Channel, StreamMessage
from weex_events.protocol import (
    DepthUpdate,
    Greeting,
    Reply,
    ServerPing,
    UnknownPush,
)
from weex_events.protocol.v3 import V3Codec

FRAMES = Path(__file__).resolve().parent.parent / "frames"
NOW = 1_700_000_000.5


def server_frames() -> list[str]:
    """Names of the V3 frames a server sends (no client requests, no REST bodies)."""
    names = sorted(
        p.name
        for p in FRAMES.glob("*.json")
        if p.name.startswith(("contract-v3-", "spot-v3-", "v3-error-"))
    )
    return [
        n
        for n in names
        if "-request" not in n and "-pong-" not in n and "-rest-" not in n
    ]


def load(name: str) -> bytes:
    return (FRAMES / name).read_bytes()


def messages(codec: V3Codec, frame: str | bytes) -> list[StreamMessage]:
    result = codec.decode(frame, NOW)
    assert isinstance(result, list)
    return result


def one(codec: V3Codec, frame: str | bytes) -> StreamMessage:
    result = messages(codec, frame)
    assert len(result) == 1
    return result[0]


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj)


# -- golden frames -------------------------------------------------------------


def test_golden_frames_present() -> None:
    """The golden V3 server frames are available to the tests."""
    assert len(server_frames()) >= 18


@pytest.mark.parametrize("name", server_frames())
def test_every_v3_server_frame_decodes(name: str) -> None:
    """Every published V3 server frame decodes to a known item (bookTicker aside)."""
    result = V3Codec().decode(load(name), NOW)
    if name == "spot-v3-public-bookticker.json":
        assert isinstance(result, UnknownPush)
        assert result.type == "bookTicker"
    else:
        assert not isinstance(result, UnknownPush)


def test_ticker_fields() -> None:
    """A contract ticker is normalized field by field, change in percent."""
    msg = one(V3Codec(), load("contract-v3-public-ticker.json"))
    assert msg.event == "ticker:ETHUSDT"
    assert msg.kind == "ticker"
    assert msg.symbol == "ETHUSDT"
    assert msg.timestamp == 1775120226.169
    assert msg.received_at == NOW
    assert msg.raw["w"] == "2111.84765227"
    assert msg.data == {
        "symbol": "ETHUSDT",
        "last": "2045.89",
        "mark": "2045.91",
        "index": "2047.2225",
        "open": "2139.17",
        "high": "2167.19",
        "low": "2037.28",
        "volume": "760383.679",
        "quote_volume": "1605814487.32196",
        "change": "-4.3605",
        "change_abs": "-93.28",
        "trades": 535239,
    }


def test_spot_ticker_omits_mark_and_index() -> None:
    """A spot ticker has no mark or index price, and none is invented."""
    msg = one(V3Codec(), load("spot-v3-public-ticker.json"))
    assert "mark" not in msg.data and "index" not in msg.data
    assert msg.data["change"] == "-3.5895"
    assert msg.data["last"] == "2050.15"


def test_ticker_decimal_number_type() -> None:
    """number_type=Decimal gives Decimals for prices and change, ints for counts."""
    data = one(
        V3Codec(number_type=Decimal), load("contract-v3-public-ticker.json")
    ).data
    assert data["last"] == Decimal("2045.89")
    assert isinstance(data["last"], Decimal)
    assert data["change"] == Decimal("-4.3605")
    assert data["change_abs"] == Decimal("-93.28")
    assert data["trades"] == 535239


def test_ticker_float_number_type() -> None:
    """number_type=float gives floats for prices and change."""
    data = one(V3Codec(number_type=float), load("contract-v3-public-ticker.json")).data
    assert data["last"] == 2045.89
    assert isinstance(data["volume"], float)
    assert data["change"] == -4.3605  # exact text shift, then float
    assert data["trades"] == 535239


def test_ticker_stores_mark_price() -> None:
    """A ticker with a mark price records it in the shared marks dict."""
    marks: dict[str, str] = {}
    V3Codec(marks=marks).decode(load("contract-v3-public-ticker.json"), NOW)
    assert marks == {"ETHUSDT": "2045.91"}


def test_ticker_without_event_time_uses_receive_time() -> None:
    """A push without E is stamped with the receive time."""
    frame = {"e": "ticker", "s": "BTCUSDT", "d": [{"c": "1"}]}
    msg = one(V3Codec(), dumps(frame))
    assert msg.timestamp == NOW
    assert msg.data == {"symbol": "BTCUSDT", "last": "1"}


def test_trade_frame_gives_one_message_per_trade() -> None:
    """A trade frame yields one message per trade, in wire order."""
    msgs = messages(V3Codec(), load("contract-v3-public-trade.json"))
    assert [m.event for m in msgs] == ["trade:ETHUSDT"] * 3
    assert [m.data["trade_id"] for m in msgs] == [
        "c2a965c5-1bb3-4bb5-9222-2ee3a96c6556",
        "13654ded-518c-42e9-b425-cd5e76c51301",
        "89a4b27f-9fb8-4746-b381-64c0b7e087f2",
    ]
    assert [m.data["side"] for m in msgs] == ["buy", "buy", "buy"]
    assert msgs[0].data == {
        "symbol": "ETHUSDT",
        "trade_id": "c2a965c5-1bb3-4bb5-9222-2ee3a96c6556",
        "price": "2041.50",
        "size": "0.020",
        "value": "40.83000",
        "side": "buy",
        "time": 1775121040002,
    }
    assert msgs[1].timestamp == 1775121039.597
    assert msgs[2].raw["q"] == "0.036"


def test_trade_buyer_maker_means_taker_sold() -> None:
    """m=true (buyer is maker) makes the taker side "sell"."""
    frame = {
        "e": "tradeSnapshot",
        "E": 5,
        "s": "BTCUSDT",
        "d": [{"T": 1000, "t": "x", "p": "1", "q": "2", "v": "2", "m": True}],
    }
    msg = one(V3Codec(number_type=Decimal), dumps(frame))
    assert msg.data["side"] == "sell"
    assert msg.data["price"] == Decimal(1)
    assert msg.timestamp == 1.0


def test_kline_fields() -> None:
    """A kline bar is normalized field by field; the only bar is the open one."""
    msg = one(V3Codec(), load("contract-v3-public-kline.json"))
    assert msg.event == "kline:ETHUSDT"
    assert msg.data == {
        "symbol": "ETHUSDT",
        "interval": "1d",
        "start": 1775088000000,
        "end": 1775174400000,
        "open": "2138.80",
        "high": "2158.41",
        "low": "2037.28",
        "close": "2045.03",
        "volume": "383232.697",
        "quote_volume": "800748604.20554",
        "trades": 209032,
        "closed": False,
    }
    assert msg.timestamp == 1775120374.54


def bar(start: int, close: str, interval: str = "1m") -> dict[str, Any]:
    return {
        "t": start,
        "T": start + 60_000,
        "s": "BTCUSDT",
        "i": interval,
        "o": "1",
        "c": close,
        "h": "2",
        "l": "0.5",
        "v": "10",
        "n": 3,
        "q": "10",
    }


def kline(e: str, *bars: dict[str, Any], basis: str = "LAST_PRICE") -> bytes:
    return dumps({"e": e, "E": 1, "s": "BTCUSDT", "p": basis, "d": list(bars)})


def test_kline_snapshot_closes_all_but_latest_bar() -> None:
    """In a klineSnapshot every bar but the latest is closed."""
    frame = kline("klineSnapshot", bar(60_000, "b"), bar(0, "a"), bar(120_000, "c"))
    msgs = messages(V3Codec(), frame)
    assert [(m.data["close"], m.data["closed"]) for m in msgs] == [
        ("b", True),
        ("a", True),
        ("c", False),
    ]


def test_live_kline_closes_previous_bar_when_next_starts() -> None:
    """A bar with a later start re-emits the previous bar, closed, then the new one."""
    codec = V3Codec()
    codec.decode(kline("klineSnapshot", bar(0, "a"), bar(60_000, "b")), NOW)
    update = messages(codec, kline("kline", bar(60_000, "b2")))
    assert [(m.data["close"], m.data["closed"]) for m in update] == [("b2", False)]
    roll = messages(codec, kline("kline", bar(120_000, "c")))
    assert [(m.data["start"], m.data["close"], m.data["closed"]) for m in roll] == [
        (60_000, "b2", True),
        (120_000, "c", False),
    ]
    assert roll[0].raw["c"] == "b2"


def test_kline_series_are_independent() -> None:
    """Price basis and interval each keep their own open bar."""
    codec = V3Codec()
    codec.decode(kline("kline", bar(0, "a")), NOW)
    other = messages(codec, kline("kline", bar(60_000, "m"), basis="MARK_PRICE"))
    assert [m.data["closed"] for m in other] == [False]
    hourly = messages(codec, kline("kline", bar(3_600_000, "h", "1h")))
    assert [m.data["closed"] for m in hourly] == [False]
    late = messages(codec, kline("kline", bar(60_000, "x")))
    assert [(m.data["start"], m.data["closed"]) for m in late] == [
        (0, True),
        (60_000, False),
    ]


def test_late_kline_bar_is_closed() -> None:
    """An update for a bar older than the open one is reported closed."""
    codec = V3Codec()
    codec.decode(kline("kline", bar(120_000, "c")), NOW)
    late = messages(codec, kline("kline", bar(60_000, "b")))
    assert [(m.data["start"], m.data["closed"]) for m in late] == [(60_000, True)]
    again = messages(codec, kline("kline", bar(120_000, "c2")))
    assert [m.data["closed"] for m in again] == [False]


def test_kline_state_is_bounded() -> None:
    """The codec keeps one open bar per series, and a bounded number of series."""
    codec = V3Codec()
    for n in range(5000):
        frame = dumps({"e": "kline", "s": f"S{n}", "d": [bar(0, "1")]})
        codec.decode(frame, NOW)
    assert len(codec._klines) <= 4096


def test_depth_update_fields() -> None:
    """A depth frame becomes a DepthUpdate with the exact wire text."""
    update = V3Codec(number_type=float).decode(
        load("contract-v3-public-depth200-changed.json"), NOW
    )
    assert isinstance(update, DepthUpdate)
    assert update.symbol == "ETHUSDT"
    assert update.level == 200
    assert update.snapshot is False
    assert update.first == 14181847790
    assert update.last == 14181847802
    assert update.bids == [("2227.21", "0"), ("2227.20", "46.519")]
    assert update.asks == [("2227.21", "44.092"), ("2227.26", "0")]
    assert update.timestamp == 1776098967.972
    assert update.received_at == NOW
    assert update.raw["e"] == "depth"


def test_depth_snapshot_defaults_to_15_levels() -> None:
    """A depthSnapshot is a snapshot; a frame without l has 15 levels."""
    frame = {
        "e": "depthSnapshot",
        "E": 1,
        "s": "btcusdt",
        "U": "7",
        "u": 9,
        "d": "SNAPSHOT",
        "b": [["1", "2"]],
        "a": [],
    }
    update = V3Codec().decode(dumps(frame), NOW)
    assert isinstance(update, DepthUpdate)
    assert (update.symbol, update.level, update.snapshot) == ("BTCUSDT", 15, True)
    assert (update.first, update.last) == (7, 9)


# -- private -------------------------------------------------------------------


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
    """An order item is normalized; PENDING is new, IOC is ioc."""
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
        "status": "new",
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


# -- control frames ------------------------------------------------------------


def test_acks_and_rejects() -> None:
    """Acks and rejects become Replies carrying the id as sent."""
    codec = V3Codec()
    assert codec.decode(load("contract-v3-ack-subscribe.json"), NOW) == Reply(2, True)
    assert codec.decode(load("v3-error-subscribe.json"), NOW) == Reply(
        1, False, "INVALID_ARGUMENT: invalid symbol : ASDFS_SPBL"
    )
    assert codec.decode('{"result":true,"id":"|1|"}', NOW) == Reply("|1|", True)
    unparseable = '{"result":false,"msg":"INVALID_ARGUMENT: unrecognized message : x"}'
    assert codec.decode(unparseable, NOW) == Reply(
        None, False, "INVALID_ARGUMENT: unrecognized message : x"
    )


def test_pings_and_greeting() -> None:
    """Public and private pings and the greeting decode by value."""
    codec = V3Codec()
    assert codec.decode(load("contract-v3-ping-public.json"), NOW) == ServerPing(
        "1776078750000", private=False
    )
    assert codec.decode(load("contract-v3-ping-private.json"), NOW) == ServerPing(
        "1776172740000", private=True
    )
    greeting = '{"cid":"ab-12","event":"connected","time":"1788692250000"}'
    assert codec.decode(greeting, NOW) == Greeting("ab-12", 1788692250000)


def test_unknown_objects_are_reported_not_fatal() -> None:
    """Unknown push types and unknown objects become UnknownPush."""
    codec = V3Codec()
    assert codec.decode('{"e":"markPrice","s":"X"}', NOW) == UnknownPush(
        "markPrice", {"e": "markPrice", "s": "X"}
    )
    assert codec.decode(b'{"foo":1}', NOW) == UnknownPush("unknown", {"foo": 1})


# -- encoding and channels -----------------------------------------------------


def test_encode_commands() -> None:
    """Commands are the documented JSON objects."""
    codec = V3Codec()
    sub = orjson.loads(codec.encode_subscribe(["BTCUSDT@ticker", "orders"], 3))
    assert sub == {
        "method": "SUBSCRIBE",
        "params": ["BTCUSDT@ticker", "orders"],
        "id": 3,
    }
    unsub = orjson.loads(codec.encode_unsubscribe(("BTCUSDT@ticker",), 4))
    assert unsub == {"method": "UNSUBSCRIBE", "params": ["BTCUSDT@ticker"], "id": 4}
    assert orjson.loads(codec.encode_ping(7)) == {"method": "PING", "id": 7}
    pong = codec.encode_pong(ServerPing("1", private=True), 8)
    assert orjson.loads(pong) == {"method": "PONG", "id": 8}
    assert isinstance(pong, str)
    assert codec.batch_commands is True


CHANNELS = [
    (Channel("ticker", "BTCUSDT"), "BTCUSDT@ticker"),
    (Channel("trade", "BTCUSDT"), "BTCUSDT@trade"),
    (Channel("book", "BTCUSDT", "15"), "BTCUSDT@depth15"),
    (Channel("book", "BTCUSDT", "200"), "BTCUSDT@depth200"),
    (Channel("kline", "BTCUSDT", "1m"), "BTCUSDT@kline_1m"),
    (Channel("kline", "BTCUSDT", "1M"), "BTCUSDT@kline_1M"),
    (Channel("kline", "BTCUSDT", "1m_MARK_PRICE"), "BTCUSDT@kline_1m_MARK_PRICE"),
    (Channel("order"), "orders"),
    (Channel("position"), "positions"),
    (Channel("fill"), "fill"),
    (Channel("account"), "account"),
]


@pytest.mark.parametrize(("channel", "param"), CHANNELS)
def test_channel_params_round_trip(channel: Channel, param: str) -> None:
    """channel_param and channel_of are inverses."""
    codec = V3Codec()
    assert codec.channel_param(channel) == param
    assert codec.channel_of(param) == channel


def test_channel_of_is_lenient_on_symbol_case() -> None:
    """Lower-case symbols and bare "depth" are understood."""
    codec = V3Codec()
    assert codec.channel_of("btcusdt@depth") == Channel("book", "BTCUSDT", "15")
    assert codec.channel_of("ethusdt@ticker") == Channel("ticker", "ETHUSDT")
    assert codec.channel_param(Channel("ticker", "btcusdt")) == "BTCUSDT@ticker"


@pytest.mark.parametrize(
    "param",
    [
        "btcusdt@nonsense",
        "BTCUSDT@depth5",
        "BTCUSDT@kline_7m",
        "@ticker",
        "x",
        "BTC-USD@ticker",
    ],
)
def test_channel_of_unknown_is_none(param: str) -> None:
    """Unknown params map to None."""
    assert V3Codec().channel_of(param) is None


@pytest.mark.parametrize(
    "channel",
    [
        Channel("ticker"),
        Channel("book", "BTCUSDT", "5"),
        Channel("kline", "BTCUSDT", "7m"),
        Channel("bogus", "BTCUSDT"),
        Channel("ticker", "BTC/USDT"),
    ],
)
def test_channel_param_rejects_bad_channels(channel: Channel) -> None:
    """A channel with no V3 form raises ConfigError."""
    with pytest.raises(ConfigError):
        V3Codec().channel_param(channel)


def test_unknown_number_type_is_a_config_error() -> None:
    """Only str, Decimal and float are number types."""
    with pytest.raises(ConfigError):
        V3Codec(number_type=int)


# -- malformed input -----------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        b"{not json",
        b"\xff\xfe",
        "",
        "[1, 2]",
        '"ticker"',
        "null",
        '{"e":"ticker","E":1,"d":[{"c":"1"}]}',
        '{"e":"ticker","E":1,"s":"BTCUSDT"}',
        '{"e":"ticker","E":1,"s":"BTCUSDT","d":[]}',
        '{"e":"ticker","E":1,"s":"BTCUSDT","d":[{"c":1.5}]}',
        '{"e":"ticker","E":"soon","s":"BTCUSDT","d":[{"c":"1"}]}',
        '{"e":"ticker","E":1,"s":"BTCUSDT","d":[{"P":"abc"}]}',
        '{"e":"ticker","E":1,"s":5,"d":[{"c":"1"}]}',
        '{"e":"depth","E":1,"s":"BTCUSDT","u":2,"b":[],"a":[]}',
        '{"e":"depth","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1"]],"a":[]}',
        '{"e":"depth","E":1,"s":"BTCUSDT","U":1,"u":2,"b":["12"],"a":[]}',
        '{"e":"trade","E":1,"s":"BTCUSDT","d":[{"T":"x"}]}',
        '{"e":"trade","E":1,"s":"BTCUSDT","d":[{"m":"maybe"}]}',
        '{"e":"kline","E":1,"s":"BTCUSDT","d":[{"i":"1m","c":"1"}]}',
        '{"e":"orders","E":1,"d":{"id":"1"}}',
        '{"e":"orders","E":1,"d":[{"status":5}]}',
        '{"e":"fill","E":1,"d":[{"fillSize":"1","fillValue":"x"}]}',
        '{"e":"positions","E":1,"d":[{"size":"1","openValue":"2","symbol":"a/b"}]}',
        '{"e":["ticker"]}',
        '{"result":"yes","id":1}',
        '{"result":true,"id":[1]}',
        '{"event":"connected","time":"later"}',
        '{"type":"ping","time":[1]}',
    ],
)
def test_malformed_frames_raise_decode_error(frame: str | bytes) -> None:
    """Bad JSON, non-objects and known pushes with missing or mistyped fields."""
    with pytest.raises(DecodeError) as info:
        V3Codec(number_type=Decimal).decode(frame, NOW)
    assert info.value.reason


def test_decode_error_names_the_missing_field() -> None:
    """The DecodeError reason names the frame type and the missing field."""
    with pytest.raises(DecodeError) as info:
        V3Codec().decode('{"e":"ticker","E":1,"d":[{"c":"1"}]}', NOW)
    assert "ticker" in info.value.reason and "'s'" in info.value.reason
