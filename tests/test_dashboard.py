"""The demo's live view: what fits, what the paper account shows, and a real terminal.

The pure parts (``fit``, ``DemoState``) are tested directly; the view is rendered
into a fixed-size ``rich`` console; and the whole ``weex-events demo`` runs in a
pseudo-terminal whose output a terminal emulator (pyte) turns back into a screen.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import re
import selectors
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyte
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from weex_events.dashboard import BOOK_LEVELS, TITLE, fit, render
from weex_events.demo_layout import MAX_LOG_ROWS
from weex_events.demo_state import DemoState, reason_in_words, unrealized_pnl
from weex_events.events import StreamMessage
from weex_events.held_logs import HeldLine, HeldLogs

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
TICKER_ROW = re.compile(r"^(BTCUSDT|ETHUSDT|SOLUSDT) +[\d.]+ +-?[\d.]+% +[\d.]+ *$")
BOOK_HEADER = "ORDER BOOK BTCUSDT"


def message(kind: str, data: dict[str, Any], symbol: str = "BTCUSDT") -> StreamMessage:
    return StreamMessage(f"{kind}:{symbol}", kind, symbol, data, 1.0, 2.0, None)


def _lines(height: int, plan: Any) -> int:
    """Screen lines the plan uses (the layout rules of ``fit``)."""
    used = 2
    used += 2 + plan.tickers if plan.tickers else 0
    book = 3 + plan.book_levels if plan.book_levels else 0
    trades = 2 + plan.trade_rows if plan.trade_rows else 0
    used += max(book, trades) if plan.side_by_side else book + trades
    used += 2 + plan.account_rows if plan.account_rows else 0
    used += 2 + plan.log_rows if plan.log_rows else 0
    return used


@given(
    st.integers(20, 300),
    st.integers(4, 100),
    st.integers(1, 8),
    st.integers(0, 20),
    st.integers(0, 20),
)
def test_fit_never_uses_more_than_the_screen(
    width: int, height: int, symbols: int, account: int, logs: int
) -> None:
    """Whatever the size, the planned panels leave the last line free."""
    plan = fit(width, height, symbols, account, logs)
    assert _lines(height, plan) <= height - 1
    assert plan.book_levels <= BOOK_LEVELS and plan.account_rows <= account
    assert plan.log_rows <= min(logs, MAX_LOG_ROWS)


def test_fit_gives_held_logs_a_glimpse_below_the_book() -> None:
    """Held log lines get a few rows at 80x24, more on a roomy screen, none if none."""
    small = fit(80, 24, 3, 2, log_rows=10)
    assert small.tickers == 3 and small.book_levels == BOOK_LEVELS
    assert small.log_rows >= 3
    roomy = fit(120, 40, 3, 2, log_rows=10)
    assert roomy.log_rows == MAX_LOG_ROWS and roomy.account_rows == 2
    assert fit(120, 40, 3, 2).log_rows == 0


def test_fit_shrinks_and_drops_the_lower_panels_first() -> None:
    """A roomy screen shows everything; a small one keeps tickers and the book."""
    roomy = fit(120, 40, 3, 8)
    assert roomy.tickers == 3 and roomy.book_levels == 5 and roomy.account_rows == 8
    small = fit(80, 24, 3, 8)
    assert small.tickers == 3 and small.book_levels == 5
    assert small.trade_rows >= 2 and small.account_rows >= 1
    tiny = fit(80, 12, 3, 8)
    assert tiny.tickers == 3 and tiny.book_levels >= 1
    assert tiny.trade_rows == 0 and tiny.account_rows == 0


def screen_of(
    state: DemoState, width: int, height: int, logs: HeldLogs | None = None
) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, height=height, color_system=None)
    console.print(render(state, width, height, logs))
    return out.getvalue().splitlines()


def filled_state() -> DemoState:
    state = DemoState(SYMBOLS, url="ws://127.0.0.1:1/v3/ws/public")
    for symbol, last in zip(SYMBOLS, ("65000.1", "3500.2", "180.3"), strict=True):
        data = {"last": last, "mark": last, "change": "-1.85", "volume": "8537.7"}
        state.apply(message("ticker", data, symbol))
    bids = [(f"64999.{9 - i}", "1.2") for i in range(5)]
    asks = [(f"65000.{i}", "0.8") for i in range(5)]
    state.apply(message("book", {"bids": bids, "asks": asks}))
    for i in range(12):
        trade = {"symbol": "BTCUSDT", "price": "65000.1", "size": "0.010"}
        state.apply(message("trade", trade | {"side": "buy", "time": 1_700_000 + i}))
    state.apply(
        message(
            "account", {"coin": "USDT", "balance": "99990", "reason": "OrderUpdate"}
        )
    )
    return state


@pytest.mark.parametrize(("width", "height"), [(80, 24), (120, 40), (60, 14)])
def test_rendered_view_fits_and_shows_each_panel_once(width: int, height: int) -> None:
    """The rendered view is no taller than the screen, with one title and book."""
    lines = screen_of(filled_state(), width, height)
    assert len(lines) <= height - 1
    assert all(len(line) <= width for line in lines)
    text = "\n".join(lines)
    assert text.count(TITLE) == 1 and text.count(BOOK_HEADER) == 1
    assert sum(bool(TICKER_ROW.match(line)) for line in lines) == 3


def test_rendered_view_shows_the_newest_held_log_lines() -> None:
    """Held log lines show at the bottom, newest last, and the view still fits."""
    logs = HeldLogs()
    for i in range(20):
        logs.show(HeldLine(logging.INFO, f"03:56:{i:02} INFO connection: line {i}"))
    lines = screen_of(filled_state(), 80, 24, logs)
    assert len(lines) <= 23
    text = "\n".join(lines)
    assert "LOG · 20 records · all printed on exit" in text
    shown = [
        int(line.rsplit(" ", 1)[1]) for line in lines if "connection: line" in line
    ]
    assert len(shown) >= 3 and shown == list(range(20 - len(shown), 20))
    assert lines[-1].endswith("line 19")
    assert text.count(TITLE) == 1 and text.count(BOOK_HEADER) == 1


def test_unrealized_pnl_follows_the_mark_price() -> None:
    """uPnL is (mark - entry) x size, negated for shorts, and moves with the ticker."""
    long = {"symbol": "BTCUSDT", "side": "long", "size": "0.010", "entry_price": "100"}
    assert unrealized_pnl(long, "110") == Decimal("0.100")
    assert unrealized_pnl(long | {"side": "short"}, "110") == Decimal("-0.100")
    assert unrealized_pnl(long, None) is None
    state = DemoState(("BTCUSDT",))
    state.apply(message("position", long | {"unrealized_pnl": "0"}))
    state.apply(message("ticker", {"last": "120", "mark": "120", "volume": "1"}))
    assert state.open_positions()[0][2] == Decimal("0.200")
    state.apply(message("ticker", {"last": "90", "mark": "90", "volume": "1"}))
    assert state.open_positions()[0][2] == Decimal("-0.100")


def test_closed_positions_are_hidden_and_reasons_read_as_words() -> None:
    """A zero-size position leaves the panel; WEEX reasons are said in words."""
    state = DemoState(("BTCUSDT",))
    pos = {"symbol": "BTCUSDT", "side": "long", "size": "0.010", "entry_price": "100"}
    state.apply(message("position", pos))
    assert len(state.open_positions()) == 1
    state.apply(message("position", pos | {"size": "0.000"}))
    assert state.open_positions() == []
    account = {"coin": "USDT", "balance": "5", "reason": "OrderUpdate"}
    state.apply(message("account", account))
    assert state.updates[0] == "account USDT balance 5 (order update)"
    assert "OrderUpdate" not in "\n".join(state.updates)
    assert state.updates[1] == "position BTCUSDT long closed"
    assert reason_in_words("PositionFundingSettle") == "funding settlement"
    assert reason_in_words("SomethingNew") == "something new"


# -- the demo in a pseudo-terminal ----------------------------------------------------


class Terminal:
    """``weex-events demo`` on a pseudo-terminal, rendered by pyte."""

    def __init__(self, cols: int, rows: int, *options: str) -> None:
        self.screen = pyte.HistoryScreen(cols, rows, history=100_000)
        self.stream = pyte.ByteStream(self.screen)
        self.pending = b""
        self.raw = bytearray()  # everything the program wrote, in order
        master, slave = pty.openpty()
        self.master = master
        self.resize(cols, rows)
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEEX_")}
        env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT))
        for name in ("COLUMNS", "LINES", "NO_COLOR"):
            env.pop(name, None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "weex_events", *options, "demo", "--seconds", "300"],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
        os.close(slave)

    def resize(self, cols: int, rows: int) -> None:
        fcntl.ioctl(
            self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0)
        )
        if (cols, rows) != (self.screen.columns, self.screen.lines):
            self.screen.resize(rows, cols)

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def read_until(self, done: Callable[[list[str]], bool], timeout: float) -> bool:
        """Feed output to the emulator until ``done(lines)``; bounded, not timed."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.master, selectors.EVENT_READ)
            while not done(self.lines()):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return done(self.lines())
                if sel.select(min(left, 1.0)):
                    try:
                        chunk = os.read(self.master, 65536)
                    except OSError:  # EIO: the child closed the terminal
                        return done(self.lines())
                    self._feed(chunk)
        return True

    def skip_to_width(self, cols: int, timeout: float) -> None:
        """Drop the frames drawn for the old size; restart the emulator at the
        first frame drawn ``cols`` wide (its padded first line says so)."""
        frame = re.compile(rb"\x1b\[H((?:\x1b\[[0-9;?]*[A-Za-z])*)([^\r]*)\r\n")
        ansi = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

        def first_new_frame() -> int:
            for m in frame.finditer(self.pending):
                if len(ansi.sub("", m.group(2).decode("utf-8", "replace"))) == cols:
                    return m.start()
            return -1

        deadline = time.monotonic() + timeout
        while (start := first_new_frame()) < 0 and time.monotonic() < deadline:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            self.raw += chunk
            self.pending += chunk
        assert start >= 0, "no frame drawn for the new size"
        self.pending = self.pending[start:]
        self.screen.reset()
        self.screen.history.top.clear()

    def _drain(self) -> None:
        """Read what the program wrote before it exited (the read ends at EIO)."""
        with selectors.DefaultSelector() as sel:
            sel.register(self.master, selectors.EVENT_READ)
            while sel.select(10.0):
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: every byte has been read
                    return
                if not chunk:
                    return
                self._feed(chunk, everything=True)

    def _feed(self, chunk: bytes, *, everything: bool = False) -> None:
        # Each redraw starts with cursor-home: hand the emulator whole frames
        # only, so a check never sees a frame half drawn over the previous one.
        self.raw += chunk
        self.pending += chunk
        cut = len(self.pending) if everything else self.pending.rfind(b"\x1b[H")
        if cut > 0:
            self.stream.feed(self.pending[:cut])
            self.pending = self.pending[cut:]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.read_until(lambda _: self.proc.poll() is not None, timeout=30)
            status = self.proc.wait(timeout=30)
            self._drain()
            return status
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            os.close(self.master)


