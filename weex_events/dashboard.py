"""The demo's live view: ``rich`` panels fitted to the terminal, and the loop.

:func:`run_demo` connects a :class:`~weex_events.WeexWebSocketClient` to any
endpoint (the CLI points it at the embedded simulator) and either keeps a live
view on the terminal's alternate screen (``rich.live.Live``) or prints throttled
plain lines (a pipe, or ``--plain``). What it shows lives in
:class:`~weex_events.demo_state.DemoState`. Every redraw reads the terminal's
size and :func:`~weex_events.demo_layout.fit` decides, in pure code, how much
of each panel fits: the book and the trades shrink, then the trades and the
paper account are dropped, so the view never scrolls, and it follows resizes.

While the live view is up, log records bound for the terminal are held
(:mod:`weex_events.held_logs`) instead of drawn over it: the newest show in a
log panel at the bottom, and all of them are written to stderr, in order, once
the terminal's screen is restored.

When the config carries credentials (the simulator's), it also places a few
paper orders (:mod:`weex_events.paper`) and shows the resulting order, fill,
position and account events.
On spot (``config.market``) it adds each symbol's best bid/ask
(``book_ticker``), shows a balance per coin and has no positions.

Imports: ``config``, ``events``, ``client``, ``demo_state``, ``demo_layout``,
``held_logs``, ``paper``, rich.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .client import WeexWebSocketClient
from .config import WeexConfig
from .demo_layout import BOOK_LEVELS, MAX_LOG_ROWS, Fit, fit
from .demo_state import PLAIN_INTERVALS, DemoState, Throttle, plain_line
from .events import ConnectionEvent, StreamMessage
from .held_logs import HeldLogs, hold_terminal_logs
from .paper import paper_trader

__all__ = [
    "BOOK_LEVELS",
    "DEMO_VARIABLES",
    "TITLE",
    "Fit",
    "demo_environment",
    "fit",
    "render",
    "run_demo",
]

#: The first words of the live view's first line.
TITLE = "weex-events demo"
TRADE_SYMBOLS = 3  # the trade panel follows the first few symbols
PRIVATE = ("order", "fill", "position", "account")
REDRAW_INTERVAL = 0.2  # at most ~5 redraws a second


#: The ``WEEX_*`` variables the demo honours, and the config field each sets.
DEMO_VARIABLES: Mapping[str, str] = {
    "WEEX_PROTOCOL": "protocol",
    "WEEX_NUMBER_TYPE": "number_type",
}


def demo_environment(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """What the demo takes from ``WEEX_*`` variables, and which ones it ignores.

    The demo runs its own simulator (contract market, its own paper account), so
    endpoint URLs, credentials and ``WEEX_MARKET`` do not apply to it; the
    protocol generation and the number type do.

    Returns:
        ``(overrides, ignored)``: config fields for the simulator's config, and
        the names of the non-empty ``WEEX_*`` variables the demo ignores.

    Raises:
        ConfigError: a variable the demo honours holds a bad value (named).
    """
    honoured = {k: environ[k] for k in DEMO_VARIABLES if k in environ}
    config = WeexConfig.from_env(honoured)  # validates; names the variable
    overrides = {field: getattr(config, field) for field in DEMO_VARIABLES.values()}
    ignored = sorted(
        name
        for name, value in environ.items()
        if name.startswith("WEEX_") and value.strip() and name not in DEMO_VARIABLES
    )
    return overrides, ignored


def _line(text: str, style: str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def _table(*headers: tuple[str, JustifyMethod]) -> Table:
    table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    for header, justify in headers:
        table.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis")
    return table


def _status(state: DemoState) -> RenderableType:
    line = f"{state.status} · Ctrl-C to quit"
    if state.stats is not None:
        s = state.stats
        line = (
            f"{state.status} · {s.messages} messages · {s.reconnects} reconnects"
            f" · {s.drops} dropped · Ctrl-C to quit"
        )
    return Group(_line(f"{TITLE} · simulator {state.url}", "bold"), _line(line))


def _change(change: Any) -> Text:
    text = f"{change}%"
    return Text(text, style="red" if text.startswith("-") else "green")


def _tickers(state: DemoState, rows: int) -> RenderableType:
    columns: list[tuple[str, JustifyMethod]] = [("TICKERS", "left")]
    columns += [(name, "right") for name in state.ticker_columns()[1:]]
    table = _table(*columns)
    for symbol in state.symbols[:rows]:
        cells: list[RenderableType] = list(state.ticker_row(symbol))
        if cells[2]:
            cells[2] = _change(cells[2])
        table.add_row(*cells)
    return table


def _book(state: DemoState, levels: int) -> RenderableType:
    title = _line(f"ORDER BOOK {state.symbols[0]} (best {levels})", "bold")
    table = _table(
        ("bid size", "right"), ("bid", "right"), ("ask", "left"), ("ask size", "left")
    )
    book = state.book
    bids = book["bids"][:levels] if book else []
    asks = book["asks"][:levels] if book else []
    for i in range(levels):
        bp, bs = bids[i] if i < len(bids) else ("", "")
        ap, as_ = asks[i] if i < len(asks) else ("", "")
        table.add_row(
            str(bs), Text(str(bp), style="green"), Text(str(ap), style="red"), str(as_)
        )
    return Group(title, table)


def _trades(state: DemoState, rows: int) -> RenderableType:
    table = _table(
        ("LATEST TRADES", "left"),
        ("symbol", "left"),
        ("side", "left"),
        ("size", "right"),
        ("price", "right"),
    )
    for t in list(state.trades)[:rows]:
        clock = time.strftime("%H:%M:%S", time.localtime(int(t["time"]) / 1000))
        side = Text(t["side"], style="green" if t["side"] == "buy" else "red")
        table.add_row(clock, t["symbol"], side, str(t["size"]), str(t["price"]))
    return table


def _account(state: DemoState, rows: int) -> RenderableType:
    title = _line(f"PAPER ACCOUNT {state.account_title()}", "bold")
    lines: list[RenderableType] = [title]
    for symbol, p, pnl in state.open_positions():
        shown = "-" if pnl is None else f"{pnl:+.2f}"
        lines.append(
            _line(
                f"  {symbol:<10} {p.get('side', '?'):<5} {p['size']!s:>10} "
                f"entry {p.get('entry_price', '?')!s:>12} uPnL {shown:>10}"
            )
        )
    lines.extend(_line(f"  {line}") for line in state.updates)
    return Group(*lines[: rows + 1])


def account_rows(state: DemoState) -> int:
    """Rows the paper-account panel would like below its title (0: no panel)."""
    if state.account is None and not state.updates:
        return 0
    return len(state.open_positions()) + len(state.updates)


def _level_style(level: int) -> str:
    if level >= logging.ERROR:
        return "red"
    return "yellow" if level >= logging.WARNING else "dim"


def _log(logs: HeldLogs, rows: int) -> RenderableType:
    count = f"{logs.count} record{'s' if logs.count != 1 else ''}"
    title = _line(f"LOG · {count} · all printed on exit", "bold")
    lines = [_line(held.text, _level_style(held.level)) for held in logs.recent(rows)]
    return Group(title, *lines)


def render(
    state: DemoState, width: int, height: int, logs: HeldLogs | None = None
) -> RenderableType:
    """The live view for a ``width`` × ``height`` screen (see :func:`fit`),
    with the newest of ``logs`` at the bottom when any are held."""
    wanted = min(logs.count, MAX_LOG_ROWS) if logs is not None else 0
    plan = fit(width, height, len(state.symbols), account_rows(state), wanted)
    parts: list[RenderableType] = [_status(state)]
    if plan.tickers:
        parts += [Text(""), _tickers(state, plan.tickers)]
    book = _book(state, plan.book_levels) if plan.book_levels else None
    trades = _trades(state, plan.trade_rows) if plan.trade_rows else None
    if plan.side_by_side and book is not None and trades is not None:
        grid = Table.grid(padding=(0, 4))
        grid.add_row(book, trades)
        parts += [Text(""), grid]
    else:
        parts += [p for block in (book, trades) if block for p in (Text(""), block)]
    if plan.account_rows:
        parts += [Text(""), _account(state, plan.account_rows)]
    if plan.log_rows and logs is not None:
        parts += [Text(""), _log(logs, plan.log_rows)]
    return Group(*parts)


async def run_demo(
    config: WeexConfig,
    symbols: Sequence[str],
    out: TextIO,
    *,
    live: bool,
    metrics_port: int | None = None,
) -> None:
    """Show tickers, a book and trades from ``config``'s endpoint until cancelled.

    Args:
        config: where to connect.
        symbols: tickers for all of them, the book of the first, trades of the
            first :data:`TRADE_SYMBOLS`.
        out: where to write.
        live: keep a live view on the terminal instead of printing plain lines;
            meanwhile ``weex_events`` log records bound for the terminal are
            held, shown in a log panel and written after the screen is restored.
        metrics_port: serve Prometheus metrics of the client on this port
            (``weex-events demo --metrics-port``; needs the ``metrics`` extra).

    Raises:
        WeexConnectionError: the endpoint cannot be reached.
        SubscriptionError: the server refused a symbol.
    """
    state = DemoState(tuple(symbols), url=config.public_url)
    spot = config.market == "spot"
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

    client = WeexWebSocketClient(config)
    metrics: Any = contextlib.nullcontext()
    if metrics_port is not None:
        from .metrics import maybe_serve_metrics  # the metrics extra

        metrics = maybe_serve_metrics(client, metrics_port, announce=sys.stderr)
    # Metrics first: it sees "connected", and it prints its URL before the
    # screen comes up. The screen comes up before connecting, so that the
    # connection's log lines are held too.
    async with metrics:
        with _screen(out, live) as screen:
            if screen is not None:
                screen.draw(state)
            async with client:
                state.status = "connected"
                for event in ("disconnected", "reconnecting", "reconnected"):
                    client.on(event, on_connection)
                client.on("ticker", on_market)  # bare kinds: whatever is subscribed
                client.on("trade", on_market)
                await client.subscribe("ticker", state.symbols)
                await client.subscribe("trade", state.symbols[:TRADE_SYMBOLS])
                if spot:
                    client.on("book_ticker", on_market)
                    await client.subscribe("book_ticker", state.symbols)
                if config.has_credentials:
                    for kind in ("order", "fill", "account") if spot else PRIVATE:
                        client.on(kind, on_market)  # private events subscribe
                        await client.subscribe(kind)
                async with asyncio.TaskGroup() as group:
                    group.create_task(
                        until_pipe_closed(), name="weex_events: demo output"
                    )
                    group.create_task(
                        _follow_book(client, state.symbols[0], on_market),
                        name="weex_events: demo book",
                    )
                    if config.has_credentials:
                        group.create_task(
                            paper_trader(config, state.symbols[0]),
                            name="weex_events: demo paper orders",
                        )
                    if screen is not None:
                        group.create_task(
                            _redraw(client, state, screen),
                            name="weex_events: demo screen",
                        )


async def _follow_book(
    client: WeexWebSocketClient, symbol: str, sink: Callable[[StreamMessage], None]
) -> None:
    async for msg in client.stream_order_book(symbol, level=BOOK_LEVELS):
        sink(msg)


@dataclass
class _Screen:
    """The live view on the alternate screen, and the log records it holds."""

    console: Console
    live: Live
    logs: HeldLogs

    def draw(self, state: DemoState) -> None:
        width, height = self.console.size  # read each time: follows resizes
        self.live.update(render(state, width, height, self.logs), refresh=True)


@contextlib.contextmanager
def _screen(out: TextIO, live: bool) -> Iterator[_Screen | None]:
    """The alternate screen on ``out`` while the block runs (``None`` unless
    ``live``); log records bound for the terminal are held meanwhile, and
    written after the screen is restored, however the block ends."""
    if not live:
        yield None
        return
    console = Console(file=out)
    # Exited in reverse: the screen is restored before the held logs are written.
    with (
        hold_terminal_logs(logging.getLogger("weex_events")) as logs,
        # Redrawn from one task (auto_refresh off): rich's refresh thread would
        # read the state while handlers change it.
        Live(
            console=console,
            screen=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
            vertical_overflow="crop",
        ) as view,
    ):
        yield _Screen(console, view, logs)


async def _redraw(
    client: WeexWebSocketClient, state: DemoState, screen: _Screen
) -> None:
    """Redraw the screen until cancelled."""
    while True:
        state.stats = client.stats
        screen.draw(state)
        await asyncio.sleep(REDRAW_INTERVAL)
