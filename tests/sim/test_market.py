"""Pure tests of the simulator's market engine, candles and number text (no loop)."""

from __future__ import annotations

import decimal
import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events.sim import frames
from weex_events.sim.candles import INTERVALS, bar_end, bar_start
from weex_events.sim.instruments import DEFAULT_SYMBOLS, fixed, ratio, select
from weex_events.sim.market import MIN_LEVELS, MarketEngine

START = 1_767_225_600_000  # 2026-01-01T00:00:00Z, a Thursday


def _ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()) * 1000


def _run(engine: MarketEngine, steps: int) -> list[bytes]:
    """Every frame a subscriber to everything would get, step by step."""
    out: list[bytes] = []
    for _ in range(steps):
        step = engine.step()
        for sym in engine.symbols:
            inst = engine.instrument(sym)
            bids, asks = engine.book(sym).top(15)
            version = engine.book(sym).version
            out.append(
                frames.depth(
                    inst, step.time_ms, first=version, last=version, levels=15,
                    snapshot=True, bids=bids, asks=asks,
                )
            )  # fmt: skip
            if sym in step.trades:
                out.append(
                    frames.trades(inst, step.time_ms, step.trades[sym], snapshot=False)
                )
            if sym in step.tickers:
                out.append(frames.ticker(inst, step.time_ms, engine.ticker(sym)))
            bars = engine.klines(sym, "1m", 0)
            out.append(
                frames.klines(
                    inst, step.time_ms, "1m", "LAST_PRICE", bars, snapshot=False
                )
            )
    return out


def test_same_seed_gives_identical_frames() -> None:
    """Two engines with the same seed and steps produce byte-identical frames."""
    first = _run(MarketEngine(["BTCUSDT", "ADAUSDT"], seed=5, start_time_ms=START), 150)
    second = _run(
        MarketEngine(["BTCUSDT", "ADAUSDT"], seed=5, start_time_ms=START), 150
    )
    assert first == second


def test_different_seed_gives_different_market() -> None:
    """A different seed gives a different market."""
    first = _run(MarketEngine(["BTCUSDT"], seed=5, start_time_ms=START), 30)
    second = _run(MarketEngine(["BTCUSDT"], seed=6, start_time_ms=START), 30)
    assert first != second


def test_symbol_market_does_not_depend_on_other_symbols() -> None:
    """BTCUSDT moves the same whether or not other symbols are simulated."""
    alone = MarketEngine(["BTCUSDT"], seed=2, start_time_ms=START)
    crowded = MarketEngine(None, seed=2, start_time_ms=START)
    for _ in range(50):
        alone.step()
        crowded.step()
    assert alone.depth("BTCUSDT", 200) == crowded.depth("BTCUSDT", 200)


def test_books_stay_deep_uncrossed_and_versioned() -> None:
    """Every book keeps >= 200 levels a side, bids < asks, and a rising version."""
    engine = MarketEngine(seed=3, start_time_ms=START)
    versions = {s: engine.book(s).version for s in engine.symbols}
    initial = dict(versions)
    for _ in range(300):
        engine.step()
        for sym in engine.symbols:
            book = engine.book(sym)
            assert len(book.bids) >= MIN_LEVELS and len(book.asks) >= MIN_LEVELS
            best_bid, best_ask = book.bids.best(), book.asks.best()
            assert best_bid is not None and best_ask is not None
            assert best_bid < best_ask
            assert book.version >= versions[sym]
            versions[sym] = book.version
    assert all(versions[s] > initial[s] + 300 for s in engine.symbols)


def test_prices_and_sizes_carry_the_instrument_decimals() -> None:
    """Depth text has exactly the tick's and the step's decimals."""
    engine = MarketEngine(seed=1, start_time_ms=START)
    engine.step()
    for sym in engine.symbols:
        inst = engine.instrument(sym)
        bids, asks, _ = engine.depth(sym, 200)
        for price, size in bids + asks:
            assert len(price.partition(".")[2]) == inst.price_decimals
            assert len(size.partition(".")[2]) == inst.size_decimals
            assert decimal.Decimal(price) > 0 and decimal.Decimal(size) > 0


def test_instrument_table_matches_weex_conventions() -> None:
    """BTC, ETH and ADA have WEEX's tick sizes and quantity steps."""
    btc, eth, ada = select(["BTCUSDT", "ETHUSDT", "ADAUSDT"])
    assert (btc.price(btc.start_price), btc.size(1)) == ("100000.0", "0.001")
    assert (eth.price(eth.start_price), eth.size(1)) == ("3500.00", "0.01")
    assert (ada.price(ada.start_price), ada.size(1)) == ("0.7000", "1")
    assert len(DEFAULT_SYMBOLS) >= 10
    with pytest.raises(ValueError, match="FOOUSDT"):
        select(["FOOUSDT"])


