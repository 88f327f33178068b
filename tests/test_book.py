"""Tests for weex_events.book: snapshot + deltas, version chain, gaps, views."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from weex_events.book import BookState, Gap, OrderBook
from weex_events.protocol import DepthUpdate

FRAMES = Path(__file__).parent / "frames"

Pairs = list[tuple[str, str]]


def update(
    first: int,
    last: int,
    bids: Pairs | None = None,
    asks: Pairs | None = None,
    *,
    snapshot: bool = False,
    symbol: str = "BTCUSDT",
    level: int = 15,
) -> DepthUpdate:
    """A DepthUpdate built the way the codecs build one."""
    return DepthUpdate(
        symbol=symbol,
        level=level,
        snapshot=snapshot,
        first=first,
        last=last,
        bids=list(bids or ()),
        asks=list(asks or ()),
        timestamp=1.0,
        received_at=1.0,
        raw=None,
    )


def snap(last: int, bids: Pairs, asks: Pairs, **kw: Any) -> DepthUpdate:
    """A snapshot ending at ``last``."""
    return update(last, last, bids, asks, snapshot=True, **kw)


def load_frame(name: str) -> Any:
    """One golden frame document from tests/frames."""
    return json.loads((FRAMES / name).read_text())


def from_v3(doc: dict[str, Any]) -> DepthUpdate:
    """WEEX-WS.md §1.5: a V3 depth push as a DepthUpdate (stand-in for the codec)."""
    return update(
        doc["U"],
        doc["u"],
        [(p, s) for p, s in doc["b"]],
        [(p, s) for p, s in doc["a"]],
        snapshot=doc["d"] == "SNAPSHOT",
        symbol=doc["s"],
        level=doc["l"],
    )


def from_v2(doc: dict[str, Any]) -> DepthUpdate:
    """WEEX-WS.md §2: a V2 depth item as a DepthUpdate (stand-in for the codec)."""
    item = doc["data"][0]
    return update(
        int(item["startVersion"]),
        int(item["endVersion"]),
        [(lv["price"], lv["size"]) for lv in item["bids"]],
        [(lv["price"], lv["size"]) for lv in item["asks"]],
        snapshot=item["depthType"] == "SNAPSHOT",
        symbol=item["symbol"].removeprefix("cmt_").upper(),
        level=item["level"],
    )


def ready_book(depth: int = 15, **kw: Any) -> OrderBook:
    """A VALID book at version 10: bids 100..98, asks 101..103."""
    book = OrderBook("BTCUSDT", depth, **kw)
    gap = book.apply(
        snap(
            10,
            [("100.0", "1"), ("99.0", "2"), ("98.0", "3")],
            [("101.0", "4"), ("102.0", "5"), ("103.0", "6")],
        )
    )
    assert gap is None
    return book


# --- golden frames -------------------------------------------------------------


def test_v3_depth15_changed_frame_applies_on_matching_snapshot() -> None:
    """The V3 depth15 CHANGED frame updates the top levels of a snapshot at its U."""
    delta = from_v3(load_frame("contract-v3-public-depth15-changed.json"))
    book = OrderBook("ETHUSDT", 15)
    book.apply(
        snap(
            14104794689,
            [("2043.20", "1.000"), ("2043.19", "2.000")],
            [("2043.21", "3.000"), ("2043.22", "4.000")],
            symbol="ETHUSDT",
        )
    )
    assert book.apply(delta) is None
    assert book.valid
    assert book.version == 14104794703
    assert book.bids(15) == [("2043.20", "40.724"), ("2043.19", "2.000")]
    assert book.asks(15) == [("2043.21", "46.901"), ("2043.22", "4.000")]


def test_v3_depth200_changed_frame_moves_level_from_bids_to_asks() -> None:
    """The V3 depth200 frame moves 2227.21 from bids to asks without crossing."""
    delta = from_v3(load_frame("contract-v3-public-depth200-changed.json"))
    book = OrderBook("ETHUSDT", 200)
    book.apply(
        snap(
            14181847790,
            [("2227.21", "5.0"), ("2227.20", "1.0"), ("2227.19", "3.0")],
            [("2227.22", "7.0"), ("2227.26", "2.0"), ("2227.30", "1.0")],
            symbol="ETHUSDT",
            level=200,
        )
    )
    assert book.apply(delta) is None
    assert book.valid
    assert book.version == 14181847802
    assert book.bids(200) == [("2227.20", "46.519"), ("2227.19", "3.0")]
    assert book.asks(200) == [
        ("2227.21", "44.092"),
        ("2227.22", "7.0"),
        ("2227.30", "1.0"),
    ]


def test_v2_depth15_changed_frame_applies_with_numeric_price_matching() -> None:
    """The V2 CHANGED frame chains on startVersion; "103437.0" deletes "103437.00"."""
    delta = from_v2(load_frame("contract-v2-public-depth15-changed.json"))
    ask_prices = [
        "103436.1", "103436.2", "103436.3", "103436.4", "103436.5",
        "103436.6", "103436.7", "103436.8", "103436.9", "103437.00",
        "103437.1", "103437.2", "103437.3", "103437.4", "103437.5",
    ]  # fmt: skip
    bid_prices = [
        "103435.9", "103435.8", "103435.7", "103435.6", "103435.5",
        "103435.4", "103435.3", "103435.2", "103435.1", "103435.0",
        "103434.9", "103434.8", "103434.7", "103434.6", "103434.5",
    ]  # fmt: skip
    book = OrderBook("BTCUSDT", 15)
    book.apply(
        snap(
            3644174246,
            [(p, "1.00000") for p in bid_prices],
            [(p, "2.00000") for p in ask_prices],
        )
    )
    assert book.apply(delta) is None
    assert book.valid
    assert book.version == 3644174270
    assert book.asks(15) == [
        ("103436.1", "0.91500"),
        ("103436.2", "2.00000"),
        ("103436.3", "1.95800"),
        ("103436.4", "2.00000"),
        ("103436.6", "1.08300"),
        ("103436.7", "7.64700"),
        ("103436.8", "2.00000"),
        ("103436.9", "7.23100"),
        ("103437.1", "2.00000"),
        ("103437.3", "2.00000"),
        ("103437.4", "2.00000"),
        ("103437.5", "2.00000"),
    ]
    assert book.bids(15) == [
        ("103435.9", "2.40500"),
        ("103435.8", "1.00000"),
        ("103435.6", "0.32700"),
        ("103435.4", "1.00000"),
        ("103435.3", "1.00000"),
        ("103435.2", "3.19400"),
        ("103435.1", "1.00000"),
        ("103435.0", "1.00000"),
        ("103434.9", "1.00000"),
        ("103434.8", "10.25000"),
        ("103434.7", "1.00000"),
        ("103434.6", "1.00000"),
        ("103434.5", "11.13900"),
    ]


# --- snapshots, deltas, window ---------------------------------------------------


def test_snapshot_replaces_book_and_ignores_zero_sizes() -> None:
    """A snapshot clears old levels, skips size "0" and sets version to its u."""
    book = ready_book()
    gap = book.apply(snap(50, [("90", "1"), ("89", "0")], [("95", "0"), ("96", "2")]))
    assert gap is None
    assert book.state is BookState.VALID
    assert book.version == 50
    assert book.bids(10) == [("90", "1")]
    assert book.asks(10) == [("96", "2")]
    assert (book.bid_count, book.ask_count, len(book)) == (1, 1, 2)


def test_snapshot_is_trimmed_to_depth() -> None:
    """A snapshot with more levels than the depth keeps only the best ones."""
    book = OrderBook("BTCUSDT", 2)
    book.apply(
        snap(
            1,
            [("1", "1"), ("3", "1"), ("2", "1")],
            [("9", "1"), ("7", "1"), ("8", "1")],
        )
    )
    assert book.bids(5) == [("3", "1"), ("2", "1")]
    assert book.asks(5) == [("7", "1"), ("8", "1")]


def test_delta_sets_and_deletes_levels() -> None:
    """Size "0" deletes a level, other sizes set it, missing deletes are harmless."""
    book = ready_book()
    gap = book.apply(
        update(10, 12, [("99.0", "0"), ("100.0", "7"), ("50.0", "0")], [("101.5", "1")])
    )
    assert gap is None
    assert book.version == 12
    assert book.bids(5) == [("100.0", "7"), ("98.0", "3")]
    assert book.asks(5) == [
        ("101.0", "4"),
        ("101.5", "1"),
        ("102.0", "5"),
        ("103.0", "6"),
    ]


def test_zero_with_decimals_deletes_too() -> None:
    """A size written "0.000" deletes the level like "0"."""
    book = ready_book()
    book.apply(update(10, 11, [("100.0", "0.000")]))
    assert book.best_bid() == ("99.0", "2")


def test_delta_window_keeps_best_levels_only() -> None:
    """A better level entering a full book pushes the worst one out."""
    book = ready_book(depth=3)
    book.apply(update(10, 11, [("100.5", "9")], [("100.9", "8")]))
    assert book.bids(5) == [("100.5", "9"), ("100.0", "1"), ("99.0", "2")]
    assert book.asks(5) == [("100.9", "8"), ("101.0", "4"), ("102.0", "5")]
    assert len(book) == 6


def test_trimmed_level_does_not_return_without_update() -> None:
    """A level trimmed from the window stays gone when a better one is deleted."""
    book = ready_book(depth=3)
    book.apply(update(10, 11, [("100.5", "9")]))
    book.apply(update(11, 12, [("100.5", "0")]))
    assert book.bids(5) == [("100.0", "1"), ("99.0", "2")]


# --- numeric comparison -------------------------------------------------------------


def test_prices_compare_numerically_not_as_text() -> None:
    """9.5 sorts below 10.0 on both sides, whatever the text order says."""
    book = OrderBook("BTCUSDT", 5)
    book.apply(snap(1, [("9.5", "1"), ("10.0", "2")], [("11.0", "3"), ("100.0", "4")]))
    assert book.best_bid() == ("10.0", "2")
    assert book.bids(2) == [("10.0", "2"), ("9.5", "1")]
    assert book.asks(2) == [("11.0", "3"), ("100.0", "4")]


def test_numerically_equal_prices_are_one_level_with_latest_text() -> None:
    """ "100.10" and "100.1" are the same level; output keeps the latest wire text."""
    book = OrderBook("BTCUSDT", 5)
    book.apply(snap(1, [("100.10", "1")], [("200", "1")]))
    book.apply(update(1, 2, [("100.1", "5")]))
    assert book.bids(5) == [("100.1", "5")]
    book.apply(update(2, 3, [("100.100", "0")]))
    assert book.bids(5) == []


def test_prices_a_float_cannot_tell_apart_are_separate_levels() -> None:
    """10.5 and 10.50000000000000001 (one float apart from nothing) stay two levels."""
    hair = "10.50000000000000001"
    book = OrderBook("BTCUSDT", 5)
    book.apply(snap(1, [("10.5", "1"), ("9", "1")], [("11", "1")]))
    book.apply(update(1, 2, [(hair, "2")]))
    assert book.bids(3) == [(hair, "2"), ("10.5", "1"), ("9", "1")]
    book.apply(update(2, 3, [("10.50", "7"), ("1.05E+1", "8")]))
    assert book.bids(3) == [(hair, "2"), ("1.05E+1", "8"), ("9", "1")]
    book.apply(update(3, 4, [(hair, "0")]))
    assert book.bids(3) == [("1.05E+1", "8"), ("9", "1")]
    assert book.valid


def test_sixteen_digit_prices_one_unit_apart_are_separate_levels() -> None:
    """Plain prices of 16 digits (past what a float holds exactly) keep their
    order and identity: 15 digits take the fast float key, 16 do not."""
    low, high = "9007199254740993", "9007199254740992"  # 2**53 + 1, 2**53
    assert float(low) == float(high)  # a float alone would merge them
    book = OrderBook("BTCUSDT", 5)
    book.apply(snap(1, [(high, "1"), ("123456789012345", "1")], [("9" * 17, "1")]))
    book.apply(update(1, 2, [(low, "2")]))
    assert book.bids(3) == [(low, "2"), (high, "1"), ("123456789012345", "1")]
    book.apply(update(2, 3, [(high, "0")]))
    assert book.bids(3) == [(low, "2"), ("123456789012345", "1")]
    assert book.valid


def test_a_hair_above_the_best_bid_is_not_a_crossed_book() -> None:
    """An ask a hair above the bid is not crossed; the hair below it is."""
    book = OrderBook("BTCUSDT", 5)
    book.apply(snap(1, [("10.5", "1")], [("12", "1")]))
    assert book.apply(update(1, 2, [], [("10.50000000000000001", "1")])) is None
    assert book.valid
    gap = book.apply(update(2, 3, [("10.50000000000000002", "1")]))
    assert gap is not None and gap.reason == "crossed"
    book.apply(snap(9, [("10.4", "1")], [("10.5", "1")]))  # floats again
    assert book.valid and book.best_ask() == ("10.5", "1")
    assert book.apply(update(9, 10, [("10.5", "1")])) is not None


# --- chain rule and invalid states ------------------------------------------------


def test_skipped_version_is_a_gap_and_applies_nothing() -> None:
    """A delta with U past the last u returns Gap("gap") and applies nothing."""
    book = ready_book()
    before = book.snapshot_view(10)
    gap = book.apply(update(11, 12, [("100.0", "0")]))
    assert gap == Gap("gap", "expected U=10, got U=11 (skipped ahead)")
    assert book.state is BookState.INVALID
    assert not book.valid
    assert book.version == 10
    assert book.snapshot_view(10) == before


def test_repeated_delta_is_a_gap() -> None:
    """Applying the same delta twice reports a gap on the repeat."""
    book = ready_book()
    delta = update(10, 11, [("100.0", "2")])
    assert book.apply(delta) is None
    gap = book.apply(delta)
    assert gap is not None
    assert gap.reason == "gap"
    assert "expected U=11, got U=10" in gap.detail
    assert book.best_bid() == ("100.0", "2")


def test_reordered_delta_is_a_gap() -> None:
    """A delta arriving before its predecessor is a gap at that delta."""
    book = ready_book()
    gap = book.apply(update(11, 12, [("100.0", "5")]))
    assert gap is not None and gap.reason == "gap"
    assert book.apply(update(10, 11, [("100.0", "4")])) is None  # ignored: INVALID
    assert book.best_bid() == ("100.0", "1")


def test_delta_before_snapshot_is_no_snapshot_gap() -> None:
    """A delta on an EMPTY book returns Gap("no_snapshot") and applies nothing."""
    book = OrderBook("BTCUSDT")
    gap = book.apply(update(5, 6, [("1", "1")]))
    assert gap is not None
    assert gap.reason == "no_snapshot"
    assert book.state is BookState.INVALID
    assert book.version is None
    assert len(book) == 0


def test_deltas_while_invalid_are_ignored_and_report_once() -> None:
    """After a gap, further deltas return None, change nothing and keep it INVALID."""
    book = ready_book()
    assert book.apply(update(99, 100)) is not None
    assert book.apply(update(10, 11, [("100.0", "9")])) is None
    assert book.apply(update(100, 101, [("100.0", "9")])) is None
    assert book.state is BookState.INVALID
    assert book.best_bid() == ("100.0", "1")
    assert book.version == 10


def test_last_below_first_is_bad_version() -> None:
    """A delta with u < U reports Gap("bad_version")."""
    book = ready_book()
    gap = book.apply(update(10, 9, [("100.0", "9")]))
    assert gap is not None and gap.reason == "bad_version"
    assert not book.valid


def test_crossed_delta_invalidates_book() -> None:
    """A delta leaving best bid >= best ask returns Gap("crossed")."""
    book = ready_book()
    gap = book.apply(update(10, 11, [("101.0", "1")]))
    assert gap is not None
    assert gap.reason == "crossed"
    assert "101.0" in gap.detail
    assert book.state is BookState.INVALID


def test_crossed_snapshot_invalidates_book() -> None:
    """A snapshot whose best bid is above its best ask is not VALID."""
    book = OrderBook("BTCUSDT")
    gap = book.apply(snap(1, [("10", "1")], [("9", "1")]))
    assert gap is not None and gap.reason == "crossed"
    assert not book.valid


def test_new_snapshot_recovers_invalid_book() -> None:
    """A fresh snapshot after a gap makes the book VALID and restarts the chain."""
    book = ready_book()
    book.apply(update(12, 13))
    assert book.apply(snap(40, [("50", "1")], [("51", "1")])) is None
    assert book.valid
    assert book.version == 40
    assert book.apply(update(40, 41, [("50", "2")])) is None
    assert book.best_bid() == ("50", "2")


def test_reset_returns_to_empty() -> None:
    """reset() forgets levels and version; the next delta is a no_snapshot gap."""
    book = ready_book()
    book.reset()
    assert book.state is BookState.EMPTY
    assert book.version is None
    assert len(book) == 0
    assert book.best_bid() is None and book.best_ask() is None
    gap = book.apply(update(10, 11))
    assert gap is not None and gap.reason == "no_snapshot"


def test_non_numeric_price_is_bad_level() -> None:
    """A price that is not a finite number invalidates the book instead of raising."""
    book = ready_book()
    gap = book.apply(update(10, 11, [("abc", "1")]))
    assert gap is not None and gap.reason == "bad_level"
    assert not book.valid
    other = ready_book()
    gap = other.apply(update(10, 11, [], [("Infinity", "1")]))
    assert gap is not None and gap.reason == "bad_level"


def test_non_numeric_size_is_bad_level_when_converting() -> None:
    """With number_type=Decimal a bad size is reported by apply, not by a view."""
    book = ready_book(number_type=Decimal)
    book.snapshot_view(5)
    gap = book.apply(update(10, 11, [("100.0", "x")]))
    assert gap is not None and gap.reason == "bad_level"
    assert book.bids(1) == [(Decimal("100.0"), Decimal("1"))]


def test_update_for_other_symbol_raises() -> None:
    """Applying another symbol's update is a routing bug and raises ValueError."""
    book = ready_book()
    with pytest.raises(ValueError, match="ETHUSDT"):
        book.apply(update(10, 11, symbol="ETHUSDT"))


