"""The simulator's full order book for one symbol: levels and the update-id counter.

Prices are integer ticks, sizes integer units (see ``instruments``). Every change of
a level (new, resized or deleted) increments :attr:`OrderBook.version`, the symbol's
global update id that WEEX exposes as ``U``/``u`` on depth pushes and as
``lastUpdateId`` on REST depth (WEEX-WS.md §1.5, §3).

Pure data structure: no randomness, no clock. Imports: stdlib only.
"""

from __future__ import annotations

import bisect
import enum

__all__ = ["BookSide", "OrderBook", "Side"]

Level = tuple[int, int]


class Side(enum.Enum):
    """Which side of the book."""

    BID = "bid"
    ASK = "ask"


class BookSide:
    """One side: price → size, with prices kept sorted ascending."""

    __slots__ = ("_prices", "descending", "sizes")

    def __init__(self, descending: bool) -> None:
        # Bids are best-first when read descending, asks when read ascending.
        self.descending = descending
        self.sizes: dict[int, int] = {}
        self._prices: list[int] = []

    def __len__(self) -> int:
        return len(self._prices)

    def __contains__(self, price: int) -> bool:
        return price in self.sizes

    def set(self, price: int, size: int) -> bool:
        """Set or delete (``size == 0``) a level; return whether anything changed."""
        old = self.sizes.get(price)
        if size <= 0:
            if old is None:
                return False
            del self.sizes[price]
            del self._prices[bisect.bisect_left(self._prices, price)]
            return True
        if old == size:
            return False
        if old is None:
            bisect.insort(self._prices, price)
        self.sizes[price] = size
        return True

    def best(self) -> int | None:
        """Best price, or ``None`` when empty."""
        if not self._prices:
            return None
        return self._prices[-1] if self.descending else self._prices[0]

    def worst(self) -> int | None:
        """Farthest price from the top, or ``None`` when empty."""
        if not self._prices:
            return None
        return self._prices[0] if self.descending else self._prices[-1]

    def price_at(self, rank: int) -> int:
        """Price of the level ``rank`` places from the best (0 = best)."""
        return self._prices[-1 - rank] if self.descending else self._prices[rank]

    def top(self, n: int) -> list[Level]:
        """The best ``n`` levels, best first."""
        if self.descending:
            chosen = self._prices[: -n - 1 : -1] if n else []
        else:
            chosen = self._prices[:n]
        return [(p, self.sizes[p]) for p in chosen]

    def better_than(self, price: int) -> list[int]:
        """Prices strictly better than ``price``, best first."""
        if self.descending:
            return self._prices[bisect.bisect_right(self._prices, price) :][::-1]
        return self._prices[: bisect.bisect_left(self._prices, price)]


class OrderBook:
    """Both sides of one symbol's book plus its version (global update id)."""

    __slots__ = ("asks", "bids", "version")

    def __init__(self, version: int) -> None:
        self.bids = BookSide(descending=True)
        self.asks = BookSide(descending=False)
        self.version = version

    def side(self, side: Side) -> BookSide:
        """The :class:`BookSide` for ``side``."""
        return self.bids if side is Side.BID else self.asks

    def set(self, side: Side, price: int, size: int) -> None:
        """Set (or delete with ``size == 0``) one level; a change bumps the version."""
        if self.side(side).set(price, size):
            self.version += 1

    def top(self, n: int) -> tuple[list[Level], list[Level]]:
        """``(bids, asks)``, each the best ``n`` levels, best first."""
        return self.bids.top(n), self.asks.top(n)