def test_trades_print_on_the_correct_side_of_the_book() -> None:
    """Taker buys (m=false) lift asks and taker sells (m=true) hit bids."""
    engine = MarketEngine(seed=4, start_time_ms=START)
    seen = 0
    for _ in range(300):
        before = {
            s: (engine.book(s).bids.best(), engine.book(s).asks.best())
            for s in engine.symbols
        }
        step = engine.step()
        for sym, trades in step.trades.items():
            old_bid, old_ask = before[sym]
            new_bid, new_ask = (
                engine.book(sym).bids.best(),
                engine.book(sym).asks.best(),
            )
            assert old_bid and old_ask and new_bid and new_ask
            for trade in trades:
                seen += 1
                if (
                    trade.buyer_maker
                ):  # a sell: at an old bid swept, or below the new ask
                    assert trade.price <= old_bid or trade.price < new_ask
                else:
                    assert trade.price >= old_ask or trade.price > new_bid
    assert seen > 100


def test_ticker_statistics_follow_the_trades() -> None:
    """Volume, quote volume, count, last, high and low move with each trade."""
    engine = MarketEngine(["ETHUSDT"], seed=8, start_time_ms=START + 1_000)
    before = engine.ticker("ETHUSDT")
    volume = quote = count = 0
    prices: list[int] = []
    for _ in range(50):  # 5 s: the 1 m window does not roll
        for trade in engine.step().trades.get("ETHUSDT", ()):
            volume += trade.size
            quote += trade.price * trade.size
            count += 1
            prices.append(trade.price)
    after = engine.ticker("ETHUSDT")
    assert prices
    assert after.volume - before.volume == volume
    assert after.quote_volume - before.quote_volume == quote
    assert after.count - before.count == count
    assert after.last == prices[-1]
    assert after.high >= max(prices) and after.low <= min(prices)
    assert after.open == before.open
    assert after.close_time - after.open_time == 86_400_000


def test_one_minute_bar_rolls_over_on_time() -> None:
    """The 1 m bar in progress closes at its T and a new one opens at that time."""
    engine = MarketEngine(["BTCUSDT"], seed=1, start_time_ms=START - 500)
    old = engine.klines("BTCUSDT", "1m", 0)[0]
    assert (old.t, old.T) == (START - 60_000, START)
    rolled = [engine.step() for _ in range(6)]
    assert any("BTCUSDT" in step.klines for step in rolled)
    history = engine.klines("BTCUSDT", "1m", 1)
    assert history[0].t == old.t and history[1].t == START
    assert history[1].T == START + 60_000


@pytest.mark.parametrize("interval", INTERVALS)
def test_kline_history_is_contiguous(interval: str) -> None:
    """Each interval has 100 contiguous closed bars ending where the current opens."""
    engine = MarketEngine(["ADAUSDT"], seed=1, start_time_ms=START + 12_345)
    bars = engine.klines("ADAUSDT", interval)
    assert len(bars) == 101
    for older, newer in itertools.pairwise(bars):
        assert newer.t == older.T
        assert older.l <= min(older.o, older.c) <= max(older.o, older.c) <= older.h
    assert bars[-1].t <= START + 12_345 < bars[-1].T


def test_calendar_intervals() -> None:
    """Weeks start on Monday, months on the 1st, days at midnight UTC."""
    t = _ms(2026, 3, 18, 15, 30)  # a Wednesday
    assert bar_start("1w", t) == _ms(2026, 3, 16)
    assert bar_end("1w", _ms(2026, 3, 16)) == _ms(2026, 3, 23)
    assert bar_start("1M", t) == _ms(2026, 3, 1)
    assert bar_end("1M", _ms(2025, 12, 1)) == _ms(2026, 1, 1)
    assert bar_start("1d", t) == _ms(2026, 3, 18)
    assert bar_start("4h", t) == _ms(2026, 3, 18, 12)


@given(st.integers(-(10**20), 10**20), st.integers(0, 12))
def test_fixed_renders_exact_decimals(value: int, decimals: int) -> None:
    """``fixed`` renders value × 10^-decimals exactly, with that many decimals."""
    text = fixed(value, decimals)
    assert decimal.Decimal(text) == decimal.Decimal(value).scaleb(-decimals)
    assert len(text.partition(".")[2]) == decimals


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**9), st.integers(0, 10))
def test_ratio_rounds_to_the_nearest(
    numerator: int, denominator: int, decimals: int
) -> None:
    """``ratio`` is within half a unit of the last decimal of the true quotient."""
    text = ratio(numerator, denominator, decimals)
    exact = decimal.Decimal(numerator) / decimal.Decimal(denominator)
    assert abs(decimal.Decimal(text) - exact) <= decimal.Decimal(5).scaleb(
        -decimals - 1
    )
    assert len(text.partition(".")[2]) == decimals
