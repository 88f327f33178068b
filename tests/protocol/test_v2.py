"""The V2 codec: WEEX's legacy frames give the same normalized data as V3."""

from __future__ import annotations

import contextlib
import copy
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weex_events.errors import ConfigError, DecodeError
from weex_events.protocol import DepthUpdate, Reply, ServerPing, UnknownPush
from weex_events.protocol.v2 import V2Codec
from weex_events.protocol.v3 import V3Codec

from .golden import NOW, dumps, golden, load, one, server_frames


def test_golden_frames_present() -> None:
    """The golden V2 server frames are available to the tests."""
    assert len(server_frames("v2")) >= 15


@pytest.mark.parametrize("name", server_frames("v2"))
def test_every_v2_server_frame_decodes(name: str) -> None:
    """Every published V2 server frame decodes to a known item."""
    assert not isinstance(V2Codec().decode(load(name), NOW), UnknownPush)


# -- public pushes, compared with V3 ---------------------------------------------


def test_ticker_matches_v3() -> None:
    """A V2 ticker gives the data a V3 ticker with the same facts gives."""
    v2 = one(V2Codec(), load("contract-v2-public-ticker.json"))
    assert v2.event == "ticker:BTCUSDT"
    assert v2.timestamp == NOW  # V2 tickers carry no event time
    assert v2.data == {
        "symbol": "BTCUSDT",
        "last": "102623.9",
        "mark": "102623.9",
        "high": "104692.2",
        "low": "100709.6",
        "volume": "176145.66489",
        "quote_volume": "18115688543.1",
        "change": "-1.9637",
        "change_abs": "-2055.6",
        "trades": 28941,
    }
    item = {
        "c": "102623.9",
        "m": "102623.9",
        "h": "104692.2",
        "l": "100709.6",
        "v": "176145.66489",
        "q": "18115688543.1",
        "p": "-2055.6",
        "P": "-0.019637",
        "n": 28941,
    }
    v3 = one(V3Codec(), dumps({"e": "ticker", "E": 1, "s": "BTCUSDT", "d": [item]}))
    assert v2.data == v3.data


def test_ticker_decimal_and_mark() -> None:
    """Decimal numbers apply, and the mark price lands in the shared dict."""
    marks: dict[str, str] = {}
    codec = V2Codec(number_type=Decimal, marks=marks)
    data = one(codec, load("contract-v2-public-ticker.json")).data
    assert data["change"] == Decimal("-1.9637")
    assert data["last"] == Decimal("102623.9")
    assert marks == {"BTCUSDT": "102623.9"}


def test_trades_match_v3_without_trade_id() -> None:
    """A V2 trade matches V3's data except for the trade id V2 lacks."""
    v2 = one(V2Codec(), load("contract-v2-public-trades.json"))
    assert v2.event == "trade:BTCUSDT"
    assert v2.timestamp == 1747131727.502
    assert v2.data == {
        "symbol": "BTCUSDT",
        "price": "103337.5",
        "size": "0.01600",
        "value": "1653.400000",
        "side": "buy",
        "time": 1747131727502,
    }
    item = {
        "T": 1747131727502,
        "t": "id",
        "p": "103337.5",
        "q": "0.01600",
        "v": "1653.400000",
        "m": False,
    }
    v3 = one(V3Codec(), dumps({"e": "trade", "E": 1, "s": "BTCUSDT", "d": [item]}))
    assert {k: v for k, v in v3.data.items() if k != "trade_id"} == v2.data


def test_trade_buyer_maker_is_a_sell() -> None:
    """buyerMaker true makes the taker side "sell"."""
    frame = orjson.loads(load("contract-v2-public-trades.json"))
    frame["data"][0]["buyerMaker"] = True
    assert one(V2Codec(), dumps(frame)).data["side"] == "sell"


def test_kline_matches_v3_common_fields() -> None:
    """A V2 bar matches V3's data; end and trade count, absent in V2, are omitted."""
    v2 = one(V2Codec(), load("contract-v2-public-kline.json"))
    assert v2.event == "kline:BTCUSDT"
    assert v2.data == {
        "symbol": "BTCUSDT",
        "interval": "1m",
        "start": 1747125660000,
        "open": "102760.6",
        "high": "102784.6",
        "low": "102760.6",
        "close": "102764.0",
        "volume": "23.76600",
        "quote_volume": "2442678.713400",
        "closed": False,
    }
    item = {
        "t": 1747125660000,
        "T": 1747125720000,
        "s": "BTCUSDT",
        "i": "1m",
        "o": "102760.6",
        "c": "102764.0",
        "h": "102784.6",
        "l": "102760.6",
        "v": "23.76600",
        "n": 7,
        "q": "2442678.713400",
    }
    frame = {"e": "kline", "E": 1, "s": "BTCUSDT", "p": "LAST_PRICE", "d": [item]}
    v3 = one(V3Codec(), dumps(frame))
    assert {k: v for k, v in v3.data.items() if k not in ("end", "trades")} == v2.data