@pytest.mark.parametrize(("depth", "number_type"), [(0, str), (15, int)])
def test_bad_construction_raises(depth: int, number_type: type) -> None:
    """A depth below 1 or an unsupported number_type raises ValueError."""
    with pytest.raises(ValueError):
        OrderBook("BTCUSDT", depth, number_type)


# --- views -------------------------------------------------------------------------


def test_snapshot_view_shape_and_cut() -> None:
    """snapshot_view(n) gives symbol, depth, version and the best n levels per side."""
    book = ready_book()
    assert book.snapshot_view(2) == {
        "symbol": "BTCUSDT",
        "depth": 15,
        "bids": [("100.0", "1"), ("99.0", "2")],
        "asks": [("101.0", "4"), ("102.0", "5")],
        "version": 10,
    }
    assert book.snapshot_view(0)["bids"] == []


def test_views_are_fresh_lists() -> None:
    """Mutating a returned view does not change the book's next view."""
    book = ready_book()
    view = book.snapshot_view(2)
    view["bids"].clear()
    book.bids(2).append(("1", "1"))
    assert book.snapshot_view(2)["bids"] == [("100.0", "1"), ("99.0", "2")]


def test_view_follows_changes_inside_and_outside_top_n() -> None:
    """The top-n view reflects a change at level 2 and ignores one at level 3 (n=2)."""
    book = ready_book()
    assert book.bids(2) == [("100.0", "1"), ("99.0", "2")]
    book.apply(update(10, 11, [("98.0", "7")]))
    assert book.bids(2) == [("100.0", "1"), ("99.0", "2")]
    book.apply(update(11, 12, [("99.0", "8")]))
    assert book.bids(2) == [("100.0", "1"), ("99.0", "8")]
    book.apply(update(12, 13, [("100.0", "0")]))
    assert book.bids(2) == [("99.0", "8"), ("98.0", "7")]


