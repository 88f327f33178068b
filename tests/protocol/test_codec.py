"""What the V3 and V2 codecs share: channel names and construction."""

from __future__ import annotations

import pytest

from weex_events.errors import ConfigError
from weex_events.events import Channel
from weex_events.protocol.codec import BaseCodec
from weex_events.protocol.v2 import V2Codec
from weex_events.protocol.v3 import V3Codec

CODECS = [V3Codec, V2Codec]

V3_CHANNELS = [
    (Channel("ticker", "BTCUSDT"), "BTCUSDT@ticker"),
    (Channel("trade", "BTCUSDT"), "BTCUSDT@trade"),
    (Channel("book", "BTCUSDT", "15"), "BTCUSDT@depth15"),
    (Channel("book", "BTCUSDT", "200"), "BTCUSDT@depth200"),
    (Channel("kline", "BTCUSDT", "1m"), "BTCUSDT@kline_1m"),
    (Channel("kline", "BTCUSDT", "1M"), "BTCUSDT@kline_1M"),
    (Channel("kline", "BTCUSDT", "1m_MARK_PRICE"), "BTCUSDT@kline_1m_MARK_PRICE"),
]
V2_CHANNELS = [
    (Channel("ticker", "BTCUSDT"), "ticker.cmt_btcusdt"),
    (Channel("trade", "BTCUSDT"), "trades.cmt_btcusdt"),
    (Channel("book", "BTCUSDT", "15"), "depth.cmt_btcusdt.15"),
    (Channel("book", "BTCUSDT", "200"), "depth.cmt_btcusdt.200"),
    (Channel("kline", "BTCUSDT", "1m"), "kline.LAST_PRICE.cmt_btcusdt.MINUTE_1"),
    (Channel("kline", "BTCUSDT", "1M"), "kline.LAST_PRICE.cmt_btcusdt.MONTH_1"),
    (Channel("kline", "BTCUSDT", "12h"), "kline.LAST_PRICE.cmt_btcusdt.HOUR_12"),
    (
        Channel("kline", "BTCUSDT", "1w_MARK_PRICE"),
        "kline.MARK_PRICE.cmt_btcusdt.WEEK_1",
    ),
]
# WEEX-WS.md §1.6 and §2: private channels are bare names in both generations.
PRIVATE_CHANNELS = [
    (Channel("order"), "orders"),
    (Channel("position"), "positions"),
    (Channel("fill"), "fill"),
    (Channel("account"), "account"),
]


@pytest.mark.parametrize(
    ("codec", "channel", "param"),
    [(V3Codec, *pair) for pair in V3_CHANNELS + PRIVATE_CHANNELS]
    + [(V2Codec, *pair) for pair in V2_CHANNELS + PRIVATE_CHANNELS],
)
def test_channel_wire_names(
    codec: type[BaseCodec], channel: Channel, param: str
) -> None:
    """channel_param spells each channel as the generation's wire name."""
    assert codec().channel_param(channel) == param


def test_v3_channel_names_are_lenient_on_symbol_case() -> None:
    """Lower-case symbols are spelled upper-case on the wire."""
    codec = V3Codec()
    assert codec.channel_param(Channel("ticker", "btcusdt")) == "BTCUSDT@ticker"


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize(
    "channel",
    [
        Channel("ticker"),
        Channel("book", "BTCUSDT", "5"),
        Channel("kline", "BTCUSDT", "7m"),
        Channel("kline", "X", "7m"),
        Channel("bogus", "BTCUSDT"),
        Channel("ticker", "BTC/USDT"),
    ],
)
def test_channel_param_rejects_bad_channels(
    codec: type[BaseCodec], channel: Channel
) -> None:
    """A channel with no wire form raises ConfigError."""
    with pytest.raises(ConfigError):
        codec().channel_param(channel)


@pytest.mark.parametrize("codec", CODECS)
def test_unknown_kind_error_names_the_generation(codec: type[BaseCodec]) -> None:
    """The error for an unknown kind says which generation has no such channel."""
    with pytest.raises(ConfigError) as info:
        codec().channel_param(Channel("bogus", "BTCUSDT"))
    assert codec.generation in str(info.value)


@pytest.mark.parametrize("codec", CODECS)
def test_unknown_number_type_is_a_config_error(codec: type[BaseCodec]) -> None:
    """Only str, Decimal and float are number types."""
    with pytest.raises(ConfigError):
        codec(number_type=int)


@pytest.mark.parametrize("codec", CODECS)
def test_marks_dict_is_shared(codec: type[BaseCodec]) -> None:
    """A codec given a marks dict keeps that very dict; without one, its own."""
    marks: dict[str, str] = {}
    assert codec(marks=marks).marks is marks
    assert codec().marks == {} and codec().marks is not codec().marks
