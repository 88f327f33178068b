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

Imports: ``events``, ``protocol``.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .events import BookLevel
from .protocol import DepthUpdate

__all__ = ["BookState", "Gap", "OrderBook"]

# Price text -> sort key caches are bounded; past this size a side starts afresh.
_KEY_CACHE_LIMIT = 4096
# View-cache bounds: no key is <= -Infinity (nothing cached, nothing to drop);
# every key is <= +Infinity (the cached view is short, any change drops it).
_NO_VIEW = Decimal("-Infinity")
_ANY_CHANGE = Decimal("Infinity")


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
            (a price or size that is not a finite decimal number).
        detail: human-readable, e.g. ``"expected U=105, got U=107 (skipped ahead)"``.
    """

    reason: str
    detail: str


class _Side:
    """One side of the book, best level first.

    ``keys`` is sorted ascending; for bids the keys are negated prices so that the
    best (highest) bid comes first on both sides and a top-N view is a slice.
    ``levels`` maps a key to the wire ``(price, size)`` text of the latest update.
    The last top-N view is cached until a level at or above its worst key changes.
    """

    __slots__ = (
        "_convert",
        "_key_cache",
        "_out",
        "_view",
        "_view_bound",
        "_view_n",
        "keys",
        "levels",
        "negate",
    )

    def __init__(self, negate: bool, convert: Callable[[str], Any] | None) -> None:
        self.negate = negate
        self.keys: list[Decimal] = []
        self.levels: dict[Decimal, tuple[str, str]] = {}
        self._key_cache: dict[str, Decimal] = {}
        self._convert = convert
        # Output tuples per key when number_type is not str (else unused).
        self._out: dict[Decimal, BookLevel] = {}
        self._view: list[BookLevel] | None = None
        self._view_n = 0
        # A change at a key <= this bound invalidates the cached view.
        self._view_bound = _NO_VIEW

    def key(self, price: str) -> Decimal:
        """The sort key of ``price`` text (negated for bids); cached per text."""
        key = self._key_cache.get(price)
        if key is None:
            value = Decimal(price)  # exact, whatever the context precision
            if not value.is_finite():
                raise ValueError(f"price {price!r} is not a finite number")
            # copy_negate() is exact; unary minus would round to the context.
            key = value.copy_negate() if self.negate else value
            if len(self._key_cache) >= _KEY_CACHE_LIMIT:
                self._key_cache.clear()
            self._key_cache[price] = key
        return key

    def clear(self) -> None:
        self.keys.clear()
        self.levels.clear()
        self._out.clear()
        self.drop_view()

    def drop_view(self) -> None:
        self._view = None
        self._view_bound = _NO_VIEW

    def load(self, pairs: Iterable[tuple[str, str]], depth: int) -> None:
        """Replace the side with a snapshot's levels (zero sizes ignored)."""
        self.clear()
        levels = self.levels
        out = self._out
        convert = self._convert
        key_of = self.key
        for price, size in pairs:
            if size == "0" or not size.strip("0."):
                continue
            key = key_of(price)
            if convert is not None:
                out[key] = (convert(price), convert(size))
            levels[key] = (price, size)
        self.keys = sorted(levels)
        self.trim(depth)

    def update(self, pairs: Iterable[tuple[str, str]], depth: int) -> None:
        """Apply a delta's levels: size ``"0"`` deletes, anything else sets.

        Raises:
            ValueError, ArithmeticError: a price or (when converting) a size is
                not a number; levels before it in ``pairs`` are already applied.
        """
        levels = self.levels
        keys = self.keys
        out = self._out
        convert = self._convert
        cache = self._key_cache
        bound = self._view_bound
        stale = False
        for price, size in pairs:
            key = cache.get(price)
            if key is None:
                key = self.key(price)
            if key <= bound:
                stale = True
            # WEEX sends "0" to delete; tolerate "0.000" and the like as well.
            if size == "0" or not size.strip("0."):
                # Deleting a level we do not hold is normal: it may sit outside
                # the window we trimmed to.
                if levels.pop(key, None) is not None:
                    del keys[bisect_left(keys, key)]
                    if convert is not None:
                        del out[key]
                continue
            if convert is not None:
                # Converted eagerly so that a bad size fails here, not in a view.
                out[key] = (convert(price), convert(size))
            if key not in levels:
                insort(keys, key)
            levels[key] = (price, size)
        if stale:
            self.drop_view()
        if len(keys) > depth:
            self.trim(depth)

    def trim(self, depth: int) -> None:
        """Keep only the best ``depth`` levels.

        WEEX-WS.md §1.5: the server sends "0" for levels leaving the top-N window,
        so this is normally a no-op; it guarantees the book never grows beyond it.
        A cached view is unaffected: it is either full with n <= depth (trimmed
        keys are all worse) or not full, and then any change has dropped it.
        """
        keys = self.keys
        if len(keys) <= depth:
            return
        levels = self.levels
        out = self._out
        for key in keys[depth:]:
            del levels[key]
            out.pop(key, None)
        del keys[depth:]

    def top(self, n: int) -> list[BookLevel]:
        """The best ``n`` levels in the output number type, as a fresh list."""
        view = self._view
        if view is not None and n == self._view_n:
            return view[:]
        keys = self.keys[:n] if n > 0 else []
        source = self.levels if self._convert is None else self._out
        view = [source[key] for key in keys]
        self._view = view
        self._view_n = n
        # A view shorter than n would grow with any insert: every change drops it.
        self._view_bound = keys[-1] if keys and len(keys) == n else _ANY_CHANGE
        return view[:]

    def best(self) -> BookLevel | None:
        if not self.keys:
            return None
        source = self.levels if self._convert is None else self._out
        return source[self.keys[0]]


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
        self._bids = _Side(negate=True, convert=convert)
        self._asks = _Side(negate=False, convert=convert)
        self._state = BookState.EMPTY
        self._version: int | None = None

    def __repr__(self) -> str:
        return (
            f"OrderBook(symbol={self._symbol!r}, depth={self._depth}, "
            f"state={self._state.name}, version={self._version}, "
            f"bids={len(self._bids.keys)}, asks={len(self._asks.keys)})"
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
        return self._state is BookState.VALID

    @property
    def version(self) -> int | None:
        """The ``last`` id (V3 ``u``, V2 ``endVersion``) of the last applied update."""
        return self._version

    @property
    def bid_count(self) -> int:
        """Number of bid levels held."""
        return len(self._bids.keys)

    @property
    def ask_count(self) -> int:
        """Number of ask levels held."""
        return len(self._asks.keys)

    def __len__(self) -> int:
        """Number of levels held on both sides together."""
        return len(self._bids.keys) + len(self._asks.keys)

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
        try:
            if update.snapshot:
                self._bids.load(update.bids, depth)
                self._asks.load(update.asks, depth)
                self._version = update.last
                self._state = BookState.VALID
            elif self._state is BookState.VALID:
                # WEEX-WS.md §1.5: every delta's U equals the previous frame's u.
                if update.first != self._version:
                    return self._gap_in_chain(update.first)
                if update.last < update.first:
                    return self._invalidate(
                        "bad_version",
                        f"last id u={update.last} is below first id U={update.first}",
                    )
                self._bids.update(update.bids, depth)
                self._asks.update(update.asks, depth)
                self._version = update.last
            elif self._state is BookState.EMPTY:
                return self._invalidate(
                    "no_snapshot", f"delta U={update.first} arrived before any snapshot"
                )
            else:
                return None  # INVALID: a resync is already under way.
        except (ValueError, ArithmeticError) as exc:
            # Decimal() raises InvalidOperation (an ArithmeticError) on bad text.
            # A side may be half-updated, so the book cannot be trusted any more,
            # and its cached views may no longer match what it holds.
            self._bids.drop_view()
            self._asks.drop_view()
            return self._invalidate(
                "bad_level", f"bad level in U={update.first}: {exc}"
            )
        bids = self._bids.keys
        asks = self._asks.keys
        # Bid keys are negated prices (exactly, via copy_negate).
        if bids and asks and bids[0].copy_negate() >= asks[0]:
            return self._invalidate(
                "crossed",
                f"best bid {self._bids.levels[bids[0]][0]} >= "
                f"best ask {self._asks.levels[asks[0]][0]} at u={update.last}",
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
            ``{"symbol", "bids", "asks", "version"}``; ``bids``/``asks`` are fresh
            lists of ``(price, size)`` tuples, best first.
        """
        return {
            "symbol": self._symbol,
            "bids": self._bids.top(n),
            "asks": self._asks.top(n),
            "version": self._version,
        }
