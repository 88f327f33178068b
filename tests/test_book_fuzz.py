"""Property tests for weex_events.book against a plain reference model.

Random snapshots and deltas on a price grid (several spellings of the same price,
deletes, window exits, crossings) are checked after every frame against a model
that re-sorts plain dicts; mutated chains (a frame skipped, repeated or swapped)
must report the gap at exactly the mutated frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from weex_events.book import BookState, OrderBook
from weex_events.protocol import DepthUpdate

Pairs = list[tuple[str, str]]

SIZES = ["0", "0", "0.000", "1", "2.5", "0.25", "10", "3.10"]


def price_text(tick: int, style: int) -> str:
    """Price tick/2 spelled with 1, 2 or 3 decimals: one level, several texts.

    Styles 3-5 test the book's float keys against what a float cannot hold:
    3 spells the same level in exponent form, 4 is a level a hair (1e-17) above
    tick/2 (18+ significant digits: equal to tick/2 as a float, so the side
    must switch to exact keys), 5 tick/2 with 20 decimals (trailing zeros: still
    a float key).
    """
    half = Decimal(tick) / 2
    if style == 3:
        return f"{half:.3E}"
    if style == 4:
        return str(half + Decimal("1E-17"))
    if style == 5:
        return f"{half:.20f}"
    return f"{half:.{style + 1}f}"


def levels(
    lo: int, hi: int, max_size: int, spellings: int = 3
) -> st.SearchStrategy[Pairs]:
    """Random (price, size) pairs on the grid [lo, hi], in the first
    ``spellings`` styles of :func:`price_text`."""
    pair = st.tuples(
        st.builds(price_text, st.integers(lo, hi), st.integers(0, spellings - 1)),
        st.sampled_from(SIZES),
    )
    return st.lists(pair, max_size=max_size)


def frame(
    snapshot: bool, first: int, last: int, bids: Pairs, asks: Pairs
) -> DepthUpdate:
    """A DepthUpdate as the codecs build it."""
    return DepthUpdate(
        "BTCUSDT", 15, snapshot, first, last, bids, asks, 0.0, 0.0, raw=None
    )


@dataclass
class Reference:
    """The book's rules, written the slow and obvious way."""

    depth: int
    state: BookState = BookState.EMPTY
    version: int | None = None
    bids: dict[Decimal, tuple[str, str]] = field(default_factory=dict)
    asks: dict[Decimal, tuple[str, str]] = field(default_factory=dict)

    def apply(self, f: DepthUpdate) -> str | None:
        """The gap reason the real book must return for ``f``, or None."""
        if f.snapshot:
            self.bids = {Decimal(p): (p, s) for p, s in f.bids if Decimal(s) != 0}
            self.asks = {Decimal(p): (p, s) for p, s in f.asks if Decimal(s) != 0}
            self.state, self.version = BookState.VALID, f.last
        elif self.state is BookState.EMPTY:
            self.state = BookState.INVALID
            return "no_snapshot"
        elif self.state is BookState.INVALID:
            return None
        elif f.first != self.version:
            self.state = BookState.INVALID
            return "gap"
        else:
            for side, pairs in ((self.bids, f.bids), (self.asks, f.asks)):
                for p, s in pairs:
                    if Decimal(s) == 0:
                        side.pop(Decimal(p), None)
                    else:
                        side[Decimal(p)] = (p, s)
            self.version = f.last
        self.bids = dict(self.top(self.bids, reverse=True))
        self.asks = dict(self.top(self.asks, reverse=False))
        if self.bids and self.asks and max(self.bids) >= min(self.asks):
            self.state = BookState.INVALID
            return "crossed"
        return None

    def top(
        self, side: dict[Decimal, tuple[str, str]], reverse: bool
    ) -> list[tuple[Decimal, tuple[str, str]]]:
        return sorted(side.items(), reverse=reverse)[: self.depth]

    def view(self, n: int, convert: Any) -> dict[str, Any]:
        def out(side: dict[Decimal, tuple[str, str]], rev: bool) -> list[Any]:
            return [(convert(p), convert(s)) for _, (p, s) in self.top(side, rev)][:n]

        return {
            "symbol": "BTCUSDT",
            "depth": self.depth,
            "bids": out(self.bids, True),
            "asks": out(self.asks, False),
            "version": self.version,
        }


def exact(view: dict[str, Any]) -> dict[str, Any]:
    """A view with numbers as text, so Decimal("1.50") and Decimal("1.5") differ."""
    return {
        **view,
        "bids": [(str(p), str(s)) for p, s in view["bids"]],
        "asks": [(str(p), str(s)) for p, s in view["asks"]],
    }


