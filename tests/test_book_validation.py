"""The book publishes only finite, non-negative decimal levels (issue 11, item 4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events.book import BookState, OrderBook
from weex_events.protocol import DepthUpdate

BAD = [
    "abc",
    "-5",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "sNaN",
    "",
    "1E+999999",
    "1" * 65,
]
NUMBER_TYPES = [str, Decimal, float]


def update(
    first: int,
    last: int,
    bids: list[tuple[str, str]],
    asks: list[tuple[str, str]],
    *,
    snapshot: bool = False,
) -> DepthUpdate:
    return DepthUpdate(
        symbol="BTCUSDT",
        level=15,
        snapshot=snapshot,
        first=first,
        last=last,
        bids=bids,
        asks=asks,
        timestamp=1.0,
        received_at=1.0,
        raw=None,
    )


def _book(number_type: type) -> OrderBook:
    book = OrderBook("BTCUSDT", 15, number_type)
    gap = book.apply(
        update(1, 10, [("99.5", "1.0")], [("100.5", "2.0")], snapshot=True)
    )
    assert gap is None
    return book


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
@pytest.mark.parametrize("bad", BAD)
def test_bad_size_in_delta_invalidates(number_type: type, bad: str) -> None:
    """A delta with a size that is not a finite non-negative decimal is a gap."""
    book = _book(number_type)
    gap = book.apply(update(10, 11, [("99.0", bad)], []))
    assert gap is not None and gap.reason == "bad_level"
    assert book.state is BookState.INVALID


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
@pytest.mark.parametrize("bad", BAD)
def test_bad_price_in_delta_invalidates(number_type: type, bad: str) -> None:
    """A delta with a price that is not a finite non-negative decimal is a gap."""
    book = _book(number_type)
    gap = book.apply(update(10, 11, [], [(bad, "1")]))
    assert gap is not None and gap.reason == "bad_level"


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
@pytest.mark.parametrize("bad", BAD)
def test_bad_level_in_snapshot_invalidates(number_type: type, bad: str) -> None:
    """A snapshot carrying a bad size or price never becomes a valid book."""
    for bids in ([("99.5", bad)], [(bad, "1")]):
        book = OrderBook("BTCUSDT", 15, number_type)
        gap = book.apply(update(1, 10, bids, [("100.5", "2")], snapshot=True))
        assert gap is not None and gap.reason == "bad_level"
        assert not book.valid


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
def test_zero_sizes_still_delete(number_type: type) -> None:
    """Size "0" (and "0.000") deletes the level."""
    book = _book(number_type)
    assert book.apply(update(10, 11, [("99.5", "0.000")], [("100.5", "0")])) is None
    assert book.valid and len(book) == 0


levels = st.lists(
    st.tuples(st.text(max_size=12), st.text(max_size=12)), min_size=1, max_size=5
)


@given(levels, st.sampled_from(NUMBER_TYPES))
def test_valid_book_holds_only_finite_non_negative_levels(
    pairs: list[tuple[str, str]], number_type: type
) -> None:
    """Whatever text arrives, a valid book holds finite, non-negative levels."""
    book = _book(number_type)
    book.apply(update(10, 11, pairs, []))
    if not book.valid:
        return
    for price, size in book.bids(15) + book.asks(15):
        for value in (Decimal(str(price)), Decimal(str(size))):
            assert value.is_finite() and value >= 0


# Rows as a hostile frame may carry them: the V3 codec passes each side's list
# through unchecked, so the book is where they must be refused.
BAD_ROWS: list[object] = [
    "95",  # a string of two characters unpacks into a price and a size
    "10",  # ... and this one would look like deleting the level "1"
    ["99.0"],
    ["99.0", "1", "x"],
    [99, "1"],
    ["99.0", 1],
    [["99"], "1"],  # an unhashable price
    ["99.0", ["1"]],
    {"99.0": "1"},
    ("99.0",),
    None,
    7,
]


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
@pytest.mark.parametrize("row", BAD_ROWS, ids=repr)
def test_malformed_row_in_delta_invalidates(number_type: type, row: object) -> None:
    """A row that is not a [price, size] pair of text is a bad level, in either
    side of a delta, whatever the rows around it."""
    for bids, asks in (([row], []), ([], [["100.6", "1"], row])):
        book = _book(number_type)
        gap = book.apply(update(10, 11, bids, asks))  # type: ignore[arg-type]
        assert gap is not None and gap.reason == "bad_level", gap
        assert "is not" in gap.detail, gap.detail  # names what is wrong
        assert book.state is BookState.INVALID


@pytest.mark.parametrize("number_type", NUMBER_TYPES)
@pytest.mark.parametrize("row", BAD_ROWS, ids=repr)
def test_malformed_row_in_snapshot_invalidates(number_type: type, row: object) -> None:
    """A snapshot with a malformed row never becomes a valid book."""
    book = OrderBook("BTCUSDT", 15, number_type)
    gap = book.apply(
        update(1, 10, [["99.5", "1"], row], [["100.5", "2"]], snapshot=True)  # type: ignore[list-item]
    )
    assert gap is not None and gap.reason == "bad_level", gap
    assert not book.valid


def test_list_and_tuple_rows_make_the_same_book() -> None:
    """The codec's lists and tuples are the same levels, held as tuples."""
    books = []
    for row in (list, tuple):
        book = OrderBook("BTCUSDT", 15)
        book.apply(
            update(1, 10, [row(("99.5", "1"))], [row(("100.5", "2"))], snapshot=True)
        )
        book.apply(update(10, 11, [row(("99.6", "3")), row(("99.5", "0"))], []))
        books.append((book.bids(15), book.asks(15)))
    assert books[0] == books[1] == ([("99.6", "3")], [("100.5", "2")])
    assert all(level.__class__ is tuple for level in books[0][0] + books[0][1])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=6,
)


@given(st.lists(json_values, max_size=4), st.sampled_from(NUMBER_TYPES))
def test_any_json_rows_leave_a_sound_book(
    rows: list[object], number_type: type
) -> None:
    """Whatever JSON a side carries, applying it either works or is a bad
    level; it never raises, and a valid book holds only numeric text pairs."""
    book = _book(number_type)
    gap = book.apply(update(10, 11, rows, []))  # type: ignore[arg-type]
    assert gap is None or gap.reason in ("bad_level", "crossed")
    if book.valid:
        for price, size in book.bids(15) + book.asks(15):
            for value in (Decimal(str(price)), Decimal(str(size))):
                assert value.is_finite() and value >= 0
