"""What the demo knows: market and paper-account state, and its plain lines.

:class:`DemoState` folds the messages the demo receives into what its live view
shows (:mod:`weex_events.dashboard` draws it); :func:`plain_line` and
:class:`Throttle` are the line-by-line output used through pipes and with
``--plain``. Everything here is pure: no I/O, no clock (callers pass ``now``),
so the view's decisions are tested without a terminal or an event loop.

Imports: ``events``, ``client`` (the ``ClientStats`` type only).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .events import StreamMessage

if TYPE_CHECKING:
    from .client import ClientStats

__all__ = [
    "PLAIN_INTERVALS",
    "REASONS",
    "DemoState",
    "Throttle",
    "plain_line",
    "reason_in_words",
    "sellable",
    "spot_lot",
    "unrealized_pnl",
    "update_line",
]

TRADE_ROWS = 10
PRIVATE_ROWS = 8
#: Plain-mode throttle: seconds between two lines of one kind for one symbol.
PLAIN_INTERVALS: Mapping[str, float] = {
    "ticker": 0.5,
    "book_ticker": 0.5,
    "book": 0.5,
    "trade": 0.25,
}
#: WEEX ``msgEvent`` reasons (WEEX-WS.md §1.6) as a reader would say them.
REASONS: Mapping[str, str] = {
    "OrderUpdate": "order update",
    "PositionFundingSettle": "funding settlement",
    "DepositUpdate": "deposit",
}


def reason_in_words(reason: object) -> str:
    """``"OrderUpdate"`` → ``"order update"``; unknown reasons split at capitals."""
    text = str(reason or "")
    known = REASONS.get(text)
    if known is not None:
        return known
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).replace("_", " ").lower()


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def spot_lot(info: Mapping[str, Any], symbol: str) -> tuple[str, Decimal]:
    """``(base coin, size step)`` of ``symbol`` from spot ``exchangeInfo``
    (``stepSize``, else ``baseAssetPrecision`` decimals; WEEX-WS.md §1.7.5).

    Raises:
        LookupError: the symbol is not listed.
    """
    rows = [r for r in info.get("symbols", ()) if r.get("symbol") == symbol]
    if not rows:
        raise LookupError(f"{symbol} is not in exchangeInfo")
    row = rows[0]
    step = row.get("stepSize")
    if step is None:
        step = Decimal(1).scaleb(-int(row["baseAssetPrecision"]))
    return str(row["baseAsset"]), Decimal(str(step))


def sellable(free: object, step: Decimal) -> Decimal:
    """``free`` rounded down to a multiple of ``step`` (0 when less than one)."""
    amount = _decimal(free) or Decimal(0)
    return (amount // step) * step if amount > 0 else Decimal(0)


def unrealized_pnl(position: Mapping[str, Any], mark: object) -> Decimal | None:
    """Unrealized PnL of ``position`` at ``mark``: (mark − entry) × size, negated
    for shorts; ``None`` when a number is missing."""
    size = _decimal(position.get("size"))
    entry = _decimal(position.get("entry_price"))
    price = _decimal(mark)
    if size is None or entry is None or price is None:
        return None
    pnl = (price - entry) * abs(size)
    return -pnl if position.get("side") == "short" else pnl


def is_open(position: Mapping[str, Any]) -> bool:
    """Whether a position item holds a non-zero size."""
    size = _decimal(position.get("size"))
    return size is not None and size != 0


@dataclass
class DemoState:
    """What the demo dashboard shows; updated by handlers, read by the view."""

    symbols: tuple[str, ...]
    url: str = ""
    status: str = "connecting"
    tickers: dict[str, dict[str, Any]] = field(default_factory=dict)
    book: dict[str, Any] | None = None
    trades: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=TRADE_ROWS)
    )
    stats: ClientStats | None = None
    updates: deque[str] = field(default_factory=lambda: deque(maxlen=PRIVATE_ROWS))
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    account: dict[str, Any] | None = None
    #: Spot: the best bid/ask per symbol, and the latest balance per coin.
    best: dict[str, dict[str, Any]] = field(default_factory=dict)
    balances: dict[str, dict[str, Any]] = field(default_factory=dict)

    def apply(self, msg: StreamMessage) -> None:
        """Fold one market or private message into the state."""
        if msg.kind == "ticker" and msg.symbol:
            self.tickers[msg.symbol] = msg.data
        elif msg.kind == "book_ticker" and msg.symbol:
            self.best[msg.symbol] = msg.data
        elif msg.kind == "book":
            self.book = msg.data
        elif msg.kind == "trade":
            self.trades.appendleft(msg.data)
        elif msg.kind == "position" and msg.symbol:
            key = f"{msg.symbol} {msg.data.get('side', '?')}"
            if is_open(msg.data):
                self.positions[key] = msg.data
            else:  # closed: nothing left to show
                self.positions.pop(key, None)
        elif msg.kind == "account":
            self.account = msg.data
            self.balances[str(msg.data.get("coin", "?"))] = msg.data
        line = update_line(msg)
        if line is not None:
            self.updates.appendleft(line)

    def ticker_columns(self) -> tuple[str, ...]:
        """The ticker panel's headers; spot adds best ``bid`` and ``ask``."""
        base = ("TICKERS", "last", "change", "volume")
        return (*base, "bid", "ask") if self.best else base

    def ticker_row(self, symbol: str) -> tuple[str, ...]:
        """The ticker panel's cells for ``symbol`` (``change`` without ``%``;
        ``"…"`` until data arrives), matching :meth:`ticker_columns`."""
        t = self.tickers.get(symbol)
        row: tuple[str, ...] = (
            (symbol, "…", "", "")
            if t is None
            else (symbol, str(t["last"]), str(t.get("change", "?")), str(t["volume"]))
        )
        if self.best:
            b = self.best.get(symbol, {})
            row += (str(b.get("bid", "…")), str(b.get("ask", "…")))
        return row

    def account_title(self) -> str:
        """``balance 100000 USDT``, or on spot each coin's ``USDT 99000 · BTC 0.1``."""
        if set(self.balances) - {"USDT"}:
            return " · ".join(
                f"{coin} {b.get('balance', '…')}"
                for coin, b in sorted(self.balances.items())
            )
        balance = self.account.get("balance", "…") if self.account else "…"
        return f"balance {balance} USDT"

    def open_positions(self) -> list[tuple[str, dict[str, Any], Decimal | None]]:
        """``(symbol, position, live uPnL)`` for each open position, by symbol.

        The uPnL follows the latest mark price of the symbol's ticker, so it
        moves with the market between position events.
        """
        rows = []
        for _, position in sorted(self.positions.items()):
            symbol = str(position.get("symbol", "?"))
            ticker = self.tickers.get(symbol, {})
            mark = ticker.get("mark", ticker.get("last"))
            rows.append((symbol, position, unrealized_pnl(position, mark)))
        return rows


