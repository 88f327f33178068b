"""Realistic WEEX V3 push frames for the benchmarks, built as plain dicts.

Everything here is pure and deterministic (seeded ``random.Random``), so every
round of a benchmark, and the floor and the SDK within a round, see exactly the
same bytes. Shapes follow WEEX-WS.md §1.5 and the golden frames in
``tests/frames/`` (``contract-v3-public-ticker.json``,
``contract-v3-public-depth200-changed.json``):

* :func:`ticker_frames`: 24 h tickers, round-robin over several symbols, with a
  random walk of the last price;
* :class:`BookModel` / :func:`depth_frames`: a ``depthSnapshot`` of ``depth``
  levels per side, then deltas changing 1–5 levels each, keeping
  the version chain (each ``U`` equals the previous frame's ``u``) and the
  window (a level entering the top-N pushes the worst one out with size ``"0"``);
* :func:`marked` adds the ``"bench"`` marker the runners use to find the
  measured window, and :func:`stamped_template` splits a ticker around a
  nanosecond send-time field for the latency runners. Both are extra fields the
  SDK keeps in ``StreamMessage.raw`` (the ticker item; the whole depth frame).

Imports: orjson and the standard library only (never the SDK: the frames must
not share the client's understanding of the protocol).
"""

from __future__ import annotations

import bisect
import copy
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = [
    "BOOK_SYMBOL",
    "MARK_FIELD",
    "SEND_TIME_FIELD",
    "TICKER_SYMBOLS",
    "BookModel",
    "depth_frames",
    "encode",
    "marked",
    "stamped_template",
    "ticker_frames",
]

Frame = dict[str, Any]

#: Symbols of the ticker scenarios (the runners subscribe to all of them).
TICKER_SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT")
#: The symbol of the order book scenarios.
BOOK_SYMBOL = "ETHUSDT"
#: Extra field marking the first (``"start"``) and last (``"end"``) frame of the
#: measured window: in the ticker item, or at the top level of a depth frame.
MARK_FIELD = "bench"
#: Extra ticker-item field carrying the server's send time, ``time.time_ns()``.
SEND_TIME_FIELD = "bt"

# The golden ticker's event time; frames advance from here.
_EPOCH_MS = 1775120226169
# 19 digits, like time.time_ns() until 2286: the template keeps its length.
_TIME_PLACEHOLDER = 1234567890123456789


@dataclass(frozen=True, slots=True)
class _Market:
    price: int  # in ticks
    decimals: int  # price decimals: one tick is 10**-decimals


_MARKETS = {
    "BTCUSDT": _Market(651234, 1),
    "ETHUSDT": _Market(222721, 2),
    "SOLUSDT": _Market(14512, 2),
    "XRPUSDT": _Market(5123, 4),
}


