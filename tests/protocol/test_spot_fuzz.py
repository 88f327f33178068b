"""Fuzzing the spot decoders: whatever arrives, only DecodeError may escape."""

from __future__ import annotations

import contextlib
import copy
from decimal import Decimal
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from weex_events.errors import DecodeError
from weex_events.protocol import spot
from weex_events.protocol.normalize import Normalizer

from .golden import FRAMES
from .test_v3_fuzz import json_values

NORMALIZERS = st.sampled_from([str, Decimal, float]).map(lambda t: Normalizer(t, None))
GOLDEN = [orjson.loads(p.read_bytes()) for p in sorted(FRAMES.glob("spot-v3-*.json"))]
KEYS = [
    *"eEsdUulbaBApPwcohlvqOCnTtmV", "id", "symbol", "coin", "equity", "available",
    "frozen", "orderSide", "type", "price", "size", "value", "status",
    "timeInForce", "reduceOnly", "cumFillSize", "cumFillValue", "fillSize",
    "fillValue", "fillFee", "direction", "clientOrderId", "orderId", "msgEvent",
    "balances", "free", "locked", "asset", "bids", "asks", "lastUpdateId",
]  # fmt: skip
KINDS = st.sampled_from(sorted(spot.DECODERS))


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A golden spot frame with keys replaced or removed, top level or in items."""
    frame = copy.deepcopy(draw(st.sampled_from(GOLDEN)))
    for _ in range(draw(st.integers(0, 4))):
        target = frame
        for inner_key in ("d", "balances"):
            inner = frame.get(inner_key)
            if isinstance(inner, list) and inner and draw(st.booleans()):
                target = draw(st.sampled_from(inner))
        if not isinstance(target, dict):
            continue
        key = draw(st.sampled_from([*sorted(target), *KEYS]))
        if draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = draw(json_values | KINDS)
    return frame


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200), NORMALIZERS)
def test_arbitrary_input(frame: bytes | str, norm: Normalizer) -> None:
    """Arbitrary bytes or text decode or raise DecodeError."""
    with contextlib.suppress(DecodeError):
        spot.decode(norm, frame, 1.0)


@settings(max_examples=500, deadline=None)
@given(mutated() | json_values, NORMALIZERS)
def test_mutated_golden_frames(frame: Any, norm: Normalizer) -> None:
    """Golden spot frames with random values decode or raise DecodeError."""
    with contextlib.suppress(DecodeError):
        spot.decode(norm, orjson.dumps(frame), 1.0)


@settings(max_examples=300, deadline=None)
@given(KINDS, st.dictionaries(st.sampled_from(KEYS), json_values), NORMALIZERS)
def test_each_decoder_alone(kind: str, msg: dict[str, Any], norm: Normalizer) -> None:
    """Each decoder called directly raises only DecodeError on any object."""
    with contextlib.suppress(DecodeError):
        spot.DECODERS[kind](norm, {**msg, "e": kind}, 1.0)


@settings(max_examples=300, deadline=None)
@given(mutated() | json_values, NORMALIZERS)
def test_rest_decoders(body: Any, norm: Normalizer) -> None:
    """The REST body decoders raise only DecodeError on any JSON value."""
    with contextlib.suppress(DecodeError):
        spot.rest_balances(norm, body)
    with contextlib.suppress(DecodeError):
        spot.rest_depth(body)