def test_depth_changed_frame() -> None:
    """A V2 depth item becomes the DepthUpdate V3 would give for the same facts."""
    update = V2Codec().decode(load("contract-v2-public-depth15-changed.json"), NOW)
    assert isinstance(update, DepthUpdate)
    assert (update.symbol, update.level, update.snapshot) == ("BTCUSDT", 15, False)
    assert (update.first, update.last) == (3644174246, 3644174270)
    assert update.bids[:2] == [("103435.9", "2.40500"), ("103435.7", "0")]
    assert update.asks[-1] == ("103437.2", "0")
    assert (len(update.bids), len(update.asks)) == (7, 8)
    assert update.timestamp == NOW
    v3_frame = {
        "e": "depth",
        "E": 1,
        "s": "BTCUSDT",
        "U": 3644174246,
        "u": 3644174270,
        "l": 15,
        "d": "CHANGED",
        "b": [list(level) for level in update.bids],
        "a": [list(level) for level in update.asks],
    }
    v3 = V3Codec().decode(dumps(v3_frame), NOW)
    assert isinstance(v3, DepthUpdate)
    fields = ("symbol", "level", "snapshot", "first", "last")
    assert all(getattr(v3, f) == getattr(update, f) for f in fields)
    assert [tuple(row) for row in v3.bids] == update.bids
    assert [tuple(row) for row in v3.asks] == update.asks


def test_depth_snapshot_flag() -> None:
    """depthType SNAPSHOT marks a snapshot."""
    frame = orjson.loads(load("contract-v2-public-depth15-changed.json"))
    frame["data"][0]["depthType"] = "SNAPSHOT"
    update = V2Codec().decode(dumps(frame), NOW)
    assert isinstance(update, DepthUpdate) and update.snapshot


# -- private pushes, compared with V3 --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "channel"),
    [
        ("account", "account"),
        ("position", "positions"),
        ("order", "orders"),
        ("fill", "fill"),
    ],
)
@pytest.mark.parametrize("number_type", [str, Decimal, float])
def test_private_items_match_v3(kind: str, channel: str, number_type: type) -> None:
    """The same private item gives the same data in both generations."""
    v2 = one(
        V2Codec(number_type=number_type), load(f"contract-v2-private-{channel}.json")
    )
    v3 = one(
        V3Codec(number_type=number_type), load(f"contract-v3-private-{channel}.json")
    )
    assert (v2.event, v2.kind, v2.symbol) == (v3.event, v3.kind, v3.symbol)
    assert v2.kind == kind
    # The published order examples differ only in clientOrderId.
    v2_data = {k: v for k, v in v2.data.items() if k != "client_order_id"}
    v3_data = {k: v for k, v in v3.data.items() if k != "client_order_id"}
    assert v2_data == v3_data


def test_private_fields_and_time() -> None:
    """V2 private data uses msg.time, SHARED is cross, the fill price is computed."""
    fill = one(V2Codec(), load("contract-v2-private-fill.json"))
    assert fill.timestamp == 1747203188.154
    assert fill.data["price"] == "103812.7"
    account = one(V2Codec(), load("contract-v2-private-account.json"))
    assert account.data["margin_mode"] == "cross"
    assert account.data["coin"] == "USDT"
    order = one(V2Codec(), load("contract-v2-private-orders.json"))
    assert order.data["time_in_force"] == "ioc"


def test_unrealized_pnl_with_shared_mark() -> None:
    """A V2 position uses the mark price a V2 ticker stored."""
    marks: dict[str, str] = {}
    V2Codec(marks=marks).decode(load("contract-v2-public-ticker.json"), NOW)
    data = one(V2Codec(marks=marks), load("contract-v2-private-positions.json")).data
    # long: 102623.9 * 0.01000 - 992.405443
    assert data["unrealized_pnl"] == "33.833557"


# -- control frames and commands ---------------------------------------------------