def _px(ticks: int, decimals: int) -> str:
    """Integer ticks as WEEX's decimal text: ``222721, 2`` -> ``"2227.21"``."""
    sign = "-" if ticks < 0 else ""
    whole, frac = divmod(abs(ticks), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"


def _lots(lots: int) -> str:
    """A size in thousandths as text: ``12345`` -> ``"12.345"``."""
    return _px(lots, 3)


def encode(frame: Frame) -> bytes:
    """The frame as compact JSON bytes, the way WEEX sends it."""
    return orjson.dumps(frame)


def marked(frame: Frame, mark: str) -> Frame:
    """A copy of ``frame`` carrying ``MARK_FIELD = mark``.

    Tickers carry it in their item (the SDK's ``msg.raw``); depth frames at the
    top level (a book message's ``raw`` is the whole frame).
    """
    out = copy.deepcopy(frame)
    if out["e"] == "ticker":
        out["d"][0][MARK_FIELD] = mark
    else:
        out[MARK_FIELD] = mark
    return out


# -- tickers ---------------------------------------------------------------------


def ticker_frames(
    symbols: tuple[str, ...] = TICKER_SYMBOLS, count: int = 4096, *, seed: int = 1
) -> list[Frame]:
    """``count`` ticker pushes (WEEX-WS.md §1.5), round-robin over ``symbols``.

    Each symbol's last price walks a few ticks per push; open, high, low, change
    (absolute and as a fraction), volumes and the trade count follow from it.
    """
    rng = random.Random(seed)
    state = {s: _TickerState(_MARKETS.get(s, _Market(100000, 2))) for s in symbols}
    frames = []
    for i in range(count):
        symbol = symbols[i % len(symbols)]
        frames.append(state[symbol].push(symbol, _EPOCH_MS + 25 * i, rng))
    return frames


class _TickerState:
    """One symbol's 24 h statistics, updated trade by trade."""

    def __init__(self, market: _Market) -> None:
        self.market = market
        self.open = market.price * 1021 // 1000  # the day is down 2 %
        self.last = market.price
        self.high = self.open
        self.low = market.price
        self.volume = 760383679  # thousandths
        self.trades = 535239

    def push(self, symbol: str, now_ms: int, rng: random.Random) -> Frame:
        dec = self.market.decimals
        self.last = max(1, self.last + rng.randint(-3, 3))
        self.high = max(self.high, self.last)
        self.low = min(self.low, self.last)
        traded = rng.randint(1, 5000)
        self.volume += traded
        self.trades += rng.randint(1, 4)
        change = self.last - self.open
        weighted = (self.high + self.low + self.last) // 3
        quote = self.volume * weighted // 1000  # quote volume in ticks
        item = {
            "p": _px(change, dec),
            # WEEX-WS.md §1.5: "P" is a fraction (0.005192 = 0.52 %), 6 decimals.
            "P": f"{change / self.open:.6f}",
            "w": _px(weighted, dec),
            "c": _px(self.last, dec),
            "o": _px(self.open, dec),
            "h": _px(self.high, dec),
            "l": _px(self.low, dec),
            "v": _lots(self.volume),
            "q": _px(quote, dec),
            "O": now_ms - 86_400_000,
            "C": now_ms,
            "n": self.trades,
            "m": _px(self.last + rng.randint(-1, 1), dec),
            "i": _px(self.last + rng.randint(-2, 2), dec),
        }
        return {"e": "ticker", "E": now_ms, "s": symbol, "d": [item]}


def stamped_template(
    symbol: str = TICKER_SYMBOLS[0], mark: str | None = None
) -> tuple[bytes, bytes]:
    """A ticker frame split around its send-time value: ``(prefix, suffix)``.

    ``prefix + str(time.time_ns()).encode() + suffix`` is a complete frame whose
    item carries ``SEND_TIME_FIELD`` (an integer of nanoseconds since the epoch),
    so the latency runners compare it with their own ``time.time_ns()``; with
    ``mark`` the item also carries ``MARK_FIELD``.
    """
    frame = ticker_frames((symbol,), 1)[0]
    if mark is not None:
        frame = marked(frame, mark)
    frame["d"][0][SEND_TIME_FIELD] = _TIME_PLACEHOLDER
    prefix, _, suffix = encode(frame).partition(str(_TIME_PLACEHOLDER).encode())
    return prefix, suffix


# -- order book ------------------------------------------------------------------


class BookModel:
    """The server's side of one order book: ``depth`` levels per side, in ticks.

    Args:
        symbol: the book's symbol.
        depth: levels per side (15 or 200 on WEEX).
        rng: the random source (seeded by the caller).
        first_id: the snapshot's ``U``.
    """

    def __init__(
        self, symbol: str, depth: int, rng: random.Random, first_id: int = 14181847790
    ) -> None:
        market = _MARKETS.get(symbol, _Market(100000, 2))
        self.symbol = symbol
        self.depth = depth
        self.decimals = market.decimals
        self._rng = rng
        # price ticks -> size in thousandths, and the prices sorted ascending.
        self._sizes: dict[bool, dict[int, int]] = {True: {}, False: {}}
        self._keys: dict[bool, list[int]] = {True: [], False: []}
        for is_bid, step in ((True, -1), (False, 1)):
            tick = market.price + step
            for _ in range(depth):
                self._set(is_bid, tick, self._size())
                tick += step * rng.randint(1, 3)
        self.last_id = first_id
        self._first_id = first_id
        self.time_ms = _EPOCH_MS

    def _size(self) -> int:
        return self._rng.randint(1, 60000)

    def _set(self, is_bid: bool, price: int, size: int) -> None:
        sizes = self._sizes[is_bid]
        if price not in sizes:
            bisect.insort(self._keys[is_bid], price)
        sizes[price] = size

    def _delete(self, is_bid: bool, price: int) -> None:
        del self._sizes[is_bid][price]
        keys = self._keys[is_bid]
        del keys[bisect.bisect_left(keys, price)]

    def _best(self, is_bid: bool, rank: int) -> int:
        """The price of the ``rank``-th best level (0 is the best)."""
        keys = self._keys[is_bid]
        return keys[-1 - rank] if is_bid else keys[rank]

    def _pairs(self, levels: dict[int, int]) -> list[list[str]]:
        # WEEX-WS.md §1.5: size "0" deletes a level.
        return [
            [_px(p, self.decimals), _lots(s) if s else "0"] for p, s in levels.items()
        ]

    def top(self, side: str) -> list[tuple[str, str]]:
        """The side's levels, best first, as wire text (for tests)."""
        is_bid = side == "bids"
        sizes = self._sizes[is_bid]
        keys = self._keys[is_bid]
        order = reversed(keys) if is_bid else keys
        return [(_px(p, self.decimals), _lots(sizes[p])) for p in order]

    def snapshot(self) -> Frame:
        """The ``depthSnapshot`` frame of the current book (best first)."""
        self.last_id = self._first_id + self._rng.randint(5, 20)
        bids = {p: self._sizes[True][p] for p in reversed(self._keys[True])}
        asks = {p: self._sizes[False][p] for p in self._keys[False]}
        return self._frame(
            "depthSnapshot", self._first_id, "SNAPSHOT", bids, asks, advance=False
        )

    def delta(self) -> Frame:
        """A ``depth`` frame changing 1–5 levels; ``U`` is the previous ``u``."""
        rng = self._rng
        remaining = rng.randint(1, 5)
        changes: dict[bool, dict[int, int]] = {True: {}, False: {}}
        while remaining:
            is_bid = rng.random() < 0.5
            out = changes[is_bid]
            op = rng.random()
            if remaining >= 2 and op < 0.15:
                self._replace(is_bid, out)
                remaining -= 2
            elif remaining >= 2 and op < 0.30:
                self._insert(is_bid, out)
                remaining -= 2
            else:
                price = self._pick(is_bid)
                self._set(is_bid, price, self._size())
                out[price] = self._sizes[is_bid][price]
                remaining -= 1
        # WEEX-WS.md §1.5: every following frame's U equals the previous u.
        first = self.last_id
        self.last_id = first + rng.randint(1, 15)
        return self._frame("depth", first, "CHANGED", changes[True], changes[False])

    def _frame(
        self,
        event: str,
        first: int,
        kind: str,
        bids: dict[int, int],
        asks: dict[int, int],
        *,
        advance: bool = True,
    ) -> Frame:
        self.time_ms += 100 if advance else 0
        return {
            "e": event,
            "E": self.time_ms,
            "s": self.symbol,
            "U": first,
            "u": self.last_id,
            "l": self.depth,
            "d": kind,
            "b": self._pairs(bids),
            "a": self._pairs(asks),
        }

    def _pick(self, is_bid: bool) -> int:
        """An existing price, most often near the top of the book."""
        return self._best(is_bid, int(self.depth * self._rng.random() ** 3))

    def _replace(self, is_bid: bool, out: dict[int, int]) -> None:
        """A level is pulled ("0") and the next deeper one enters the window."""
        price = self._pick(is_bid)
        self._delete(is_bid, price)
        out[price] = 0
        step = -1 if is_bid else 1
        deeper = self._best(is_bid, self.depth - 2) + step * self._rng.randint(1, 3)
        self._set(is_bid, deeper, self._size())
        out[deeper] = self._sizes[is_bid][deeper]

    def _insert(self, is_bid: bool, out: dict[int, int]) -> None:
        """A new level inside the window; the worst one leaves it with "0"."""
        rng = self._rng
        best = self._best(is_bid, 0)
        step = 1 if is_bid else -1
        if abs(self._best(not is_bid, 0) - best) > 1 and rng.random() < 0.3:
            price = best + step  # improves the best price, never crosses
        else:
            # Just behind a level that is not the worst: stays inside the window.
            price = self._best(is_bid, int((self.depth - 1) * rng.random() ** 2)) - step
        known = price in self._sizes[is_bid]
        self._set(is_bid, price, self._size())
        out[price] = self._sizes[is_bid][price]
        if not known:
            worst = self._best(is_bid, self.depth)
            self._delete(is_bid, worst)
            out[worst] = 0


def depth_frames(
    symbol: str = BOOK_SYMBOL, depth: int = 200, deltas: int = 1000, *, seed: int = 2
) -> Iterator[Frame]:
    """A snapshot, then ``deltas`` deltas of a ``depth``-level book (WEEX-WS.md §1.5).

    A generator: a long stream is encoded frame by frame, never held as dicts.
    """
    model = BookModel(symbol, depth, random.Random(seed))
    yield model.snapshot()
    for _ in range(deltas):
        yield model.delta()
