"""Klines (candles) and the rolling 24 h statistics derived from them.

A :class:`CandleSeries` holds closed bars plus the bar in progress for one symbol
and one interval; live trades update the bar in progress and time rolls it over
(WEEX-WS.md §1.5: a bar is closed when a bar with a later ``t`` arrives; ``T`` is
exclusive). History is synthesised backwards from the start price with a seeded
random walk, so the first ``klineSnapshot`` looks like a real chart. :class:`DayStats`
aggregates the 1 m series into the ticker's 24 h window.

Pure: randomness comes from the caller's ``random.Random``; time is passed in.
Imports: stdlib only.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "DAY_MS",
    "INTERVALS",
    "Bar",
    "CandleSeries",
    "DayStats",
    "bar_end",
    "bar_start",
]

DAY_MS = 86_400_000
#: Kline intervals WEEX serves (WEEX-WS.md §1.5). ``1M`` is a calendar month.
INTERVALS = (
    "1m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w", "1M",
)  # fmt: skip
_MINUTE = 60_000
_FIXED_MS = {
    "1m": _MINUTE,
    "5m": 5 * _MINUTE,
    "15m": 15 * _MINUTE,
    "30m": 30 * _MINUTE,
    "1h": 60 * _MINUTE,
    "2h": 120 * _MINUTE,
    "4h": 240 * _MINUTE,
    "6h": 360 * _MINUTE,
    "8h": 480 * _MINUTE,
    "12h": 720 * _MINUTE,
    "1d": DAY_MS,
}
_WEEK_MS = 7 * DAY_MS
# 1970-01-05 was a Monday; exchange weeks start on Monday 00:00 UTC.
_MONDAY_MS = 4 * DAY_MS
#: Daily volatility of the synthesised history (a calm crypto market).
_DAILY_VOL = 0.03


def _month_start(t_ms: int, months_ahead: int = 0) -> int:
    day = datetime.fromtimestamp(t_ms / 1000, UTC)
    index = day.year * 12 + day.month - 1 + months_ahead
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return int(start.timestamp()) * 1000


def bar_start(interval: str, t_ms: int) -> int:
    """Open time (ms) of the ``interval`` bar that contains ``t_ms``."""
    if interval == "1M":
        return _month_start(t_ms)
    if interval == "1w":
        return (t_ms - _MONDAY_MS) // _WEEK_MS * _WEEK_MS + _MONDAY_MS
    size = _FIXED_MS[interval]
    return t_ms // size * size


def bar_end(interval: str, start_ms: int) -> int:
    """Close time (ms, exclusive) of the bar opened at ``start_ms``."""
    if interval == "1M":
        return _month_start(start_ms, 1)
    if interval == "1w":
        return start_ms + _WEEK_MS
    return start_ms + _FIXED_MS[interval]


@dataclass(slots=True)
class Bar:
    """One candle. Prices in ticks; ``v``/``V`` in units; ``q``/``Q`` in ticks×units.

    ``V``/``Q`` are the taker-buy base and quote volumes, ``n`` the trade count.
    """

    t: int
    T: int
    o: int
    h: int
    l: int  # noqa: E741 - WEEX's own field name
    c: int
    v: int = 0
    q: int = 0
    n: int = 0
    V: int = 0
    Q: int = 0

    def add(self, price: int, size: int, taker_buy: bool) -> None:
        """Account one trade in this bar."""
        if self.n == 0 and self.v == 0:
            self.o = self.h = self.l = price
        self.h = max(self.h, price)
        self.l = min(self.l, price)
        self.c = price
        self.v += size
        self.q += price * size
        self.n += 1
        if taker_buy:
            self.V += size
            self.Q += price * size


@dataclass(frozen=True, slots=True)
class FlowModel:
    """How much trades per millisecond the history should show, to match live flow."""

    units_per_ms: float
    mean_trade_units: float


class CandleSeries:
    """Closed bars (oldest first) and the bar in progress for one interval."""

    __slots__ = ("current", "history", "interval")

    def __init__(
        self, interval: str, history: list[Bar], current: Bar, keep: int
    ) -> None:
        self.interval = interval
        self.history: deque[Bar] = deque(history[-keep:], maxlen=keep)
        self.current = current

    @classmethod
    def synthesize(
        cls,
        interval: str,
        *,
        close: int,
        now_ms: int,
        count: int,
        flow: FlowModel,
        rng: random.Random,
    ) -> CandleSeries:
        """Build ``count`` closed bars and a partial current bar ending at ``close``.

        Walks backwards from ``close`` so the newest bar meets the live price.
        """
        start = bar_start(interval, now_ms)
        current = _fake_bar(start, bar_end(interval, start), now_ms, close, flow, rng)
        bars: list[Bar] = []
        end, price = start, current.o
        for _ in range(count):
            begin = bar_start(interval, end - 1)
            bar = _fake_bar(begin, end, end, price, flow, rng)
            bars.append(bar)
            end, price = begin, bar.o
        bars.reverse()
        return cls(interval, bars, current, count)

    def roll(self, now_ms: int) -> bool:
        """Close the current bar once ``now_ms`` reaches its ``T``; say if it did."""
        rolled = False
        while now_ms >= self.current.T:
            done = self.current
            self.history.append(done)
            t = done.T
            self.current = Bar(
                t, bar_end(self.interval, t), done.c, done.c, done.c, done.c
            )
            rolled = True
        return rolled

    def snapshot(self, count: int) -> list[Bar]:
        """The last ``count`` closed bars and the bar in progress, oldest first."""
        closed = list(self.history)[-count:] if count > 0 else []
        return [*closed, self.current]


def _fake_bar(
    t: int, T: int, until: int, close: int, flow: FlowModel, rng: random.Random
) -> Bar:
    """A plausible bar covering ``[t, until)`` that closes at ``close`` ticks."""
    span = max(0, until - t)
    if span == 0:
        return Bar(t, T, close, close, close, close)
    vol = _DAILY_VOL * math.sqrt(span / DAY_MS)
    opened = max(1, round(close * math.exp(vol * rng.gauss(0.0, 1.0))))
    wick = vol * 0.5
    high = max(opened, close)
    high = max(high, round(high * (1 + abs(rng.gauss(0.0, wick)))))
    low = min(opened, close)
    low = max(1, min(low, round(low * (1 - abs(rng.gauss(0.0, wick))))))
    volume = max(1, round(flow.units_per_ms * span * rng.lognormvariate(0.0, 0.4)))
    quote = volume * ((opened + close + high + low) // 4)
    buy_share = rng.uniform(0.35, 0.65)
    count = max(1, round(volume / flow.mean_trade_units))
    return Bar(
        t, T, opened, high, low, close, volume, quote, count,
        round(volume * buy_share), round(quote * buy_share),
    )  # fmt: skip


class DayStats:
    """Rolling 24 h aggregates over a 1 m :class:`CandleSeries`.

    The window is the closed 1 m bars kept (1440 of them, 24 h) plus the bar in
    progress: ``O`` = oldest kept bar's open time, ``C`` = the current minute's start.
    Closed bars are summed once per minute (:meth:`refresh`); the current bar is added
    on read, so trades show up at once.
    """

    __slots__ = ("_high", "_low", "_n", "_q", "_v", "minutes")

    def __init__(self, minutes: CandleSeries) -> None:
        self.minutes = minutes
        self._v = self._q = self._n = 0
        self._high = self._low = 0
        self.refresh()

    def refresh(self) -> None:
        """Re-aggregate the closed bars (call after the 1 m series rolled)."""
        bars = self.minutes.history
        self._v = sum(b.v for b in bars)
        self._q = sum(b.q for b in bars)
        self._n = sum(b.n for b in bars)
        self._high = max((b.h for b in bars), default=0)
        self._low = min((b.l for b in bars), default=0)

    @property
    def open(self) -> int:
        """Price at the start of the window (ticks)."""
        bars = self.minutes.history
        return bars[0].o if bars else self.minutes.current.o

    @property
    def open_time(self) -> int:
        """``O``: window start (ms)."""
        bars = self.minutes.history
        return bars[0].t if bars else self.minutes.current.t

    @property
    def close_time(self) -> int:
        """``C``: start of the current minute (ms)."""
        return self.minutes.current.t

    @property
    def last(self) -> int:
        """Last traded price (ticks)."""
        return self.minutes.current.c

    @property
    def high(self) -> int:
        """Highest price in the window (ticks)."""
        cur = self.minutes.current
        return max(self._high, cur.h) if self._high else cur.h

    @property
    def low(self) -> int:
        """Lowest price in the window (ticks)."""
        cur = self.minutes.current
        return min(self._low, cur.l) if self._low else cur.l

    @property
    def volume(self) -> int:
        """Base volume (units)."""
        return self._v + self.minutes.current.v

    @property
    def quote_volume(self) -> int:
        """Quote volume (ticks × units)."""
        return self._q + self.minutes.current.q

    @property
    def count(self) -> int:
        """Trade count."""
        return self._n + self.minutes.current.n