def test_replies() -> None:
    """Acks carry channel and action; errors carry channel and message."""
    codec = V2Codec()
    assert codec.decode(load("contract-v2-ack-subscribed-ticker.json"), NOW) == Reply(
        None, True, channel="ticker.cmt_btcusdt", action="subscribe"
    )
    unsub = '{"event":"unsubscribed","channel":"orders"}'
    assert codec.decode(unsub, NOW) == Reply(
        None, True, channel="orders", action="unsubscribe"
    )
    error = '{"event":"error","channel":"ticker.cmt_x","code":"40020","msg":"bad"}'
    assert codec.decode(error, NOW) == Reply(None, False, "bad", "ticker.cmt_x")


def test_ping_and_pong() -> None:
    """A server ping decodes; the pong echoes its time."""
    codec = V2Codec()
    ping = codec.decode(load("contract-v2-ping.json"), NOW)
    assert ping == ServerPing("1693208170000", private=False)
    assert isinstance(ping, ServerPing)
    pong = orjson.loads(codec.encode_pong(ping, 1))
    assert pong == orjson.loads(load("contract-v2-pong.json"))


def test_commands_one_channel_each() -> None:
    """Commands name one channel; batches are refused."""
    codec = V2Codec()
    sub = orjson.loads(codec.encode_subscribe(["ticker.cmt_btcusdt"], 1))
    assert sub == orjson.loads(load("contract-v2-subscribe-request-ticker.json"))
    unsub = orjson.loads(codec.encode_unsubscribe(["orders"], 2))
    assert unsub == {"event": "unsubscribe", "channel": "orders"}
    with pytest.raises(ConfigError):
        codec.encode_subscribe(["account", "orders"], 3)
    with pytest.raises(ConfigError):
        codec.encode_unsubscribe([], 4)


# -- malformed input -------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        b"{nope",
        "[]",
        '{"event":"payload"}',
        '{"event":"payload","channel":5,"data":[]}',
        '{"event":"payload","channel":"ticker","data":[{}]}',
        '{"event":"payload","channel":"ticker.cmt_btcusdt","data":[{"lastPrice":1}]}',
        '{"event":"payload","channel":"depth.cmt_btcusdt.15","data":[]}',
        '{"event":"payload","channel":"depth.cmt_btcusdt.15","data":[{"level":15}]}',
        '{"event":"payload","channel":"kline.LAST_PRICE.cmt_btcusdt.MINUTE_1",'
        '"data":[{"open":"1"}]}',
        '{"event":"payload","channel":"orders","type":"trade-event","msg":{}}',
        '{"event":"payload","channel":"fill","msg":{"data":{"orderFillTransaction":1}}}',
        '{"event":"ping","time":[1]}',
    ],
)
def test_malformed_frames_raise_decode_error(frame: str | bytes) -> None:
    """Bad JSON, non-objects and known pushes with missing or mistyped fields."""
    with pytest.raises(DecodeError):
        V2Codec().decode(frame, NOW)


def test_unknown_payload_channel_is_reported() -> None:
    """A payload on an unknown channel is an UnknownPush, not an error."""
    result = V2Codec().decode(
        '{"event":"payload","channel":"funding.x","data":[]}', NOW
    )
    assert isinstance(result, UnknownPush) and result.type == "funding"


GOLDEN = golden("v2")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def mutated_golden(draw: st.DrawFn) -> Any:
    """A golden V2 frame with a few keys replaced or removed at some depth."""
    frame = copy.deepcopy(draw(st.sampled_from(GOLDEN)))
    for _ in range(draw(st.integers(0, 3))):
        target = frame
        while isinstance(target, dict | list) and target and draw(st.booleans()):
            keys = list(target) if isinstance(target, dict) else range(len(target))
            key = draw(st.sampled_from(list(keys)))
            child = target[key]
            if not isinstance(child, dict | list):
                break
            target = child
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target)))
            if draw(st.booleans()):
                del target[key]
            else:
                target[key] = draw(json_values)
    return frame


@settings(max_examples=400, deadline=None)
@given(st.lists(mutated_golden() | json_values, min_size=1, max_size=4))
def test_fuzz_only_decode_error_escapes(frames: list[Any]) -> None:
    """Near-valid and arbitrary V2 frames decode or raise DecodeError."""
    codec = V2Codec(number_type=Decimal)
    for frame in frames:
        with contextlib.suppress(DecodeError):
            codec.decode(orjson.dumps(frame), NOW)