def test_decimal_number_type_view() -> None:
    """number_type=Decimal yields Decimal prices and sizes keeping the wire exponent."""
    book = ready_book(number_type=Decimal)
    book.apply(update(10, 11, [("100.10", "1.50")]))
    bids = book.bids(2)
    assert bids == [
        (Decimal("100.10"), Decimal("1.50")),
        (Decimal("100.0"), Decimal("1")),
    ]
    assert [str(p) for p, _ in bids] == ["100.10", "100.0"]
    assert book.best_ask() == (Decimal("101.0"), Decimal("4"))


def test_float_number_type_view() -> None:
    """number_type=float yields float prices and sizes."""
    book = ready_book(number_type=float)
    view = book.snapshot_view(1)
    assert view["bids"] == [(100.0, 1.0)]
    assert view["asks"] == [(101.0, 4.0)]
    assert all(isinstance(x, float) for x in view["bids"][0])
    assert book.best_bid() == (100.0, 1.0)


# --- large books: views kept as sorted lists ------------------------------------


def test_200_level_view_matches_a_sorted_reference() -> None:
    """A 200-level book's full view stays equal to a sorted dict model over deltas."""
    rng = random.Random(7)
    book = OrderBook("BTCUSDT", 200)
    bids = {Decimal(f"{9000 + i}.5"): (f"{9000 + i}.5", "1") for i in range(200)}
    asks = {Decimal(f"{9300 + i}.5"): (f"{9300 + i}.5", "2") for i in range(200)}
    assert book.apply(snap(1, list(bids.values()), list(asks.values()))) is None
    version = 1
    for _ in range(400):
        changes: dict[str, Pairs] = {"b": [], "a": []}
        for side, model, lo in (("b", bids, 8900), ("a", asks, 9300)):
            for _ in range(rng.randint(1, 5)):
                # Spellings differ ("9001.50" and "9001.5" are one level).
                price = f"{rng.randint(lo, lo + 299)}.5" + rng.choice(["", "0"])
                size = rng.choice(["0", "0.000", "3", "4.25"])
                changes[side].append((price, size))
                key = Decimal(price)
                if Decimal(size) == 0:
                    model.pop(key, None)
                else:
                    model[key] = (price, size)
        for model, best_first in ((bids, True), (asks, False)):
            kept = sorted(model.items(), reverse=best_first)[:200]
            model.clear()
            model.update(kept)
        assert (
            book.apply(update(version, version + 1, changes["b"], changes["a"])) is None
        )
        version += 1
        view = book.snapshot_view(200)
        assert view["bids"] == [pair for _, pair in sorted(bids.items(), reverse=True)]
        assert view["asks"] == [pair for _, pair in sorted(asks.items())]
        assert book.bids(3) == view["bids"][:3]
        assert (book.bid_count, book.ask_count) == (len(bids), len(asks))


def test_new_best_ask_below_best_bid_is_crossed() -> None:
    """An ask inserted at the top, at or below the best bid, crosses the book."""
    book = ready_book()
    gap = book.apply(update(10, 11, [], [("100.0", "1")]))
    assert gap is not None and gap.reason == "crossed"
    assert "best ask 100.0" in gap.detail


def test_emptied_side_then_crossing_level_is_crossed() -> None:
    """A side emptied by deletes, then refilled across the other side, is crossed."""
    book = ready_book()
    gone = [("100.0", "0"), ("99.0", "0"), ("98.0", "0")]
    assert book.apply(update(10, 11, gone)) is None
    assert book.best_bid() is None
    gap = book.apply(update(11, 12, [("101.5", "1")]))
    assert gap is not None and gap.reason == "crossed"
