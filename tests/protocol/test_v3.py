"""The V3 codec against WEEX's golden frames and the rules of DESIGN.md §3."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from weex_events.errors import DecodeError
from weex_events.protocol import (
    DepthUpdate,
    Greeting,
    Reply,
    ServerPing,
    UnknownPush,
)
from weex_events.protocol.v3 import V3Codec

from .golden import NOW, dumps, load, messages, one, server_frames

# -- golden frames -------------------------------------------------------------


def test_golden_frames_present() -> None:
    """The golden V3 server frames are available to the tests."""
    assert len(server_frames("v3")) >= 18


@pytest.mark.parametrize("name", server_frames("v3"))
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
    # The frame's own rows, unchecked: the order book checks each level.
    assert update.bids == [["2227.21", "0"], ["2227.20", "46.519"]]
    assert update.asks == [["2227.21", "44.092"], ["2227.26", "0"]]
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


# -- encoding -----------------------------------------------------------------


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
    pong = codec.encode_pong(ServerPing("1", private=True), 8)
    assert orjson.loads(pong) == {"method": "PONG", "id": 8}
    assert isinstance(pong, str)


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
        '{"e":"depth","E":1,"s":"BTCUSDT","U":1,"u":2,"b":{"1":"2"},"a":[]}',
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
