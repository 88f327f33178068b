"""How resting liquidity moves in the simulator's book around a fair price.

A :class:`Liquidity` owns one symbol's :class:`~weex_events.sim.orderbook.OrderBook`
and its random generator: it quotes levels up to the touch, sweeps levels a price move
crosses (the first ones become trades), lets takers hit the touch, churns a few levels
per step and keeps each side 210-230 levels deep, so the 200-level window is always
full. Bids always stay at or below the bid target and asks at or above the ask target,
so the book is never crossed.

Pure: randomness comes from the caller's ``random.Random``; no clock.
Imports: stdlib and ``sim.instruments``/``sim.orderbook``.
"""

from __future__ import annotations

import random

from .instruments import Instrument
from .orderbook import OrderBook, Side

__all__ = ["MAX_LEVELS", "MIN_LEVELS", "Fill", "Liquidity"]

#: Levels kept per side; the depth200 window always stays full (WEEX-WS.md §1.5).
MIN_LEVELS, MAX_LEVELS = 210, 230
#: Levels a price move sweeps that are reported as trades; the rest vanish (cancels).
_MAX_SWEEP_TRADES = 4
#: Levels inserted at most when the touch follows the price.
_MAX_FILL = 30
_GAPS = ((1, 2, 3), (6, 3, 1))

Fill = tuple[int, int, bool]
"""(price ticks, size units, buyer is maker) of one trade."""


class Liquidity:
    """The book of one instrument and the seeded process that moves it."""

    __slots__ = ("book", "inst", "rng")

    def __init__(self, inst: Instrument, rng: random.Random, book: OrderBook) -> None:
        self.inst = inst
        self.rng = rng
        self.book = book

    def seed(self, bid_top: int) -> None:
        """Build the initial book: bids from ``bid_top`` down, asks from one tick up."""
        self._fill(Side.BID, bid_top, MIN_LEVELS + 10)
        self._fill(Side.ASK, bid_top + 1, MIN_LEVELS + 10)

    def follow(self, bid_top: int) -> list[Fill]:
        """Move the touch to ``bid_top``/``bid_top + 1``; return the sweep trades."""
        ask_top = bid_top + 1
        fills: list[Fill] = []
        # WEEX-WS.md §1.5 `m`: a taker buy lifts asks (buyer is taker: m = false).
        self._sweep(Side.ASK, self.book.asks.better_than(ask_top), fills, False)
        self._sweep(Side.BID, self.book.bids.better_than(bid_top), fills, True)
        self._fill(Side.BID, bid_top, _MAX_FILL)
        self._fill(Side.ASK, ask_top, _MAX_FILL)
        return fills

    def take(self, buy: bool) -> Fill | None:
        """A taker trade at the touch: a buy lifts the best ask, a sell hits the bid."""
        side = Side.ASK if buy else Side.BID
        book_side = self.book.side(side)
        price = book_side.best()
        if price is None:
            return None
        resting = book_side.sizes[price]
        size = min(resting, self.trade_size())
        self.book.set(side, price, resting - size)
        return price, size, not buy

    def churn(self) -> None:
        """Resize, cancel or add a few resting levels, mostly near the touch."""
        rng, book = self.rng, self.book
        for _ in range(rng.randint(1, 4)):
            side = Side.BID if rng.random() < 0.5 else Side.ASK
            book_side = book.side(side)
            if not book_side:
                continue
            rank = min(len(book_side) - 1, int(rng.expovariate(1 / 8)))
            price = book_side.price_at(rank)
            action = rng.random()
            if action < 0.65:
                book.set(side, price, self._level_size())
            elif action < 0.8:
                book.set(side, price, 0)
            else:
                # A new level just behind this one, on the far side: never crosses.
                behind = price - 1 if side is Side.BID else price + 1
                if behind >= 1 and behind not in book_side:
                    book.set(side, behind, self._level_size())
        self._keep_depth(Side.BID)
        self._keep_depth(Side.ASK)

    def trade_size(self) -> int:
        """A taker trade size in units (lognormal around the instrument's lot)."""
        return max(1, round(self.inst.trade_lot * self.rng.lognormvariate(-0.32, 0.8)))

    def _level_size(self) -> int:
        return max(1, round(self.inst.level_lot * self.rng.lognormvariate(-0.25, 0.7)))

    def _fill(self, side: Side, start: int, limit: int) -> None:
        """Quote levels from ``start`` away from the touch, up to the current best."""
        rng = self.rng
        best = self.book.side(side).best()
        away = -1 if side is Side.BID else 1
        price, placed = start, 0
        while price >= 1 and placed < limit:
            if best is not None and (price - best) * away >= 0:
                break
            if rng.random() < 0.8:
                self.book.set(side, price, self._level_size())
                placed += 1
            price += away * rng.choices(*_GAPS)[0]

    def _sweep(
        self, side: Side, prices: list[int], fills: list[Fill], buyer_maker: bool
    ) -> None:
        """Remove levels the fair price moved through; the first ones become trades."""
        sizes = self.book.side(side).sizes
        for rank, price in enumerate(prices):
            if rank < _MAX_SWEEP_TRADES:
                fills.append((price, sizes[price], buyer_maker))
            self.book.set(side, price, 0)

    def _keep_depth(self, side: Side) -> None:
        book_side = self.book.side(side)
        away = -1 if side is Side.BID else 1
        while len(book_side) > MAX_LEVELS:
            worst = book_side.worst()
            assert worst is not None
            self.book.set(side, worst, 0)
        while len(book_side) < MIN_LEVELS:
            worst = book_side.worst()
            if worst is None:
                return
            price = worst + away * self.rng.choices(*_GAPS)[0]
            if price < 1:
                return
            self.book.set(side, price, self._level_size())