def full_view(lines: list[str]) -> bool:
    """Title, a ticker row with a price, the book header and a priced level."""
    text = "\n".join(lines)
    book_row = re.compile(r"^ *[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+")
    return (
        TITLE in text
        and BOOK_HEADER in text
        and any(TICKER_ROW.match(line) for line in lines)
        and any(book_row.match(line) for line in lines)
    )


def check_view(term: Terminal) -> None:
    lines = term.lines()
    text = "\n".join(lines)
    assert text.count(TITLE) == 1, text
    assert text.count(BOOK_HEADER) == 1, text
    # Ticker rows with a price (trades rows start with a time): each one once.
    shown = [m.group(1) for m in map(TICKER_ROW.match, lines) if m]
    assert shown and len(shown) == len(set(shown)), text
    scrolled = [
        "".join(row[i].data for i in sorted(row)) for row in term.screen.history.top
    ]
    assert not scrolled, "the view scrolled:\n" + "\n".join(scrolled[:30])


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (120, 40)])
def test_demo_fits_a_real_terminal_without_scrolling(cols: int, rows: int) -> None:
    """In a cols x rows pty the demo shows title, tickers and book once, no scroll."""
    term = Terminal(cols, rows)
    try:
        assert term.read_until(full_view, timeout=90), "\n".join(term.lines())
        check_view(term)
        if rows == 40:  # room enough for the paper account too
            assert term.read_until(
                lambda lines: any("PAPER ACCOUNT" in line for line in lines), 90
            ), "\n".join(term.lines())
            check_view(term)
    finally:
        status = term.stop()
    assert status == 0


