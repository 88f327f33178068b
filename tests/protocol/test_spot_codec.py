"""The client's spot codec: every spot push through it, field by field, and
spot's wire names from the kinds registry."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weex_events.errors import ConfigError, DecodeError
from weex_events.events import Channel, StreamMessage
from weex_events.protocol import DepthUpdate, Reply, UnknownPush, spot
from weex_events.protocol.normalize import Normalizer
from weex_events.protocol.spot_codec import SpotCodec
from weex_events.protocol.v3 import V3Codec

from .golden import FRAMES, NOW, load
from .test_spot_fuzz import mutated

PUSHES = sorted(p.name for p in FRAMES.glob("spot-v3-*.json") if "-rest-" not in p.name)


def decoded(codec: SpotCodec, name: str) -> list[StreamMessage] | DepthUpdate:
    """What ``codec`` makes of the spot frame ``name``."""
    result = codec.decode(load(name), NOW)
    assert isinstance(result, list | DepthUpdate), result
    return result


def test_every_spot_push_is_covered() -> None:
    """Each published spot push frame is decoded below (none is left out)."""
    assert PUSHES == [
        "spot-v3-private-account.json",
        "spot-v3-private-fill.json",
        "spot-v3-private-orders.json",
        "spot-v3-public-bookticker.json",
        "spot-v3-public-depth15-changed.json",
        "spot-v3-public-ticker.json",
        "spot-v3-public-trade.json",
    ]


@pytest.mark.parametrize("number_type", [str, Decimal, float])
@pytest.mark.parametrize("name", PUSHES)
def test_codec_decodes_like_the_spot_decoders(name: str, number_type: type) -> None:
    """Every spot push gives, field by field, what the pure spot decoders give."""
    expected = spot.decode(Normalizer(number_type, None), load(name), NOW)
    got = decoded(SpotCodec(number_type=number_type), name)
    if isinstance(expected, DepthUpdate):
        assert isinstance(got, DepthUpdate)
        for field in ("symbol", "level", "snapshot", "first", "last"):
            assert getattr(got, field) == getattr(expected, field), field
        # The codec hands the frame's rows over as lists (the book checks them).
        for side in ("bids", "asks"):
            got_rows = [tuple(row) for row in getattr(got, side)]
            assert got_rows == getattr(expected, side), side
        assert (got.timestamp, got.received_at) == (expected.timestamp, NOW)
        return
    assert isinstance(expected, list) and isinstance(got, list)
    assert len(got) == len(expected) >= 1
    for mine, theirs in zip(got, expected, strict=True):
        assert (mine.event, mine.kind, mine.symbol) == (
            theirs.event,
            theirs.kind,
            theirs.symbol,
        )
        assert mine.data == theirs.data
        assert (mine.timestamp, mine.received_at) == (theirs.timestamp, NOW)


def test_spot_ticker_fields_through_the_codec() -> None:
    """A spot ticker decodes without mark or index, and stores no mark price."""
    codec = SpotCodec()
    [msg] = decoded(codec, "spot-v3-public-ticker.json")  # type: ignore[misc]
    assert msg.data["last"] == "2050.15" and msg.data["change"] == "-3.5895"
    assert "mark" not in msg.data and "index" not in msg.data
    assert codec.marks == {}


def test_book_ticker_fields_through_the_codec() -> None:
    """bookTicker becomes a book_ticker message with the ms update_id."""
    [msg] = decoded(SpotCodec(), "spot-v3-public-bookticker.json")  # type: ignore[misc]
    assert (msg.event, msg.kind) == ("book_ticker:ETHUSDT", "book_ticker")
    assert msg.data == {
        "symbol": "ETHUSDT",
        "bid": "2050.67",
        "bid_size": "0.89116",
        "ask": "2050.70",
        "ask_size": "2.26200",
        "update_id": 1775117847996,
    }


def test_spot_order_status_through_the_codec() -> None:
    """The codec applies spot's status rules: EXPIRED reads canceled."""
    frame = orjson.loads(load("spot-v3-private-orders.json"))
    frame["d"][0]["status"] = "EXPIRED"
    [msg] = SpotCodec().decode(orjson.dumps(frame), NOW)  # type: ignore[misc]
    assert msg.data["status"] == "canceled"
    assert "position_side" not in msg.data


def test_contract_codec_reports_book_ticker_as_unknown() -> None:
    """bookTicker is spot's: the contract codec has no decoder for it."""
    result = V3Codec().decode(load("spot-v3-public-bookticker.json"), NOW)
    assert isinstance(result, UnknownPush) and result.type == "bookTicker"


def test_spot_codec_reports_positions_as_unknown() -> None:
    """A positions push on spot (which has none) is unknown, never decoded."""
    result = SpotCodec().decode(load("contract-v3-private-positions.json"), NOW)
    assert isinstance(result, UnknownPush)


def test_control_frames_are_shared_with_contract() -> None:
    """Acks decode on spot exactly as on contract (same envelope, §1.7)."""
    result = SpotCodec().decode(load("contract-v3-ack-subscribe.json"), NOW)
    assert isinstance(result, Reply) and result.id == 2 and result.ok


@pytest.mark.parametrize(
    ("channel", "wire"),
    [
        (Channel("ticker", "ETHUSDT"), "ETHUSDT@ticker"),
        (Channel("trade", "ETHUSDT"), "ETHUSDT@trade"),
        (Channel("book", "ETHUSDT", "200"), "ETHUSDT@depth200"),
        (Channel("kline", "ETHUSDT", "1h"), "ETHUSDT@kline_1h_LAST_PRICE"),
        (Channel("book_ticker", "ETHUSDT"), "ETHUSDT@bookTicker"),
        (Channel("account"), "account"),
        (Channel("order"), "orders"),
        (Channel("fill"), "fill"),
    ],
)
def test_spot_wire_names(channel: Channel, wire: str) -> None:
    """Spot channel names come from the registry, klines with their basis."""
    assert SpotCodec().channel_param(channel) == wire


@pytest.mark.parametrize(
    "channel",
    [Channel("position"), Channel("kline", "ETHUSDT", "1m_MARK_PRICE")],
)
def test_spot_refuses_what_it_does_not_serve(channel: Channel) -> None:
    """Positions and mark-price klines have no spot channel: ConfigError."""
    with pytest.raises(ConfigError):
        SpotCodec().channel_param(channel)


def test_contract_refuses_book_ticker() -> None:
    """The contract codec has no wire name for book_ticker."""
    with pytest.raises(ConfigError, match="spot"):
        V3Codec().channel_param(Channel("book_ticker", "BTCUSDT"))


def test_malformed_spot_push_is_a_decode_error() -> None:
    """A bookTicker without its ask size raises DecodeError, nothing else."""
    with pytest.raises(DecodeError):
        SpotCodec().decode(b'{"e":"bookTicker","s":"X","u":1,"b":"1","B":"1"}', NOW)


@settings(max_examples=300, deadline=None)
@given(mutated(), st.sampled_from([str, Decimal, float]))
def test_mutated_spot_frames_only_raise_decode_error(
    frame: object, number_type: type
) -> None:
    """Golden spot frames with keys removed or replaced decode or raise
    DecodeError through the client's codec, nothing else."""
    codec = SpotCodec(number_type=number_type)
    with contextlib.suppress(DecodeError):
        codec.decode(orjson.dumps(frame), NOW)
