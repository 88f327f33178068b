"""Fuzzing the V3 decoder: whatever arrives, only DecodeError may escape."""

from __future__ import annotations

import contextlib
import copy
import decimal
from decimal import Decimal
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from weex_events.errors import DecodeError
from weex_events.protocol.numbers import percent_text
from weex_events.protocol.v3 import V3Codec

from .golden import golden

NUMBER_TYPES = st.sampled_from([str, Decimal, float])

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    # Numeric text reaches deeper into the normalizers than arbitrary text.
    | st.from_regex(r"\A-?[0-9]{1,6}(\.[0-9]{0,8})?\Z")
    | st.sampled_from(["0", "LONG", "SHORT", "CROSSED", "BUY", "SNAPSHOT", "NaN"])
)
json_values = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=16,
)

ITEM_KEYS = [
    *"pPwcohlvqmiOCnTtsVQ", "id", "symbol", "side", "size", "openValue",
    "orderSide", "positionSide",
    "type", "price", "status", "timeInForce", "reduceOnly", "cumFillSize",
    "cumFillValue", "fillSize", "fillValue", "fillFee", "realizePnl", "direction",
    "coin", "amount", "equity", "available", "frozen", "marginMode", "leverage",
    "fundingFee", "clientOrderId", "orderId",
]  # fmt: skip
items = st.dictionaries(st.sampled_from(ITEM_KEYS), json_values, max_size=10)
KINDS = [
    "ticker", "trade", "tradeSnapshot", "kline", "klineSnapshot", "depth",
    "depthSnapshot", "account", "positions", "orders", "fill", "bookTicker",
]  # fmt: skip
TOP_KEYS = ["E", "s", "d", "U", "u", "l", "b", "a", "p", "v", "msgEvent"]
pushes = st.builds(
    lambda e, top, d: {"e": e, **top, **({} if d is None else {"d": d})},
    st.sampled_from(KINDS) | json_values,
    st.dictionaries(st.sampled_from(TOP_KEYS), json_values, max_size=8),
    st.none() | st.lists(items | json_values, max_size=4) | json_values,
)
controls = st.dictionaries(
    st.sampled_from(["result", "id", "msg", "event", "type", "time", "cid"]),
    json_values | st.sampled_from(["ping", "connected"]),
    max_size=4,
)

GOLDEN = golden("v3")


@st.composite
def mutated_golden(draw: st.DrawFn) -> Any:
    """A golden frame with a few keys replaced or removed, top level or in items."""
    frame = copy.deepcopy(draw(st.sampled_from(GOLDEN)))
    for _ in range(draw(st.integers(0, 3))):
        target = frame
        inner = frame.get("d")
        if isinstance(inner, list) and inner and draw(st.booleans()):
            target = draw(st.sampled_from(inner))
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from([*sorted(target), "e", *ITEM_KEYS]))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(json_values | st.sampled_from(KINDS))
    return frame


def check(codec: V3Codec, frame: str | bytes) -> None:
    with contextlib.suppress(DecodeError):
        codec.decode(frame, 1.0)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), NUMBER_TYPES)
def test_arbitrary_bytes(frame: bytes, number_type: type) -> None:
    """Arbitrary bytes decode or raise DecodeError."""
    check(V3Codec(number_type=number_type), frame)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), NUMBER_TYPES)
def test_arbitrary_text(frame: str, number_type: type) -> None:
    """Arbitrary text decodes or raises DecodeError."""
    check(V3Codec(number_type=number_type), frame)


@settings(max_examples=300, deadline=None)
@given(json_values, NUMBER_TYPES)
def test_arbitrary_json(value: Any, number_type: type) -> None:
    """Arbitrary JSON values decode or raise DecodeError."""
    frame = orjson.dumps(value)
    check(V3Codec(number_type=number_type), frame)
    check(V3Codec(number_type=number_type), frame.decode())


@settings(max_examples=400, deadline=None)
@given(
    st.lists(pushes | controls | mutated_golden(), min_size=1, max_size=5),
    NUMBER_TYPES,
)
def test_push_shaped_objects(frames: list[dict[str, Any]], number_type: type) -> None:
    """Objects with real keys and random values, in sequence on shared state."""
    marks: dict[str, str] = {}
    public = V3Codec(number_type=number_type, marks=marks)
    private = V3Codec(number_type=number_type, marks=marks)
    for frame in frames:
        raw = orjson.dumps(frame)
        check(public, raw)
        check(private, raw)


decimal_texts = st.from_regex(r"\A[+-]?[0-9]{0,7}(\.[0-9]{0,9})?\Z").filter(
    lambda t: any(c.isdigit() for c in t)
)


@settings(max_examples=500, deadline=None)
@given(decimal_texts)
def test_percent_text_is_exact(text: str) -> None:
    """The text shift of change equals Decimal(P).scaleb(2), digit for digit."""
    expected = Decimal(text).scaleb(2, decimal.Context(prec=50))
    assert percent_text(text) == format(expected, "f")
