"""One side of a local order book: price levels kept sorted, best first.

:class:`BookSide` is what :class:`~weex_events.book.OrderBook` keeps for its bids
and for its asks: parallel sorted lists, keyed by the numeric price, with the
exact wire text of each level. Pure: no asyncio, no clock, no I/O.

Imports: ``events``, ``protocol.numbers`` (the size limits of numeric text).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from .events import BookLevel
from .protocol.numbers import MAX_NUMBER_TEXT, number_text

__all__ = ["BookSide"]

# Price text -> sort key caches are bounded; past this size a side starts afresh.
_KEY_CACHE_LIMIT = 4096
# Above every key: the last entry of each side's key list (see BookSide).
_END = Decimal("Infinity")


def _plain_amount(text: str) -> bool:
    """Whether ``text`` is ``digits[.digits]`` of sane length: the form WEEX
    sends, accepted without building a Decimal (the hot path)."""
    return (
        len(text) <= MAX_NUMBER_TEXT
        and text.replace(".", "", 1).isdigit()
        and text.isascii()
    )


def _amount(text: str, what: str) -> Decimal:
    """``text`` as a finite, non-negative Decimal.

    Raises:
        ValueError: anything else (``"abc"``, ``"-5"``, ``"NaN"``,
            ``"Infinity"``, a huge exponent); the book then asks for a resync.
    """
    try:
        value = Decimal(number_text(text))  # exact, whatever the context
    except (TypeError, ValueError, ArithmeticError):
        raise ValueError(f"{what} {text!r:.40} is not a decimal number") from None
    if not value.is_finite() or value.is_signed():
        raise ValueError(f"{what} {text!r:.40} is not a finite, non-negative number")
    return value


class BookSide:
    """One side of the book, best level first, as parallel sorted lists.

    ``keys`` is sorted ascending and ends with an infinite sentinel (so that the
    slot a bisection finds always exists); for bids the keys are negated prices so
    that the best (highest) bid comes first on both sides. At the same index,
    ``pairs`` holds the wire ``(price, size)`` text of the latest update for that
    level and ``out`` the level in the output number type (``out`` *is* ``pairs``
    for ``str``). A top-N view is then a slice, at C speed even for 200 levels;
    the price is one bisection per changed level.
    """

    __slots__ = (
        "_convert",
        "_key_cache",
        "keys",
        "negate",
        "out",
        "pairs",
    )

    def __init__(self, negate: bool, convert: Callable[[str], Any] | None) -> None:
        self.negate = negate
        self.keys: list[Decimal] = [_END]
        self.pairs: list[tuple[str, str]] = []
        self.out: list[BookLevel] = self.pairs if convert is None else []
        self._key_cache: dict[str, Decimal] = {}
        self._convert = convert

    def key(self, price: str) -> Decimal:
        """The sort key of ``price`` text (negated for bids); cached per text."""
        key = self._key_cache.get(price)
        if key is None:
            value = _amount(price, "price")
            # copy_negate() is exact; unary minus would round to the context.
            key = value.copy_negate() if self.negate else value
            if len(self._key_cache) >= _KEY_CACHE_LIMIT:
                self._key_cache.clear()
            self._key_cache[price] = key
        return key

    def clear(self) -> None:
        self.keys[:] = [_END]
        self.pairs.clear()
        self.out.clear()

    def load(self, pairs: Iterable[tuple[str, str]], depth: int) -> None:
        """Replace the side with a snapshot's levels (zero sizes ignored)."""
        self.clear()
        levels: dict[Decimal, tuple[str, str]] = {}
        outs: dict[Decimal, BookLevel] = {}
        convert = self._convert
        key_of = self.key
        for price, size in pairs:
            if not _plain_amount(size):
                _amount(size, "size")
            if size == "0" or not size.strip("0."):
                continue
            key = key_of(price)
            if convert is not None:
                outs[key] = (convert(price), convert(size))
            levels[key] = (price, size)
        keys = sorted(levels)[:depth]
        self.pairs[:] = [levels[key] for key in keys]
        if convert is not None:
            self.out[:] = [outs[key] for key in keys]
        keys.append(_END)
        self.keys = keys

    def update(self, pairs: Iterable[tuple[str, str]], depth: int) -> bool:
        """Apply a delta's levels: size ``"0"`` deletes, anything else sets.

        Returns:
            Whether a level was inserted at the top: only that can move the best
            price towards the other side (a changed size keeps the price, and a
            deleted best level leaves a worse one).

        Raises:
            ValueError, ArithmeticError: a price or (when converting) a size is
                not a number; levels before it in ``pairs`` are already applied.
        """
        if self._convert is not None:
            return self._update_converted(pairs, depth)
        keys = self.keys
        wire = self.pairs
        cache = self._key_cache
        new_best = False
        for pair in pairs:
            price, size = pair
            key = cache.get(price)
            if key is None:
                key = self.key(price)
            i = bisect_left(keys, key)
            if not _plain_amount(size):
                _amount(size, "size")
            # WEEX sends "0" to delete; tolerate "0.000" and the like as well.
            if size == "0" or not size.strip("0."):
                # Deleting a level we do not hold is normal: it may sit outside
                # the window we trimmed to.
                if keys[i] == key:
                    del keys[i]
                    del wire[i]
                continue
            if pair.__class__ is not tuple:
                pair = (price, size)
            if keys[i] == key:
                wire[i] = pair
            else:
                keys.insert(i, key)
                wire.insert(i, pair)
                if not i:
                    new_best = True
        if len(wire) > depth:
            self.trim(depth)
        return new_best

    def _update_converted(self, pairs: Iterable[tuple[str, str]], depth: int) -> bool:
        """:meth:`update` for a ``number_type`` other than ``str``."""
        keys = self.keys
        wire = self.pairs
        out = self.out
        convert = self._convert
        assert convert is not None
        key_of = self.key
        new_best = False
        for price, size in pairs:
            key = key_of(price)
            i = bisect_left(keys, key)
            if not _plain_amount(size):
                _amount(size, "size")
            if size == "0" or not size.strip("0."):
                if keys[i] == key:
                    del keys[i]
                    del wire[i]
                    del out[i]
                continue
            # Converted before anything changes, so that a bad size fails here
            # (not in a view) with the side still consistent.
            level = (convert(price), convert(size))
            if keys[i] == key:
                wire[i] = (price, size)
                out[i] = level
            else:
                keys.insert(i, key)
                wire.insert(i, (price, size))
                out.insert(i, level)
                if not i:
                    new_best = True
        if len(wire) > depth:
            self.trim(depth)
        return new_best

    def trim(self, depth: int) -> None:
        """Keep only the best ``depth`` levels.

        WEEX-WS.md §1.5: the server sends "0" for levels leaving the top-N window,
        so this is normally a no-op; it guarantees the book never grows beyond it.
        """
        del self.keys[depth:-1]
        del self.pairs[depth:]
        if self._convert is not None:
            del self.out[depth:]

    def top(self, n: int) -> list[BookLevel]:
        """The best ``n`` levels in the output number type, as a fresh list."""
        return self.out[:n] if n > 0 else []

    def best(self) -> BookLevel | None:
        out = self.out
        return out[0] if out else None
