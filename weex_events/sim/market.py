"""The deterministic market engine behind the simulator.

Seeded ``random.Random`` generators (one per symbol, from the seed and the symbol)
and explicit :meth:`MarketEngine.step` calls drive every symbol: a mean-reverting
random walk of a fair price, a 200+ level book kept around it (never crossed), taker
trades at the touch (a taker buy lifts the best ask, ``m`` = buyer is maker), klines of
every interval and the ticker's 24 h window. The engine never reads a clock: time is
``start_time_ms`` plus ``step_ms`` per step, so the same seed and the same number of
steps always give the same market, and the same frames.

Imports: stdlib and ``sim.instruments``/``sim.orderbook``/``sim.liquidity``/
``sim.candles``.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .candles import INTERVALS, Bar, CandleSeries, DayStats, FlowModel
from .instruments import INSTRUMENTS, Instrument, select
from .liquidity import MAX_LEVELS, MIN_LEVELS, Fill, Liquidity
from .orderbook import OrderBook

__all__ = [
    "DEFAULT_START_MS",
    "MAX_LEVELS",
    "MIN_LEVELS",
    "MarketEngine",
    "StepResult",
    "TickerStats",
    "Trade",
]

#: Default simulated epoch: 2026-01-01T00:00:00Z.
DEFAULT_START_MS = 1_767_225_600_000
#: Log-price volatility per step and pull back towards the start price.
_SIGMA = 1e-5
_REVERSION = 1e-4
#: How many taker trades hit the touch per step, and how often.
_TOUCH_TRADES = ((0, 1, 2, 3), (45, 30, 15, 10))


@dataclass(frozen=True, slots=True)
class Trade:
    """One public trade. ``price`` in ticks, ``size`` in units."""

    time: int
    trade_id: str
    price: int
    size: int
    buyer_maker: bool


@dataclass(frozen=True, slots=True)
class TickerStats:
    """24 h statistics of one symbol; prices in ticks, volumes in units.

    ``quote_volume`` is in ticks × units; ``index`` in hundredths of a tick.
    """

    symbol: str
    open: int
    high: int
    low: int
    last: int
    volume: int
    quote_volume: int
    count: int
    open_time: int
    close_time: int
    mark: int
    index: int


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one step changed, so the server knows what to push.

    Attributes:
        time_ms: simulated time after the step.
        trades: new trades per symbol (only symbols that traded), oldest first.
        tickers: symbols whose ticker push is due.
        klines: symbols whose bars changed (a trade or a rollover).
        depth: whether depth pushes are due this step.
    """

    time_ms: int
    trades: Mapping[str, tuple[Trade, ...]]
    tickers: tuple[str, ...]
    klines: frozenset[str]
    depth: bool


class _SymbolState:
    __slots__ = (
        "anchor", "book", "candles", "day", "index", "inst", "liquidity", "log_fair",
        "mark", "next_ticker", "rng", "trades",
    )  # fmt: skip

    def __init__(
        self, inst: Instrument, rng: random.Random, book: OrderBook, trade_history: int
    ) -> None:
        self.inst = inst
        self.rng = rng
        self.book = book
        self.liquidity = Liquidity(inst, rng, book)
        self.anchor = self.log_fair = math.log(inst.start_price + 0.5)
        self.trades: deque[Trade] = deque(maxlen=trade_history)
        self.candles: dict[str, CandleSeries] = {}
        self.day: DayStats
        self.mark = inst.start_price
        self.index = inst.start_price * 100
        self.next_ticker = 0


