"""Key names, entry fields and entry ids (pure: no event loop, no server)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events import StreamMessage
from weex_events.errors import ConfigError
from weex_events.events import Channel
from weex_events.fanout.entries import (
    MAX_SEQ,
    account_id,
    channel_key,
    decode,
    encode,
    entry_id,
    format_id,
    id_before,
    parse_id,
    start_id,
)

ids = st.tuples(st.integers(0, 2**48), st.integers(0, MAX_SEQ))
texts = st.text(min_size=1, max_size=12)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | texts,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4)
    ),
    max_leaves=12,
)


def test_keys_follow_design_section_7() -> None:
    """Market, private and book keys have the documented layout."""
    assert channel_key(Channel("ticker", "BTCUSDT"), "weex", "contract", None) == (
        "weex:contract:ticker:BTCUSDT"
    )
    assert channel_key(Channel("book", "ETHUSDT", "15"), "w", "spot", None) == (
        "w:spot:book:ETHUSDT"
    )
    assert channel_key(Channel("fill"), "weex", "contract", "ab12") == (
        "weex:contract:private:ab12"
    )


def test_private_key_needs_an_account() -> None:
    """A private channel without an account is a configuration error naming it."""
    with pytest.raises(ConfigError, match="account"):
        channel_key(Channel("order"), "weex", "contract", None)


def test_account_id_is_short_stable_and_hides_the_key() -> None:
    """The account name is 12 hex digits, the same for the same key, not the key."""
    key = "bg_0123456789abcdef"
    assert account_id(key) == account_id(key)
    assert len(account_id(key)) == 12 and key not in account_id(key)
    assert account_id(key) != account_id(key + "x")


@given(
    event=st.sampled_from(
        ["ticker:BTCUSDT", "trade:ETHUSDT", "order:BTCUSDT", "account"]
    ),
    data=st.dictionaries(texts, values, max_size=6),
    ts=st.floats(0, 4e9),
    recv=st.floats(0, 4e9),
)
def test_entry_fields_round_trip(
    event: str, data: dict[str, object], ts: float, recv: float
) -> None:
    """Decoding the fields of an encoded message gives the message back."""
    kind, _, symbol = event.partition(":")
    msg = StreamMessage(event, kind, symbol or None, data, ts, recv, None)
    back = decode(encode(msg, private=kind in ("order", "account")))
    assert (back.event, back.kind, back.symbol, back.data) == (
        msg.event,
        msg.kind,
        msg.symbol,
        msg.data,
    )
    assert (back.timestamp, back.received_at) == (ts, recv)


def test_book_levels_come_back_as_tuples_and_decimals_as_text() -> None:
    """Book levels decode as (price, size) tuples; Decimal numbers keep their text."""
    data = {"symbol": "BTCUSDT", "bids": [(Decimal("1.50"), Decimal("2"))], "asks": []}
    msg = StreamMessage("book:BTCUSDT", "book", "BTCUSDT", data, 1.0, 2.0, None)
    assert decode(encode(msg)).data["bids"] == [("1.50", "2")]


def test_private_entries_say_whether_they_were_recovered() -> None:
    """Private entries carry recovered=0/1; market entries do not carry it."""
    msg = StreamMessage("order", "order", None, {}, 1.0, 1.0, None)
    assert encode(msg, private=True)["recovered"] == b"0"
    assert "recovered" not in encode(msg)


@given(st.dictionaries(st.binary(max_size=8), st.binary(max_size=40), max_size=6))
def test_decoding_junk_raises_value_error_only(fields: dict[bytes, bytes]) -> None:
    """Whatever an entry holds, decoding returns a message or raises ValueError."""
    with contextlib.suppress(ValueError):
        decode(fields)


@pytest.mark.parametrize("levels", [b"[1]", b'["1.5"]', b"[null]", b"[{}]"])
def test_a_book_entry_with_levels_that_are_not_lists_is_a_value_error(
    levels: bytes,
) -> None:
    """A book entry whose levels are not [price, size] lists is refused with
    ValueError (the subscriber counts it as a bad entry and reads on)."""
    fields = {
        b"event": b"book:BTCUSDT",
        b"data": b'{"bids":' + levels + b',"asks":[]}',
        b"ts": b"1",
        b"recv": b"1",
    }
    with pytest.raises(ValueError, match="bids"):
        decode(fields)


@given(ids)
def test_id_before_is_the_largest_smaller_id(entry: tuple[int, int]) -> None:
    """Reading after id_before(x) starts at x: nothing fits between them."""
    before = parse_id(id_before(entry))
    if entry == (0, 0):
        assert before == (0, 0)
        return
    assert before < entry
    ms, seq = before
    following = (ms, seq + 1) if seq < MAX_SEQ else (ms + 1, 0)
    assert following == entry


def test_start_positions() -> None:
    """$ is the live end (books: the last entry too), 0 the beginning, an id
    itself, a time the ids from that millisecond on."""
    assert start_id("$", "17-3", include_last=False) == "17-3"
    assert start_id("$", "17-3", include_last=True) == "17-2"
    assert start_id("$", None, include_last=True) == "0-0"
    assert start_id("0", "17-3", include_last=False) == "0-0"
    assert start_id("12-5", None, include_last=False) == "12-5"
    assert start_id(1.5, None, include_last=False) == f"1499-{MAX_SEQ}"
    with pytest.raises(ValueError):
        start_id("yesterday", None, include_last=False)


@given(st.lists(st.integers(0, 10**13), min_size=1, max_size=50))
def test_publisher_ids_strictly_increase_even_when_the_clock_steps_back(
    clock: list[int],
) -> None:
    """Entry ids follow the clock and never repeat or go backwards."""
    previous = None
    seen = []
    for now in clock:
        previous = entry_id(now, previous)
        seen.append(previous)
    assert seen == sorted(set(seen))
    assert all(parse_id(format_id(x)) == x for x in seen)