@st.composite
def random_frames(draw: st.DrawFn) -> list[DepthUpdate]:
    """Snapshots and correctly chained deltas; bid and ask grids overlap so that
    crossings happen, and occasional stray deltas arrive before any snapshot."""
    frames: list[DepthUpdate] = []
    version = draw(st.integers(0, 1000))
    # Prices a float key holds exactly (precision changing between frames), or,
    # in some examples, also exponent spellings and prices it cannot hold.
    spellings = draw(st.sampled_from([3, 3, 4, 6]))
    for _ in range(draw(st.integers(1, 40))):
        is_snapshot = draw(st.integers(0, 9)) == 0 or not frames
        if is_snapshot and draw(st.booleans()) and not frames:
            # A delta before the first snapshot.
            frames.append(frame(False, version, version + 1, [], []))
        first = version + draw(st.integers(0, 50)) if is_snapshot else version
        last = first + draw(st.integers(0, 3))
        width = 30 if is_snapshot else 6
        bids = draw(levels(0, 24, width, spellings))
        asks = draw(levels(16, 40, width, spellings))
        frames.append(frame(is_snapshot, first, last, bids, asks))
        version = last
    return frames


@settings(max_examples=100, deadline=None)
@given(
    frames=random_frames(),
    depth=st.integers(1, 6),
    number_type=st.sampled_from([str, Decimal, float]),
    view_sizes=st.lists(st.integers(0, 8), min_size=1, max_size=4),
)
def test_book_matches_reference_after_every_frame(
    frames: list[DepthUpdate], depth: int, number_type: type, view_sizes: list[int]
) -> None:
    """After each frame the book's state, gap, version and views equal the model's."""
    book = OrderBook("BTCUSDT", depth, number_type)
    ref = Reference(depth)
    for i, f in enumerate(frames):
        gap = book.apply(f)
        expected = ref.apply(f)
        assert (gap.reason if gap else None) == expected, (i, gap)
        assert book.state is ref.state
        assert book.version == ref.version
        assert (book.bid_count, book.ask_count) == (len(ref.bids), len(ref.asks))
        # Several sizes, repeated, so cached views are both hit and rebuilt.
        for n in [*view_sizes, view_sizes[0]]:
            assert exact(book.snapshot_view(n)) == exact(ref.view(n, number_type))
        full = ref.view(1, number_type)
        assert book.best_bid() == (full["bids"][0] if full["bids"] else None)
        assert book.best_ask() == (full["asks"][0] if full["asks"] else None)


@st.composite
def clean_chain(draw: st.DrawFn) -> list[DepthUpdate]:
    """A snapshot then strictly advancing deltas on disjoint grids (never crossed)."""
    version = draw(st.integers(0, 1000))
    frames = [
        frame(True, version, version, draw(levels(0, 19, 20)), draw(levels(20, 39, 20)))
    ]
    for _ in range(draw(st.integers(3, 15))):
        last = version + draw(st.integers(1, 3))
        bids = draw(levels(0, 19, 4))
        asks = draw(levels(20, 39, 4))
        frames.append(frame(False, version, last, bids, asks))
        version = last
    return frames


@settings(max_examples=100, deadline=None)
@given(
    frames=clean_chain(),
    mutation=st.sampled_from(["skip", "repeat", "swap"]),
    data=st.data(),
)
def test_mutated_chain_gap_found_at_mutated_frame(
    frames: list[DepthUpdate], mutation: str, data: st.DataObject
) -> None:
    """A skipped, repeated or swapped delta is reported as a gap exactly there."""
    # Position of the first out-of-chain frame after mutating (deltas are 1..n-1).
    at = data.draw(st.integers(1, len(frames) - 2))
    mutated = list(frames)
    if mutation == "skip":
        del mutated[at]
    elif mutation == "repeat":
        # Frame ``at`` arrives twice: the copy at ``at + 1`` is the bad one.
        mutated.insert(at, frames[at])
        at += 1
    else:
        mutated[at], mutated[at + 1] = mutated[at + 1], mutated[at]
    book = OrderBook("BTCUSDT", 20)
    ref = Reference(20)
    for f in mutated[:at]:
        assert book.apply(f) is None
        ref.apply(f)
    assert book.valid
    good_view = ref.view(20, str)
    gap = book.apply(mutated[at])
    assert gap is not None and gap.reason == "gap"
    assert f"expected U={ref.version}, got U={mutated[at].first}" in gap.detail
    for f in mutated[at + 1 :]:
        assert book.apply(f) is None
    assert book.state is BookState.INVALID
    assert book.snapshot_view(20) == good_view