class MarketEngine:
    """Deterministic market for a set of symbols.

    Args:
        symbols: symbols to simulate (default: every known instrument).
        seed: seed of the single random generator.
        start_time_ms: simulated time before the first step.
        step_ms: simulated milliseconds per step.
        ticker_interval_ms: range of the random delay between ticker pushes.
        depth_every: depth pushes are due every this many steps.
        trade_history: trades kept for ``tradeSnapshot``.
        kline_history: closed bars kept per interval for ``klineSnapshot``.
        catalogue: the instruments ``symbols`` are taken from (default: the
            perpetuals of ``sim.instruments``; spot has its own table).
        venue: names the random streams, so another venue's market with the same
            seed and symbols moves on its own (``""``: the contract market).
    """

    def __init__(
        self,
        symbols: Sequence[str] | None = None,
        *,
        seed: int = 1,
        start_time_ms: int = DEFAULT_START_MS,
        step_ms: int = 100,
        ticker_interval_ms: tuple[int, int] = (100, 300),
        depth_every: int = 1,
        trade_history: int = 50,
        kline_history: int = 100,
        catalogue: Sequence[Instrument] = INSTRUMENTS,
        venue: str = "",
    ) -> None:
        if step_ms < 1 or depth_every < 1:
            raise ValueError("step_ms and depth_every must be positive")
        lo, hi = ticker_interval_ms
        if not 0 < lo <= hi:
            raise ValueError(
                "ticker_interval_ms must be (low, high) with 0 < low <= high"
            )
        self.seed = seed
        self.now_ms = start_time_ms
        self.steps = 0
        self.step_ms = step_ms
        self._ticker_ms = (lo, hi)
        self._depth_every = depth_every
        self._kline_history = kline_history
        self._venue = venue
        self._state: dict[str, _SymbolState] = {}
        for inst in select(symbols, catalogue):
            self._state[inst.symbol] = self._build(inst, trade_history)

    # -- reading ---------------------------------------------------------------

    @property
    def symbols(self) -> tuple[str, ...]:
        """Simulated symbols, upper case, in a fixed order."""
        return tuple(self._state)

    def instrument(self, symbol: str) -> Instrument:
        """The :class:`Instrument` of ``symbol`` (``KeyError`` if not simulated)."""
        return self._state[symbol].inst

    def book(self, symbol: str) -> OrderBook:
        """The live full book of ``symbol`` (do not mutate)."""
        return self._state[symbol].book

    def depth(
        self, symbol: str, limit: int
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
        """``(bids, asks, version)``: top ``limit`` levels as WEEX text, best first."""
        state = self._state[symbol]
        inst = state.inst
        bids, asks = state.book.top(limit)
        return (
            [(inst.price(p), inst.size(q)) for p, q in bids],
            [(inst.price(p), inst.size(q)) for p, q in asks],
            state.book.version,
        )

    def recent_trades(self, symbol: str) -> list[Trade]:
        """The most recent trades of ``symbol``, oldest first."""
        return list(self._state[symbol].trades)

    def klines(self, symbol: str, interval: str, count: int | None = None) -> list[Bar]:
        """Closed bars (``count`` at most, default all kept), then the current one."""
        series = self._state[symbol].candles[interval]
        return series.snapshot(self._kline_history if count is None else count)

    def ticker(self, symbol: str) -> TickerStats:
        """The 24 h statistics of ``symbol`` as of the last step."""
        state = self._state[symbol]
        day = state.day
        return TickerStats(
            symbol=symbol,
            open=day.open,
            high=day.high,
            low=day.low,
            last=day.last,
            volume=day.volume,
            quote_volume=day.quote_volume,
            count=day.count,
            open_time=day.open_time,
            close_time=day.close_time,
            mark=state.mark,
            index=state.index,
        )

    # -- advancing -------------------------------------------------------------

    def push_price(self, symbol: str, price: str | Decimal | int | float) -> None:
        """Move the fair price of ``symbol`` to ``price``, and the level it reverts to.

        The book follows on the next :meth:`step`: levels the move crosses are swept
        (the first ones print as trades) and the best bid lands within a few ticks
        of ``price``. No random number is drawn here, so runs stay reproducible.

        Raises:
            KeyError: ``symbol`` is not simulated.
            ValueError: ``price`` is not a positive number of at least one tick.
        """
        state = self._state[symbol.upper()]
        try:
            ticks = Decimal(str(price)).scaleb(state.inst.price_decimals)
        except InvalidOperation:
            ticks = Decimal("NaN")
        if not ticks.is_finite() or ticks < 1:
            raise ValueError(f"not a usable price: {price!r}")
        state.anchor = state.log_fair = math.log(float(ticks) + 0.5)

    def step(self) -> StepResult:
        """Advance the market by one step of ``step_ms`` simulated milliseconds."""
        self.now_ms += self.step_ms
        self.steps += 1
        now = self.now_ms
        trades: dict[str, tuple[Trade, ...]] = {}
        klines: set[str] = set()
        tickers: list[str] = []
        for symbol, state in self._state.items():
            rolled = False
            for series in state.candles.values():
                rolled = series.roll(now) or rolled
            if rolled:
                state.day.refresh()
                klines.add(symbol)
            new = self._trade_step(state, now)
            if new:
                trades[symbol] = new
                klines.add(symbol)
            if now >= state.next_ticker:
                tickers.append(symbol)
                state.next_ticker = now + state.rng.randint(*self._ticker_ms)
        return StepResult(
            time_ms=now,
            trades=trades,
            tickers=tuple(tickers),
            klines=frozenset(klines),
            depth=self.steps % self._depth_every == 0,
        )

    # -- internals -------------------------------------------------------------

    def _build(self, inst: Instrument, trade_history: int) -> _SymbolState:
        # One generator per symbol: a symbol's market does not depend on which other
        # symbols are simulated. String seeds hash with SHA-512, stable across runs.
        venue = f"{self._venue}/" if self._venue else ""
        rng = random.Random(f"weex-sim/{venue}{self.seed}/{inst.symbol}")
        book = OrderBook(version=10_000_000_000 + rng.randrange(10**9))
        state = _SymbolState(inst, rng, book, trade_history)
        state.liquidity.seed(inst.start_price)
        # Expected touch trades per step, times the mean trade size (lognormal, mean 1).
        touch = sum(n * w for n, w in zip(*_TOUCH_TRADES, strict=True)) / 100
        flow = FlowModel(touch * inst.trade_lot / self.step_ms, float(inst.trade_lot))
        for interval in INTERVALS:
            count = 1440 if interval == "1m" else self._kline_history
            state.candles[interval] = CandleSeries.synthesize(
                interval,
                close=inst.start_price,
                now_ms=self.now_ms,
                count=count,
                flow=flow,
                rng=rng,
            )
        state.day = DayStats(state.candles["1m"])
        state.next_ticker = self.now_ms + rng.randint(*self._ticker_ms)
        self._seed_trades(state, trade_history)
        return state

    def _seed_trades(self, state: _SymbolState, count: int) -> None:
        """Trades before the start at the touch, so a first tradeSnapshot has some.

        They end on the start price, the close of the synthesised bars.
        """
        rng, inst = state.rng, state.inst
        time_ms = self.now_ms - count * self.step_ms
        for left in range(count, 0, -1):
            time_ms += rng.randint(1, self.step_ms)
            buy = left > 1 and rng.random() < 0.5
            price = inst.start_price + 1 if buy else inst.start_price
            size = state.liquidity.trade_size()
            trade_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            state.trades.append(Trade(time_ms, trade_id, price, size, not buy))

    def _trade_step(self, state: _SymbolState, now: int) -> tuple[Trade, ...]:
        rng, liquidity = state.rng, state.liquidity
        before = state.log_fair
        state.log_fair += rng.gauss(0.0, _SIGMA) - _REVERSION * (before - state.anchor)
        fair = math.exp(state.log_fair)
        fills = liquidity.follow(max(1, math.floor(fair)))
        buy_bias = 0.6 if state.log_fair > before else 0.4
        for _ in range(rng.choices(*_TOUCH_TRADES)[0]):
            fill = liquidity.take(rng.random() < buy_bias)
            if fill is not None:
                fills.append(fill)
        liquidity.churn()
        state.mark = max(1, round(fair + rng.gauss(0.0, 0.3)))
        state.index = max(1, round((fair + rng.gauss(0.0, 0.5)) * 100))
        return self._record(state, now, fills)

    def _record(
        self, state: _SymbolState, now: int, fills: list[Fill]
    ) -> tuple[Trade, ...]:
        """Stamp fills as trades inside the step and account them in every bar."""
        if not fills:
            return ()
        rng = state.rng
        offsets = sorted(rng.randrange(self.step_ms) for _ in fills)
        trades = []
        for (price, size, maker), back in zip(fills, reversed(offsets), strict=True):
            trade_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            trade = Trade(now - back, trade_id, price, size, maker)
            trades.append(trade)
            state.trades.append(trade)
            for series in state.candles.values():
                series.current.add(price, size, not maker)
        return tuple(trades)
