"""The demo's live view of the market: state, panels, plain lines, and the loop.

:func:`run_demo` connects a :class:`~weex_events.WeexWebSocketClient` to any
endpoint (the CLI points it at the embedded simulator) and either redraws a
dashboard in place (a terminal) or prints throttled plain lines (a pipe). What it
shows lives in :class:`DemoState`; each panel is a function of that state, so new
panels (orders, fills) are added by appending to :data:`PANELS` and feeding the
state from one more handler.

When the config carries credentials (the simulator's), it also places a few
paper orders and shows the resulting order, fill, position and account events.

Imports: ``config``, ``events``, ``client``, ``rest``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from .client import ClientStats, WeexWebSocketClient
from .config import WeexConfig
from .events import ConnectionEvent, StreamMessage
from .rest import WeexRestClient

__all__ = [
    "PANELS",
    "DemoState",
    "Throttle",
    "account_panel",
    "book_panel",
    "plain_line",
    "render_dashboard",
    "run_demo",
    "status_panel",
    "tickers_panel",
    "trades_panel",
]

TRADE_SYMBOLS = 3  # the trade panel follows the first few symbols
TRADE_ROWS = 10
PRIVATE_ROWS = 8
PAPER_SIZE = {"BTCUSDT": "0.010", "ETHUSDT": "0.10", "SOLUSDT": "1"}
PAPER_INTERVAL = 2.0  # seconds between two paper orders of the demo
BOOK_LEVELS = 5
REDRAW_INTERVAL = 0.2  # at most ~5 redraws a second
#: Plain-mode throttle: seconds between two lines of one kind for one symbol.
PLAIN_INTERVALS: Mapping[str, float] = {"ticker": 0.5, "book": 0.5, "trade": 0.25}

# ANSI: cursor home, clear to end of line / screen, hide / show the cursor.
HOME, CLEAR_EOL, CLEAR_EOS = "\x1b[H", "\x1b[K", "\x1b[J"
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"
GREEN, RED, BOLD, RESET = "\x1b[32m", "\x1b[31m", "\x1b[1m", "\x1b[0m"


@dataclass
class DemoState:
    """What the demo dashboard shows; updated by handlers, read by panels."""

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

    def apply(self, msg: StreamMessage) -> None:
        """Fold one market or private message into the state."""
        if msg.kind == "ticker" and msg.symbol:
            self.tickers[msg.symbol] = msg.data
        elif msg.kind == "book":
            self.book = msg.data
        elif msg.kind == "trade":
            self.trades.appendleft(msg.data)
        elif msg.kind == "position" and msg.symbol:
            self.positions[msg.symbol] = msg.data
        elif msg.kind == "account":
            self.account = msg.data
        if msg.kind in ("order", "fill", "position", "account"):
            line = plain_line(msg)
            if line is not None:
                self.updates.appendleft(line)


def _change(change: Any, width: int, color: bool) -> str:
    text = f"{change}%".rjust(width)
    if not color:
        return text
    return f"{RED if str(change).startswith('-') else GREEN}{text}{RESET}"


def status_panel(state: DemoState, color: bool = True) -> list[str]:
    """Header: where the data comes from, connection state and client counters."""
    head = f"weex-events demo · simulator {state.url}"
    line = f"{state.status} · Ctrl-C to quit"
    if state.stats is not None:
        s = state.stats
        line = f"{state.status} · {s.messages} messages · {s.reconnects} reconnects"
        line += f" · {s.drops} dropped · Ctrl-C to quit"
    return [f"{BOLD}{head}{RESET}" if color else head, line]


def tickers_panel(state: DemoState, color: bool = True) -> list[str]:
    """One row per symbol: last price, 24 h change in percent, 24 h volume."""
    rows = [f"{'TICKERS':<10} {'last':>14} {'change':>10} {'volume':>16}"]
    for symbol in state.symbols:
        t = state.tickers.get(symbol)
        if t is None:
            rows.append(f"{symbol:<10} {'…':>14}")
            continue
        change = _change(t.get("change", "?"), 10, color)
        rows.append(f"{symbol:<10} {t['last']!s:>14} {change} {t['volume']!s:>16}")
    return rows


def book_panel(state: DemoState, color: bool = True) -> list[str]:
    """The best bids and asks of the first symbol, side by side."""
    book = state.book
    symbol = state.symbols[0]
    rows = [f"ORDER BOOK {symbol} (best {BOOK_LEVELS})"]
    rows.append(f"{'bid size':>12} {'bid':>12} | {'ask':<12} {'ask size':<12}")
    if book is None:
        return [*rows, "…"]
    bids, asks = book["bids"][:BOOK_LEVELS], book["asks"][:BOOK_LEVELS]
    for i in range(max(len(bids), len(asks))):
        bp, bs = bids[i] if i < len(bids) else ("", "")
        ap, as_ = asks[i] if i < len(asks) else ("", "")
        bid = f"{GREEN}{bp!s:>12}{RESET}" if color else f"{bp!s:>12}"
        ask = f"{RED}{ap!s:<12}{RESET}" if color else f"{ap!s:<12}"
        rows.append(f"{bs!s:>12} {bid} | {ask} {as_!s:<12}")
    return rows


def trades_panel(state: DemoState, color: bool = True) -> list[str]:
    """The latest trades of the first few symbols, newest first."""
    rows = [
        f"{'LATEST TRADES':<14} {'symbol':<10} {'side':<5} {'size':>12} {'price':>14}"
    ]
    for t in state.trades:
        clock = time.strftime("%H:%M:%S", time.localtime(int(t["time"]) / 1000))
        side = f"{t['side']:<5}"
        if color:
            side = f"{GREEN if t['side'] == 'buy' else RED}{side}{RESET}"
        rows.append(
            f"{clock:<14} {t['symbol']:<10} {side} {t['size']!s:>12} {t['price']!s:>14}"
        )
    return rows


def account_panel(state: DemoState, color: bool = True) -> list[str]:
    """The paper account: balance, open positions and the latest private events."""
    if state.account is None and not state.updates:
        return []
    balance = state.account.get("balance", "…") if state.account else "…"
    rows = [f"PAPER ACCOUNT balance {balance} USDT"]
    for symbol, p in sorted(state.positions.items()):
        if p.get("size") in (None, "0") or not p.get("size"):
            continue
        rows.append(
            f"  {symbol:<10} {p.get('side', '?'):<5} {p['size']!s:>10} "
            f"entry {p.get('entry_price', '?')!s:>12} "
            f"uPnL {p.get('unrealized_pnl', '?')!s:>10}"
        )
    rows.extend(f"  {line}" for line in state.updates)
    return rows


Panel = Callable[[DemoState, bool], list[str]]
#: The dashboard, top to bottom.
PANELS: tuple[Panel, ...] = (
    status_panel,
    tickers_panel,
    book_panel,
    trades_panel,
    account_panel,
)


def render_dashboard(
    state: DemoState, panels: Sequence[Panel] = PANELS, color: bool = True
) -> str:
    """The whole screen as text: panels separated by blank lines."""
    blocks = ["\n".join(panel(state, color)) for panel in panels]
    return "\n\n".join(blocks) + "\n"


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


async def run_demo(
    config: WeexConfig, symbols: Sequence[str], out: TextIO, *, live: bool
) -> None:
    """Show tickers, a book and trades from ``config``'s endpoint until cancelled.

    Args:
        config: where to connect.
        symbols: tickers for all of them, the book of the first, trades of the
            first :data:`TRADE_SYMBOLS`.
        out: where to write.
        live: redraw a dashboard in place (ANSI) instead of printing plain lines.

    Raises:
        WeexConnectionError: the endpoint cannot be reached.
        SubscriptionError: the server refused a symbol.
    """
    state = DemoState(tuple(symbols), url=config.public_url)
    throttle = Throttle(PLAIN_INTERVALS)
    pipe_closed = asyncio.Event()  # the reader of a pipe went away (| head)

    def write(line: str) -> None:
        try:
            out.write(line + "\n")
            out.flush()
        except BrokenPipeError:
            pipe_closed.set()

    def on_market(msg: StreamMessage) -> None:
        state.apply(msg)
        if not live and throttle.allow(msg.kind, msg.symbol or "", time.monotonic()):
            line = plain_line(msg)
            if line is not None:
                write(line)

    def on_connection(event: ConnectionEvent) -> None:
        state.status = f"{event.event} ({event.endpoint})"
        if not live:
            write(f"# {event.event} {event.endpoint}: {event.reason or ''}")

    async def until_pipe_closed() -> None:
        await pipe_closed.wait()
        raise BrokenPipeError("the output was closed")

    async with WeexWebSocketClient(config) as client:
        state.status = "connected"
        for event in ("disconnected", "reconnecting", "reconnected"):
            client.on(event, on_connection)
        client.on("ticker", on_market)  # bare kinds see whatever is subscribed
        client.on("trade", on_market)
        await client.subscribe("ticker", state.symbols)
        await client.subscribe("trade", state.symbols[:TRADE_SYMBOLS])
        if config.has_credentials:
            for kind in ("order", "fill", "position", "account"):
                client.on(kind, on_market)  # private events subscribe themselves
                await client.subscribe(kind)
        async with asyncio.TaskGroup() as group:
            group.create_task(until_pipe_closed(), name="weex_events: demo output")
            group.create_task(
                _follow_book(client, state.symbols[0], on_market),
                name="weex_events: demo book",
            )
            if config.has_credentials:
                group.create_task(
                    _paper_trader(config, state.symbols[0]),
                    name="weex_events: demo paper orders",
                )
            if live:
                group.create_task(
                    _redraw(client, state, out), name="weex_events: demo screen"
                )


async def _paper_trader(config: WeexConfig, symbol: str) -> None:
    """Place a few paper orders so that private events show: a market buy, a
    limit sell just above the market, then a market sell, over and over."""
    size = PAPER_SIZE.get(symbol, "1")
    async with WeexRestClient(config) as rest:
        while True:
            await rest.place_order(symbol, "buy", size)
            await asyncio.sleep(PAPER_INTERVAL)
            best_ask = (await rest.depth(symbol))["asks"][0][0]
            await rest.place_order(
                symbol, "sell", size, type="LIMIT", price=best_ask, time_in_force="GTC"
            )
            await asyncio.sleep(PAPER_INTERVAL)
            await rest.cancel_all_orders(symbol)
            await rest.close_all_positions(symbol)
            await asyncio.sleep(PAPER_INTERVAL)


async def _follow_book(
    client: WeexWebSocketClient, symbol: str, sink: Callable[[StreamMessage], None]
) -> None:
    async for msg in client.stream_order_book(symbol, level=BOOK_LEVELS):
        sink(msg)


async def _redraw(client: WeexWebSocketClient, state: DemoState, out: TextIO) -> None:
    out.write(HIDE_CURSOR + HOME + CLEAR_EOS)
    try:
        while True:
            state.stats = client.stats
            # Overwrite in place (no full clear) so the screen does not flicker.
            screen = render_dashboard(state).replace("\n", CLEAR_EOL + "\n")
            out.write(HOME + screen + CLEAR_EOS)
            out.flush()
            await asyncio.sleep(REDRAW_INTERVAL)
    finally:
        out.write(SHOW_CURSOR)
        out.flush()