def test_demo_follows_a_resize() -> None:
    """Shrunk from 120x40 to 80x24, the view redraws to fit, still without scrolling."""
    term = Terminal(120, 40)
    try:
        assert term.read_until(full_view, timeout=90), "\n".join(term.lines())
        term.resize(80, 24)
        # Frames already on their way were drawn for 120x40; the program
        # notices the new size at its next redraw.
        term.skip_to_width(80, timeout=90)
        assert term.read_until(full_view, timeout=90), "\n".join(term.lines())
        check_view(term)
    finally:
        status = term.stop()
    assert status == 0


#: A held record as the log panel shows it, and as it is printed on stderr after.
PANEL_LINE = re.compile(r"^\d\d:\d\d:\d\d INFO connection: public connected$")
PRINTED = (
    b"INFO weex_events.connection: public connected",
    b"INFO weex_events.connection: private connected",
)
SCREEN_RESTORED = b"\x1b[?1049l"  # rich leaves the alternate screen


def test_demo_verbose_logs_show_in_the_view_and_print_after_it() -> None:
    """With -v, logs show in the view's panel, then all print after the screen."""
    term = Terminal(120, 40, "-v")
    try:
        assert term.read_until(
            lambda lines: (
                full_view(lines) and any(PANEL_LINE.match(line) for line in lines)
            ),
            timeout=90,
        ), "\n".join(term.lines())
        check_view(term)
        assert any(line.startswith("LOG · ") for line in term.lines())
    finally:
        status = term.stop()
    assert status == 0
    raw = bytes(term.raw)
    restored = raw.rfind(SCREEN_RESTORED)
    assert restored >= 0, raw[-2000:]
    # Nothing was written over the view: the records come after it, each once.
    at = [raw.find(line) for line in PRINTED]
    assert all(raw.count(line) == 1 for line in PRINTED), raw[restored:]
    assert restored < at[0] < at[1], raw[restored:]