def update_line(msg: StreamMessage) -> str | None:
    """The account panel's line for a private message, reasons in words."""
    if msg.kind not in ("order", "fill", "position", "account"):
        return None
    d = msg.data
    if msg.kind == "position":
        if not is_open(d):
            return f"position {msg.symbol} {d.get('side')} closed"
        return (
            f"position {msg.symbol} {d.get('side')} {d.get('size')} "
            f"entry {d.get('entry_price', '-')}"
        )
    if msg.kind == "account":
        why = reason_in_words(d.get("reason"))
        return f"account {d.get('coin')} balance {d.get('balance')}" + (
            f" ({why})" if why else ""
        )
    return plain_line(msg)


def plain_line(msg: StreamMessage) -> str | None:
    """One readable line for a market or private message (``None`` otherwise)."""
    d = msg.data
    if msg.kind == "ticker":
        return (
            f"ticker {msg.symbol} last={d['last']} change={d.get('change', '?')}% "
            f"volume={d.get('volume', '?')}"
        )
    if msg.kind == "trade":
        return f"trade {msg.symbol} {d['side']} {d['size']} @ {d['price']}"
    if msg.kind == "book_ticker":
        return (
            f"best {msg.symbol} bid {d['bid']} x {d['bid_size']} | "
            f"ask {d['ask']} x {d['ask_size']}"
        )
    if msg.kind == "book":
        bid = "bid {} x {}".format(*d["bids"][0]) if d["bids"] else "bid -"
        ask = "ask {} x {}".format(*d["asks"][0]) if d["asks"] else "ask -"
        return f"book {msg.symbol} {bid} | {ask}"
    if msg.kind == "order":
        price = f" @ {d['avg_price']}" if "avg_price" in d else ""
        return (
            f"order {msg.symbol} {d.get('side')} {d.get('type')} {d.get('size')}"
            f"{price} {d.get('status')}"
        )
    if msg.kind == "fill":
        return (
            f"fill {msg.symbol} {d.get('side')} {d.get('size')} @ {d.get('price')} "
            f"fee {d.get('fee')} {d.get('liquidity')}"
        )
    if msg.kind == "position":
        return (
            f"position {msg.symbol} {d.get('side')} {d.get('size')} "
            f"entry {d.get('entry_price', '-')} uPnL {d.get('unrealized_pnl', '-')}"
        )
    if msg.kind == "account":
        return f"account {d.get('coin')} balance {d.get('balance')} ({d.get('reason')})"
    return None


@dataclass
class Throttle:
    """Lets one line per ``(kind, symbol)`` through every ``intervals[kind]`` seconds.

    Kinds without an interval always pass. ``now`` is a monotonic clock reading.
    """

    intervals: Mapping[str, float]
    _last: dict[str, float] = field(default_factory=dict)

    def allow(self, kind: str, key: str, now: float) -> bool:
        """Whether a line for ``kind``/``key`` may be printed at ``now``."""
        interval = self.intervals.get(kind)
        if interval is None:
            return True
        slot = f"{kind}:{key}"
        last = self._last.get(slot)
        if last is not None and now - last < interval:
            return False
        self._last[slot] = now
        return True
