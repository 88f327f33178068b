"""One side of a local order book: price levels kept sorted, best first.

:class:`BookSide` is what :class:`~weex_events.book.OrderBook` keeps for its bids
and for its asks: parallel sorted lists, keyed by the numeric price, with the
exact wire text of each level. Pure: no asyncio, no clock, no I/O.

Levels arrive as the wire has them: ``[price, size]`` rows of text (the V3
codec passes the frame's lists through; tuples are accepted too). Each row is
checked where it is applied: a row that is not a pair of text, like a price or
size that is not a number, raises ``ValueError``, and the book asks for a resync.

Sort keys are floats whenever that is exact, because a bisection over floats
costs a fraction of one over ``Decimal``: see :func:`float_key` for why a float
identifies and orders WEEX prices (a fixed, small number of decimals) exactly.
A price that a float cannot represent exactly switches its side to ``Decimal``
keys until the next snapshot. Prices are checked (finite, non-negative) where
their key is made, once per distinct text; sizes on every level, inline.

Imports: ``events``, ``protocol.numbers`` (the size limits of numeric text).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from .events import BookLevel
from .protocol.numbers import MAX_NUMBER_TEXT, number_text

__all__ = ["BookSide"]

# Price text -> sort key caches are bounded; past this size a side starts afresh.
_KEY_CACHE_LIMIT = 4096
# Above every key, float or Decimal (they compare exactly with each other): the
# last entry of each side's key list (see BookSide).
_END = float("inf")
# float_key's bounds: DBL_DIG (IEEE 754 binary64), and well inside the normal range.
_FLOAT_DIGITS = 15
_FLOAT_EXPONENT = 300

Key = float | Decimal
Row = Sequence[str]
"""A level as received: ``[price, size]`` (or ``(price, size)``), text."""


def float_key(value: Decimal) -> float | None:
    """``float(value)`` when floats identify and order such decimals exactly.

    A finite decimal with at most 15 significant digits and a magnitude well
    inside the normal float range survives the round trip through a binary64
    float (15 is ``DBL_DIG``), and ``float()`` rounds correctly, so monotonically:
    two such decimals compare as their floats do, and equal floats mean equal
    numbers (``"100.10"`` and ``"100.1"`` are one level, as they should be).
    Anything longer returns ``None`` (the side then uses ``Decimal`` keys).
    """
    digits = value.as_tuple().digits
    significant = len(digits)
    while significant > 1 and digits[significant - 1] == 0:
        significant -= 1  # trailing zeros are not significant
    if significant <= _FLOAT_DIGITS and abs(value.adjusted()) <= _FLOAT_EXPONENT:
        return float(value)
    return None


def _plain_amount(text: str) -> bool:
    """Whether ``text`` is ``digits[.digits]`` of sane length: the form WEEX
    sends, accepted without building a Decimal (the hot path)."""
    return (
        len(text) <= MAX_NUMBER_TEXT
        and text.replace(".", "", 1).isdigit()
        and text.isascii()
    )


def _short_plain(text: str) -> bool:
    """Whether ``text`` is ``digits[.digits]`` with at most 15 digits: a
    finite, non-negative decimal whose float identifies and orders it exactly
    (at most 15 significant digits, magnitude within 1e-15..1e15)."""
    digits = text.replace(".", "", 1)
    return len(digits) <= _FLOAT_DIGITS and digits.isdigit() and text.isascii()


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


def _pair(row: object) -> tuple[str, str]:
    """A level row as a ``(price, size)`` tuple of text.

    Raises:
        ValueError: ``row`` is not a list or tuple of exactly two strings.
    """
    if (row.__class__ is list or row.__class__ is tuple) and len(row) == 2:
        price, size = row
        if price.__class__ is str and size.__class__ is str:
            return price, size
    raise ValueError(f"level {row!r:.40} is not a [price, size] pair of text")


class BookSide:
    """One side of the book, best level first, as parallel sorted lists.

    ``keys`` is sorted ascending and ends with an infinite sentinel (so that the
    slot a bisection finds always exists); for bids the keys are negated prices so
    that the best (highest) bid comes first on both sides. Keys are floats, or
    ``Decimal`` while ``exact`` is set (a price a float cannot hold exactly was
    seen since the last snapshot; see :func:`float_key`). At the same index,
    ``pairs`` holds the wire ``(price, size)`` text of the latest update for that
    level and ``out`` the level in the output number type (``out`` *is* ``pairs``
    for ``str``). A top-N view is then a slice, at C speed even for 200 levels;
    the price is one bisection per changed level.
    """

    __slots__ = (
        "_convert",
        "_key_cache",
        "exact",
        "keys",
        "negate",
        "out",
        "pairs",
    )

    def __init__(self, negate: bool, convert: Callable[[str], Any] | None) -> None:
        self.negate = negate
        self.exact = False
        self.keys: list[Key] = [_END]
        self.pairs: list[tuple[str, str]] = []
        self.out: list[BookLevel] = self.pairs if convert is None else []
        self._key_cache: dict[str, Key] = {}
        self._convert = convert

    def key(self, price: str) -> Key:
        """The sort key of ``price`` text (negated for bids); cached per text.

        May switch the side to exact keys (rewriting ``keys`` in place).
        """
        key = self._key_cache.get(price)
        if key is not None:
            return key
        if price.__class__ is not str:
            raise ValueError(f"price {price!r:.40} is not text")
        if not self.exact and _short_plain(price):
            # The usual price: plain digits, at most 15 of them, so float() is
            # exact enough to identify and order it (see float_key): no Decimal.
            key = float(price)
            if self.negate:
                key = -key
        else:
            value = _amount(price, "price")
            if not self.exact:
                fast = float_key(value)
                if fast is not None:
                    key = -fast if self.negate else fast
                else:
                    self._go_exact()
            if key is None:
                # copy_negate() is exact; unary minus would round to the context.
                key = value.copy_negate() if self.negate else value
        if len(self._key_cache) >= _KEY_CACHE_LIMIT:
            self._key_cache.clear()
        self._key_cache[price] = key
        return key

    def _go_exact(self) -> None:
        """Switch to ``Decimal`` keys, recomputing the held ones from their text."""
        self.exact = True
        self._key_cache.clear()
        negate = self.negate
        self.keys[:-1] = [
            Decimal(price).copy_negate() if negate else Decimal(price)
            for price, _size in self.pairs
        ]

    def clear(self) -> None:
        self.keys[:] = [_END]
        self.pairs.clear()
        self.out.clear()
        if self.exact:  # back to float keys, until a price needs exact ones
            self.exact = False
            self._key_cache.clear()

    def load(self, rows: Iterable[Row], depth: int) -> None:
        """Replace the side with a snapshot's levels (zero sizes ignored)."""
        self.clear()
        pairs = [_pair(row) for row in rows]
        levels = self._levels(pairs)
        if self.exact:  # switched part-way: float and Decimal keys must not mix
            levels = self._levels(pairs)
        keys = sorted(levels)[:depth]
        self.pairs[:] = [levels[key][0] for key in keys]
        if self._convert is not None:
            self.out[:] = [levels[key][1] for key in keys]
        keys.append(_END)
        self.keys = keys

    def _levels(
        self, pairs: list[tuple[str, str]]
    ) -> dict[Key, tuple[tuple[str, str], BookLevel]]:
        """A snapshot's non-zero levels by key, as ``(wire pair, output level)``."""
        levels: dict[Key, tuple[tuple[str, str], BookLevel]] = {}
        convert = self._convert
        key_of = self.key
        for price, size in pairs:
            if not _plain_amount(size):
                _amount(size, "size")
            if size == "0" or not size.strip("0."):
                continue
            key = key_of(price)
            wire = (price, size)
            levels[key] = (
                wire,
                wire if convert is None else (convert(price), convert(size)),
            )
        return levels

    def update(self, rows: Iterable[Row], depth: int) -> bool:
        """Apply a delta's levels: size ``"0"`` deletes, anything else sets.

        Returns:
            Whether a level was inserted at the top: only that can move the best
            price towards the other side (a changed size keeps the price, and a
            deleted best level leaves a worse one).

        Raises:
            ValueError, ArithmeticError: a row is not a ``[price, size]`` pair
                of text, or a price or size is not a number; levels before it
                in ``rows`` are already applied.
        """
        if self._convert is not None:
            return self._update_converted(rows, depth)
        keys = self.keys
        wire = self.pairs
        cache = self._key_cache
        new_best = False
        for row in rows:
            # This runs for every level of every delta, so the checks of the
            # row are inline: a list of exactly two (the unpacking checks the
            # length), a price that is cached text or becomes a key (key()
            # checks it), a size that is "0" (delete, nothing to check) or
            # plain digits[.digits] of sane length; anything else goes through
            # _pair or _amount, which raise.
            if row.__class__ is list:
                try:
                    price, size = row
                except ValueError:
                    price, size = _pair(row)  # raises
            else:
                price, size = _pair(row)
            try:
                key = cache.get(price)
            except TypeError:  # unhashable: a list or an object
                raise ValueError(f"price {price!r:.40} is not text") from None
            if key is None:
                key = self.key(price)
            i = bisect_left(keys, key)
            if size != "0" and not (
                size.__class__ is str
                and size.replace(".", "", 1).isdigit()
                and size.isascii()
                and len(size) <= MAX_NUMBER_TEXT
            ):
                _amount(size, "size")
            if size == "0" or not size.strip("0."):
                # Deleting a level we do not hold is normal: it may sit outside
                # the window we trimmed to.
                if keys[i] == key:
                    del keys[i]
                    del wire[i]
                continue
            if keys[i] == key:
                wire[i] = (price, size)
            else:
                keys.insert(i, key)
                wire.insert(i, (price, size))
                if not i:
                    new_best = True
        if len(wire) > depth:
            self.trim(depth)
        return new_best

    def _update_converted(self, rows: Iterable[Row], depth: int) -> bool:
        """:meth:`update` for a ``number_type`` other than ``str``."""
        keys = self.keys
        wire = self.pairs
        out = self.out
        convert = self._convert
        assert convert is not None
        key_of = self.key
        new_best = False
        for row in rows:
            price, size = _pair(row)
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
