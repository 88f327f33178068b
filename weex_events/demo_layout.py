"""How much of each panel of the demo's live view a screen holds.

:func:`fit` decides, in pure code, from the terminal's size and what there is
to show: the book and the trades shrink, then the trades and the paper account
are dropped, so the view never scrolls. Held log lines (``-v``) get a glimpse
below the book before the trades and the paper account, and any room left
over. :mod:`weex_events.dashboard` draws what it decides.

Imports: nothing of the package.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BOOK_LEVELS",
    "LOG_GLIMPSE",
    "MAX_LOG_ROWS",
    "MAX_TRADE_ROWS",
    "MIN_TRADE_ROWS",
    "SIDE_BY_SIDE_WIDTH",
    "Fit",
    "fit",
]

BOOK_LEVELS = 5
MIN_TRADE_ROWS = 2  # fewer than this and the trades panel is dropped
MAX_TRADE_ROWS = 10
SIDE_BY_SIDE_WIDTH = 110  # from this width the book and the trades share rows
MAX_LOG_ROWS = 6  # held log lines shown at most
LOG_GLIMPSE = 3  # log lines kept before the trades and the account get room


@dataclass(frozen=True)
class Fit:
    """How much of each panel a screen holds.

    Attributes:
        tickers: ticker rows shown (the first symbols).
        book_levels: price levels per book side (0: no book panel).
        trade_rows: trades shown (0: no trades panel).
        account_rows: paper-account rows below its title (0: no panel).
        side_by_side: the book and the trades share rows.
        log_rows: held log lines below their title (0: no log panel).
    """

    tickers: int
    book_levels: int
    trade_rows: int
    account_rows: int
    side_by_side: bool
    log_rows: int = 0


def fit(
    width: int, height: int, symbols: int, account_rows: int, log_rows: int = 0
) -> Fit:
    """Decide what fits a ``width`` × ``height`` screen; pure, so testable.

    Lines: status 2; each further panel a blank line before it; tickers
    1 + rows; book 2 + levels; trades 1 + rows; account 1 + rows; log
    1 + rows. The last screen line stays empty. Space goes to the panels top
    to bottom, so the book and then the trades shrink before anything above
    them does; the log (``log_rows`` wanted) first gets up to
    :data:`LOG_GLIMPSE` lines after the book, then whatever is left.
    """
    budget = height - 1 - 2  # the spare last line, the status panel
    tickers = max(0, min(symbols, budget - 2))
    budget -= 2 + tickers if tickers else 0
    levels = max(0, min(BOOK_LEVELS, budget - 3))
    budget -= 3 + levels if levels else 0
    logs = max(0, min(log_rows, MAX_LOG_ROWS, LOG_GLIMPSE, budget - 2))
    budget -= 2 + logs if logs else 0
    side = width >= SIDE_BY_SIDE_WIDTH and levels > 0
    if side:
        # Beside the book the trades' first rows cost nothing.
        extra = max(0, min(MAX_TRADE_ROWS - levels - 1, budget))
        trades = levels + 1 + extra
        budget -= extra
    else:
        # Keep room for a glimpse of the paper account below the trades.
        reserve = 2 + min(account_rows, 2) if account_rows > 0 else 0
        trades = max(0, min(MAX_TRADE_ROWS, budget - 2 - reserve))
        if trades < MIN_TRADE_ROWS:
            trades = 0
        else:
            budget -= 2 + trades
    rows = max(0, min(account_rows, budget - 2) if account_rows > 0 else 0)
    budget -= 2 + rows if rows else 0
    if logs:
        logs += max(0, min(min(log_rows, MAX_LOG_ROWS) - logs, budget))
    return Fit(tickers, levels, trades, rows, side, logs)
