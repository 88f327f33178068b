"""Numeric text has a size limit, and reply ids match by value (issue 11)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events.errors import DecodeError
from weex_events.protocol import Reply
from weex_events.protocol.control import reply_id
from weex_events.protocol.numbers import (
    MAX_EXPONENT,
    MAX_NUMBER_TEXT,
    number_text,
    percent_text,
)
from weex_events.protocol.v3 import V3Codec

from .golden import NOW, load

NUMBER_TYPES = [str, Decimal, float]


def _ticker_with(**fields: Any) -> bytes:
    frame = orjson.loads(load("contract-v3-public-ticker.json"))
    frame["d"][0].update(fields)
    return orjson.dumps(frame)


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
def test_huge_exponent_in_change_is_a_decode_error(number_type: type) -> None:
    """A 190-byte ticker with "P":"1E+999990" is refused, not a million digits."""
    with pytest.raises(DecodeError):
        V3Codec(number_type=number_type).decode(_ticker_with(P="1E+999990"), NOW)


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
@pytest.mark.parametrize("field", ["c", "m", "p", "v"])
def test_long_or_exponent_price_is_a_decode_error(
    number_type: type, field: str
) -> None:
    """Numeric text over 64 characters or with an exponent past ±40 is refused."""
    codec = V3Codec(number_type=number_type)
    for bad in ("1" * (MAX_NUMBER_TEXT + 1), "1E+41", "1e-41", "2.5E999999"):
        with pytest.raises(DecodeError):
            codec.decode(_ticker_with(**{field: bad}), NOW)


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
def test_sane_exponent_is_accepted(number_type: type) -> None:
    """Exponents within ±40 and 64-character text still decode."""
    codec = V3Codec(number_type=number_type)
    data = codec.decode(_ticker_with(c="1.5E+3", P="2E-3"), NOW)[0].data  # type: ignore[index]
    assert Decimal(str(data["last"])) == Decimal("1500")
    assert Decimal(str(data["change"])) == Decimal("0.2")
    codec.decode(_ticker_with(c="1." + "0" * (MAX_NUMBER_TEXT - 2)), NOW)


@given(st.text(max_size=200))
def test_number_text_bounds_what_it_accepts(text: str) -> None:
    """Whatever number_text accepts is short, and its exponent is within ±40."""
    try:
        accepted = number_text(text)
    except (TypeError, ValueError):
        return
    assert len(accepted) <= MAX_NUMBER_TEXT
    if "e" in accepted.lower():
        assert abs(int(accepted.lower().rpartition("e")[2])) <= MAX_EXPONENT


@given(st.from_regex(r"-?[0-9]{1,5}(\.[0-9]{1,8})?[eE][+-]?[0-9]{1,7}", fullmatch=True))
def test_percent_text_never_explodes(text: str) -> None:
    """percent_text gives a short result or refuses: never a huge number."""
    try:
        out = percent_text(text)
    except (ValueError, ArithmeticError):
        return
    assert len(out) <= MAX_NUMBER_TEXT + MAX_EXPONENT + 4


@pytest.mark.parametrize(
    ("wire", "expected"), [(1, 1), ("1", 1), ("42", 42), ("|1|", "|1|"), (None, None)]
)
def test_reply_ids_match_by_value(wire: Any, expected: Any) -> None:
    """WEEX-WS.md §1.4: ``1`` and ``"1"`` are the same reply id."""
    assert reply_id(wire) == expected


def test_reply_with_string_id_decodes_to_the_integer_id() -> None:
    """{"result":true,"id":"1"} is the reply to the command with id 1."""
    decoded = V3Codec().decode(b'{"result":true,"id":"1"}', NOW)
    assert decoded == Reply(1, True)
