"""Tickers only conflating streams listen to: checked on arrival, built when read."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events.errors import DecodeError
from weex_events.events import StreamMessage
from weex_events.protocol import DeferredMessage
from weex_events.protocol.v3 import V3Codec

from .golden import NOW, load

GOLDEN = orjson.loads(load("contract-v3-public-ticker.json"))
EVENT = "ticker:" + GOLDEN["s"].upper()


def deferring(*events: str) -> V3Codec:
    codec = V3Codec()
    codec.deferred = frozenset(events)
    return codec


def both(frame: dict[str, Any]) -> tuple[StreamMessage, DeferredMessage, V3Codec]:
    """The message an eager codec makes, and what a deferring one hands out."""
    eager = V3Codec().decode(orjson.dumps(frame), NOW)
    codec = deferring("ticker:" + frame["s"].upper())
    deferred = codec.decode(orjson.dumps(frame), NOW)
    assert isinstance(eager, list) and isinstance(deferred, list)
    assert len(eager) == len(deferred) == 1
    assert isinstance(eager[0], StreamMessage)
    assert isinstance(deferred[0], DeferredMessage)
    return eager[0], deferred[0], codec


def test_golden_ticker_deferred_builds_the_same_message() -> None:
    """The built message equals the eager one, field for field, raw included."""
    eager, deferred, _ = both(GOLDEN)
    assert (deferred.event, deferred.kind, deferred.symbol) == (
        eager.event,
        eager.kind,
        eager.symbol,
    )
    assert (deferred.timestamp, deferred.received_at) == (
        eager.timestamp,
        eager.received_at,
    )
    built = deferred.message()
    assert built == eager
    assert built.data == eager.data
    assert built.raw == eager.raw
    assert deferred.message() is built  # built once


def test_mark_is_kept_on_arrival_not_when_read() -> None:
    """Private state reads the mark price: it is kept even if no one reads."""
    _, deferred, codec = both(GOLDEN)
    assert codec.marks[deferred.symbol] == GOLDEN["d"][0]["m"]


def test_other_events_and_the_slow_path_are_not_deferred() -> None:
    """Only the listed events, and only the complete contract ticker."""
    codec = deferring("ticker:NOTTHIS")
    (msg,) = codec.decode(load("contract-v3-public-ticker.json"), NOW)  # type: ignore[misc]
    assert isinstance(msg, StreamMessage)
    partial = copy.deepcopy(GOLDEN)
    del partial["d"][0]["i"]  # no index price: the field-by-field path
    (msg,) = deferring(EVENT).decode(orjson.dumps(partial), NOW)  # type: ignore[misc]
    assert isinstance(msg, StreamMessage)
    assert "index" not in msg.data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("c", "1E+99999"),
        ("v", "1" * 65),
        ("P", "abc"),
        ("m", 5),
        ("n", "many"),
    ],
)
def test_deferred_tickers_are_still_checked_on_arrival(field: str, value: Any) -> None:
    """A bad ticker is a DecodeError when it arrives, deferred or not."""
    frame = copy.deepcopy(GOLDEN)
    frame["d"][0][field] = value
    with pytest.raises(DecodeError):
        deferring(EVENT).decode(orjson.dumps(frame), NOW)


digits = st.text(alphabet="0123456789", min_size=1, max_size=9)
plain = st.builds(
    lambda a, b: f"{a}.{b}" if b else a, digits, st.text("0123456789", max_size=6)
)
fraction = st.one_of(
    st.builds(lambda sign, tail: f"{sign}0.{tail}", st.sampled_from(["", "-"]), digits),
    st.sampled_from(["0", "-0", "1", "-1.5", "12.25", "0.1E+2"]),
)


@given(
    st.fixed_dictionaries(
        {k: plain for k in ("c", "m", "i", "o", "h", "l", "v", "q", "p")}
    ),
    fraction,
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=2**42),
)
def test_any_ticker_deferred_builds_what_the_codec_would(
    fields: dict[str, str], change: str, trades: int, stamp: int
) -> None:
    """Whatever a complete ticker holds, deferring it changes nothing a reader
    sees: the same message, or the same DecodeError when it arrives."""
    frame = copy.deepcopy(GOLDEN)
    frame["E"] = stamp
    frame["d"][0].update(fields, P=change, n=trades)
    try:
        eager = V3Codec().decode(orjson.dumps(frame), NOW)
    except DecodeError:
        with pytest.raises(DecodeError):
            deferring(EVENT).decode(orjson.dumps(frame), NOW)
        return
    deferred = deferring(EVENT).decode(orjson.dumps(frame), NOW)
    assert isinstance(eager, list) and isinstance(deferred, list)
    item = deferred[0]
    # Text with an exponent takes the field-by-field path, never deferred.
    assert isinstance(item, DeferredMessage) or "E" in change
    built = item.message() if isinstance(item, DeferredMessage) else item
    assert built == eager[0]
    assert built.data == eager[0].data
