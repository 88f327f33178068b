"""The hot-path StreamMessage builder and the V3 ticker fast path."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import orjson
import pytest

from weex_events.errors import DecodeError
from weex_events.events import StreamMessage
from weex_events.protocol import new_message
from weex_events.protocol.v3 import V3Codec

from .golden import NOW, load, one

TICKER: dict[str, Any] = orjson.loads(load("contract-v3-public-ticker.json"))
ITEM: dict[str, Any] = TICKER["d"][0]


def ticker(**item: Any) -> bytes:
    """The golden contract ticker with some item fields replaced (None: removed)."""
    changed = {k: v for k, v in {**ITEM, **item}.items() if v is not None}
    return orjson.dumps({**TICKER, "d": [changed]})


def test_new_message_is_a_plain_stream_message() -> None:
    """new_message gives a StreamMessage equal to the constructor's, still frozen."""
    data = {"symbol": "BTCUSDT"}
    args = ("ticker:BTCUSDT", "ticker", "BTCUSDT", data, 1.5, 2.5, {"c": "1"})
    built = new_message(*args)
    assert type(built) is StreamMessage
    assert built == StreamMessage(*args)
    assert repr(built) == repr(StreamMessage(*args))
    assert built.data is data and built.raw == {"c": "1"}
    assert not hasattr(built, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.kind = "trade"  # type: ignore[misc]


def test_fast_and_field_by_field_tickers_agree() -> None:
    """A complete ticker and one forced field by field normalize identically."""
    fast = one(V3Codec(), ticker())
    # A trade count sent as text is legal and takes the field-by-field path.
    slow = one(V3Codec(), ticker(n=str(ITEM["n"])))
    assert fast.data == slow.data
    assert list(fast.data) == list(slow.data)
    assert (fast.event, fast.timestamp, fast.received_at) == (
        slow.event,
        slow.timestamp,
        slow.received_at,
    )


@pytest.mark.parametrize("key", ["c", "m", "i", "o", "h", "l", "v", "q", "p", "P"])
@pytest.mark.parametrize("value", [1.5, 7, True, ["1"], {"x": "1"}])
def test_wrongly_typed_ticker_field_is_a_decode_error(key: str, value: Any) -> None:
    """Any price field of a complete ticker that is not text is refused."""
    with pytest.raises(DecodeError) as info:
        V3Codec().decode(ticker(**{key: value}), NOW)
    assert "ticker" in info.value.reason


@pytest.mark.parametrize("value", [1.5, True, [1], "many"])
def test_wrongly_typed_trade_count_is_a_decode_error(value: Any) -> None:
    """A trade count that is neither an integer nor integer text is refused."""
    with pytest.raises(DecodeError):
        V3Codec().decode(ticker(n=value), NOW)


def test_null_ticker_fields_are_omitted() -> None:
    """A field sent as JSON null is left out, as if WEEX had not sent it."""
    item = {**ITEM, "m": None, "P": None}
    frame = orjson.dumps({**TICKER, "d": [item]})
    data = one(V3Codec(), frame).data
    assert "mark" not in data and "change" not in data
    assert data["last"] == ITEM["c"]


def test_symbol_cache_follows_the_wire_spelling() -> None:
    """Lower-case and V2-style wire symbols map to the user form every time."""
    codec = V3Codec()
    for wire in ("ethusdt", "ETHUSDT", "cmt_ethusdt", "ethusdt"):
        msg = one(codec, orjson.dumps({**TICKER, "s": wire}))
        assert (msg.symbol, msg.event) == ("ETHUSDT", "ticker:ETHUSDT")


def test_bad_symbol_is_never_cached() -> None:
    """A bad symbol is refused every time it arrives, not only the first."""
    codec = V3Codec()
    for _ in range(2):
        with pytest.raises(DecodeError):
            codec.decode(orjson.dumps({**TICKER, "s": "a/b"}), NOW)


def test_decimal_ticker_keeps_the_field_by_field_rules() -> None:
    """number_type=Decimal still converts every price field of a full ticker."""
    data = one(V3Codec(number_type=Decimal), ticker()).data
    assert data["mark"] == Decimal(ITEM["m"])
    assert data["change"] == Decimal("-4.3605")
