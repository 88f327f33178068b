"""The local order book: a snapshot plus deltas, the version chain and gap detection.

:class:`OrderBook` holds one symbol's book, fed with
:class:`~weex_events.protocol.DepthUpdate` items from either protocol generation. It
decides whether each update continues the version chain (WEEX-WS.md §1.5, §2), keeps
the best ``depth`` levels per side, and reports a :class:`Gap` when the book can no
longer be trusted; the caller then requests a fresh snapshot. It is pure: no asyncio,
no clock, no I/O.

Prices compare numerically (``"9.5" < "10.0"``, ``"100.10"`` is the level ``"100.1"``);
output keeps the exact wire text of the latest update for each level unless the book
was built with another ``number_type``.

One side's price levels live in :mod:`weex_events.book_side`.

Imports: ``events``, ``protocol``, ``book_side``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .book_side import BookSide
from .events import BookLevel
from .protocol import DepthUpdate

__all__ = ["BookState", "Gap", "OrderBook"]


class BookState(enum.Enum):
    """Whether the book can be trusted."""

    #: No snapshot yet (new book, or after :meth:`OrderBook.reset`).
    EMPTY = "empty"
    #: Built from a snapshot and an unbroken chain of deltas.
    VALID = "valid"
    #: A gap, crossed book or bad level was seen; only a snapshot repairs it.
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Gap:
    """Why the book became invalid.

    Attributes:
        reason: ``"no_snapshot"`` (a delta before any snapshot), ``"gap"`` (the
            version chain broke: a skipped, repeated or reordered frame),
            ``"bad_version"`` (a delta whose last id is below its first),
            ``"crossed"`` (best bid >= best ask after applying) or ``"bad_level"``
            (a level that is not a ``[price, size]`` pair of text, or a price
            or size that is not a finite decimal number).
        detail: human-readable, e.g. ``"expected U=105, got U=107 (skipped ahead)"``.
    """

    reason: str
    detail: str


_VALID = BookState.VALID


def _crossed(bids: BookSide, asks: BookSide) -> bool:
    """Whether the best bid is at or above the best ask.

    Bid keys are negated prices; an empty side's first key is the +infinity
    sentinel, which never crosses. Float keys of both sides compare exactly
    (see :func:`~weex_events.book_side.float_key`); a float and a ``Decimal``
    would compare the float's binary value, so then the texts decide.
    """
    if bids.exact or asks.exact:
        if not bids.pairs or not asks.pairs:
            return False
        return Decimal(bids.pairs[0][0]) >= Decimal(asks.pairs[0][0])
    return -bids.keys[0] >= asks.keys[0]


class OrderBook:
    """One symbol's local order book, fed with depth updates.

    Rules (WEEX-WS.md §1.5, §2):

    * a snapshot replaces the whole book and makes it VALID, whatever its state;
      levels with size ``"0"`` in a snapshot are ignored;
    * a delta must start where the previous update ended (``first`` equals
      :attr:`version`); otherwise nothing is applied, the book becomes INVALID and
      :meth:`apply` returns a :class:`Gap`;
    * a delta sets each level's size, size ``"0"`` deletes it, and then each side is
      trimmed to the best ``depth`` levels;
    * a book whose best bid is at or above its best ask is INVALID (``"crossed"``).

    A :class:`Gap` is returned only on the transition to INVALID. While INVALID,
    deltas are ignored and :meth:`apply` returns ``None``: the caller has already
    asked for a fresh snapshot, which is the only way back to VALID. So check
    :attr:`valid` before publishing the book. The views (:meth:`bids`,
    :meth:`snapshot_view`, ...) always show what the book holds, valid or not.

    Args:
        symbol: the user-form symbol, for :meth:`snapshot_view`.
        depth: levels kept per side (the subscribed channel depth).
        number_type: type of prices and sizes in the views: ``str`` (exact wire
            text), ``decimal.Decimal`` or ``float``.

    Raises:
        ValueError: ``depth`` is below 1 or ``number_type`` is not supported.
    """

    __slots__ = (
        "_asks",
        "_bids",
        "_depth",
        "_state",
        "_symbol",
        "_version",
    )

    def __init__(self, symbol: str, depth: int = 15, number_type: type = str) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        if number_type not in (str, Decimal, float):
            raise ValueError("number_type must be str, decimal.Decimal or float")
        convert: Callable[[str], Any] | None = (
            None if number_type is str else number_type
        )
        self._symbol = symbol
        self._depth = depth
        self._bids = BookSide(negate=True, convert=convert)
        self._asks = BookSide(negate=False, convert=convert)
        self._state = BookState.EMPTY
        self._version: int | None = None

    def __repr__(self) -> str:
        return (
            f"OrderBook(symbol={self._symbol!r}, depth={self._depth}, "
            f"state={self._state.name}, version={self._version}, "
            f"bids={len(self._bids.pairs)}, asks={len(self._asks.pairs)})"
        )

    @property
    def symbol(self) -> str:
        """The book's symbol."""
        return self._symbol

    @property
    def depth(self) -> int:
        """Levels kept per side."""
        return self._depth

    @property
    def state(self) -> BookState:
        """EMPTY, VALID or INVALID."""
        return self._state

    @property
    def valid(self) -> bool:
        """Whether the book is VALID (built from a snapshot and an unbroken chain)."""
        return self._state is _VALID

    @property
    def version(self) -> int | None:
        """The ``last`` id (V3 ``u``, V2 ``endVersion``) of the last applied update."""
        return self._version

    @property
    def bid_count(self) -> int:
        """Number of bid levels held."""
        return len(self._bids.pairs)

    @property
    def ask_count(self) -> int:
        """Number of ask levels held."""
        return len(self._asks.pairs)

    def __len__(self) -> int:
        """Number of levels held on both sides together."""
        return len(self._bids.pairs) + len(self._asks.pairs)

    def apply(self, update: DepthUpdate) -> Gap | None:
        """Apply one depth update.

        Returns:
            ``None`` if the update was applied, or ignored because the book was
            already INVALID; a :class:`Gap` if this update made the book INVALID.

        Raises:
            ValueError: ``update`` is for another symbol (a routing bug).
        """
        if update.symbol != self._symbol:
            raise ValueError(
                f"update for {update.symbol!r} applied to {self._symbol!r}"
            )
        depth = self._depth
        bids = self._bids
        asks = self._asks
        try:
            if update.snapshot:
                bids.load(update.bids, depth)
                asks.load(update.asks, depth)
                self._version = update.last
                self._state = _VALID
                moved = True
            elif self._state is _VALID:
                # WEEX-WS.md §1.5: every delta's U equals the previous frame's u.
                first = update.first
                if first != self._version:
                    return self._gap_in_chain(first)
                last = update.last
                if last < first:
                    return self._invalidate(
                        "bad_version",
                        f"last id u={last} is below first id U={first}",
                    )
                moved = bids.update(update.bids, depth)
                if asks.update(update.asks, depth):
                    moved = True
                self._version = last
            elif self._state is BookState.EMPTY:
                return self._invalidate(
                    "no_snapshot", f"delta U={update.first} arrived before any snapshot"
                )
            else:
                return None  # INVALID: a resync is already under way.
        except (ValueError, ArithmeticError) as exc:
            # A row that is not a [price, size] pair of numeric text (Decimal's
            # InvalidOperation is an ArithmeticError). The V3 codec passes rows
            # through unchecked, so this is where a malformed level is caught.
            # A side may be half-updated, so the book cannot be trusted any more.
            return self._invalidate(
                "bad_level", f"bad level in U={update.first}: {exc}"
            )
        # A VALID book is never crossed, and a delta can only cross it by
        # inserting a new best level (see BookSide.update): check only then.
        if moved and _crossed(bids, asks):
            return self._invalidate(
                "crossed",
                f"best bid {bids.pairs[0][0]} >= "
                f"best ask {asks.pairs[0][0]} at u={update.last}",
            )
        return None

    def _gap_in_chain(self, got: int) -> Gap:
        expected = self._version
        assert expected is not None  # VALID implies a snapshot set it
        how = "skipped ahead" if got > expected else "older: repeated or reordered"
        return self._invalidate("gap", f"expected U={expected}, got U={got} ({how})")

    def _invalidate(self, reason: str, detail: str) -> Gap:
        self._state = BookState.INVALID
        return Gap(reason, detail)

    def reset(self) -> None:
        """Forget everything and return to EMPTY (a resubscribe was requested)."""
        self._bids.clear()
        self._asks.clear()
        self._state = BookState.EMPTY
        self._version = None

    def best_bid(self) -> BookLevel | None:
        """The highest bid as ``(price, size)``, or ``None`` if there are no bids."""
        return self._bids.best()

    def best_ask(self) -> BookLevel | None:
        """The lowest ask as ``(price, size)``, or ``None`` if there are no asks."""
        return self._asks.best()

    def bids(self, n: int) -> list[BookLevel]:
        """At most ``n`` bids, best (highest) first."""
        return self._bids.top(n)

    def asks(self, n: int) -> list[BookLevel]:
        """At most ``n`` asks, best (lowest) first."""
        return self._asks.top(n)

    def snapshot_view(self, n: int) -> dict[str, Any]:
        """The ``book`` event's ``data`` (DESIGN.md §1): the best ``n`` levels.

        Returns:
            ``{"symbol", "depth", "bids", "asks", "version"}``: ``depth`` is the
            WEEX book this one mirrors (15 or 200); ``bids``/``asks`` are fresh
            lists of ``(price, size)`` tuples, best first.
        """
        if n > 0:
            return {
                "symbol": self._symbol,
                "depth": self._depth,
                "bids": self._bids.out[:n],
                "asks": self._asks.out[:n],
                "version": self._version,
            }
        return {
            "symbol": self._symbol,
            "depth": self._depth,
            "bids": [],
            "asks": [],
            "version": self._version,
        }
