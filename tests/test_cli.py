"""The ``weex-events`` command: pure rendering, and each command end to end.

Commands run in-process through ``main([...])`` (which calls ``asyncio.run``, so
these tests are sync) or as ``python -m weex_events`` subprocesses, always against
the embedded simulator on 127.0.0.1.
"""

from __future__ import annotations

import decimal
import io
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console

from weex_events import __version__
from weex_events.cli import check_events, json_line, main
from weex_events.dashboard import render
from weex_events.demo_state import DemoState, Throttle, plain_line
from weex_events.errors import ConfigError, WeexConnectionError
from weex_events.events import (
    Channel,
    ConnectionEvent,
    Endpoint,
    ErrorEvent,
    StreamMessage,
    SubscriptionEvent,
)

ROOT = Path(__file__).resolve().parent.parent
WEEX_VARS = (
    "WEEX_API_KEY",
    "WEEX_SECRET_KEY",
    "WEEX_PASSPHRASE",
    "WEEX_PROTOCOL",
    "WEEX_MARKET",
    "WEEX_WS_PUBLIC_URL",
    "WEEX_WS_PRIVATE_URL",
    "WEEX_REST_URL",
    "WEEX_NUMBER_TYPE",
)
TICKER = {
    "symbol": "BTCUSDT",
    "last": "65000.1",
    "volume": "8537.722",
    "change": "-1.8509",
}
TRADE = {
    "symbol": "BTCUSDT",
    "price": "65000.1",
    "size": "0.010",
    "side": "buy",
    "time": 1_700_000_000_000,
}
BOOK = {
    "symbol": "BTCUSDT",
    "bids": [("64999.9", "1.2"), ("64999.8", "0.5")],
    "asks": [("65000.0", "0.8")],
    "version": 7,
}


def message(kind: str, data: dict[str, Any], symbol: str = "BTCUSDT") -> StreamMessage:
    return StreamMessage(f"{kind}:{symbol}", kind, symbol, data, 1.0, 2.0, None)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No WEEX_* variable of the developer's shell leaks into a test."""
    for name in WEEX_VARS:
        monkeypatch.delenv(name, raising=False)


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in WEEX_VARS}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    return env


def read_until(
    proc: subprocess.Popen[bytes], done: Callable[[str], bool], timeout: float
) -> str:
    """Read the child's stdout until ``done(text)`` or ``timeout`` seconds."""
    assert proc.stdout is not None
    text = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while not done(text.decode()) and time.monotonic() < deadline:
            if sel.select(max(0.0, deadline - time.monotonic())):
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                text += chunk
    return text.decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- pure: lines, panels, throttle, JSON, event names ---------------------------------


def test_plain_lines_for_ticker_trade_and_book() -> None:
    """Plain mode prints one readable line per ticker, trade and book."""
    assert plain_line(message("ticker", TICKER)) == (
        "ticker BTCUSDT last=65000.1 change=-1.8509% volume=8537.722"
    )
    assert plain_line(message("trade", TRADE)) == "trade BTCUSDT buy 0.010 @ 65000.1"
    assert plain_line(message("book", BOOK)) == (
        "book BTCUSDT bid 64999.9 x 1.2 | ask 65000.0 x 0.8"
    )
    empty = dict(BOOK, bids=[], asks=[])
    assert plain_line(message("book", empty)) == "book BTCUSDT bid - | ask -"


def test_throttle_passes_one_line_per_symbol_and_interval() -> None:
    """A throttled kind passes once per interval per symbol; others always pass."""
    throttle = Throttle({"book": 0.5})
    assert throttle.allow("book", "BTCUSDT", 10.0)
    assert not throttle.allow("book", "BTCUSDT", 10.4)
    assert throttle.allow("book", "ETHUSDT", 10.4)
    assert throttle.allow("book", "BTCUSDT", 10.5)
    assert all(throttle.allow("trade", "BTCUSDT", 10.5) for _ in range(3))


def test_dashboard_shows_tickers_book_and_trades() -> None:
    """The dashboard renders every panel from the messages folded into its state."""
    state = DemoState(("BTCUSDT", "ETHUSDT"), url="ws://127.0.0.1:1/v3/ws/public")
    for msg in (message("ticker", TICKER), message("book", BOOK)):
        state.apply(msg)
    state.apply(message("trade", TRADE))
    plain, colored = io.StringIO(), io.StringIO()
    Console(file=plain, width=120, height=40, color_system=None).print(
        render(state, 120, 40)
    )
    Console(file=colored, width=120, height=40, color_system="standard").print(
        render(state, 120, 40)
    )
    screen = plain.getvalue()
    assert "ws://127.0.0.1:1/v3/ws/public" in screen
    assert re.search(r"BTCUSDT +65000\.1 +-1\.8509% +8537\.722", screen)
    assert re.search(r"ETHUSDT +…", screen)  # no ticker yet
    assert re.search(r"1\.2 +64999\.9 +65000\.0 +0\.8", screen)
    assert re.search(r"BTCUSDT +buy +0\.010 +65000\.1", screen)
    assert "\x1b[" not in screen
    assert "\x1b[" in colored.getvalue()


def test_json_line_keeps_exact_numbers() -> None:
    """A data message becomes one JSON line; Decimals stay exact text."""
    data = {"price": decimal.Decimal("65000.10"), "bids": [("1.5", "2")]}
    line = json_line(message("book", data), now=3.0)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert orjson.loads(line) == {
        "event": "book:BTCUSDT",
        "kind": "book",
        "symbol": "BTCUSDT",
        "timestamp": 1.0,
        "received_at": 2.0,
        "data": {"price": "65000.10", "bids": [["1.5", "2"]]},
    }


def test_json_line_for_lifecycle_payloads() -> None:
    """Lifecycle payloads are tailed under their own event name with their fields."""
    url = "ws://127.0.0.1:1/v3/ws/public"
    conn = orjson.loads(
        json_line(ConnectionEvent("reconnected", Endpoint.PUBLIC, url, attempt=2), 5.0)
    )
    assert conn["event"] == "reconnected" and conn["timestamp"] == 5.0
    assert conn["data"]["endpoint"] == "public" and conn["data"]["attempt"] == 2
    sub = SubscriptionEvent(
        "subscribed", Channel("ticker", "ETHUSDT"), "ETHUSDT@ticker"
    )
    sub_line = orjson.loads(json_line(sub, 5.0))
    assert sub_line["symbol"] == "ETHUSDT"
    assert sub_line["data"]["channel"] == "ticker:ETHUSDT"
    exc = WeexConnectionError("public", "reset")
    err = orjson.loads(json_line(ErrorEvent("connection", "lost", exception=exc), 5.0))
    assert err["event"] == "error"
    assert err["data"]["exception"] == "WeexConnectionError: public: reset"


@pytest.mark.parametrize(
    "events",
    [["ticker"], ["nonsense:BTCUSDT"], ["reconnected:BTCUSDT"], ["trade:"], [""]],
)
def test_check_events_rejects_bad_names(events: list[str]) -> None:
    """Unknown kinds, market kinds without a symbol and malformed names are refused."""
    with pytest.raises(ConfigError):
        check_events(events)


def test_check_events_accepts_market_private_and_lifecycle_events() -> None:
    """Symbol events, private kinds and lifecycle events are valid tail targets."""
    events = ["ticker:BTCUSDT", "kline:ethusdt", "order", "fill:BTCUSDT", "resync"]
    assert check_events(events) == events


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints the package version and exits 0."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"weex-events {__version__}"


@pytest.mark.parametrize(
    "argv",
    [["demo", "--seconds", "0"], ["demo", "--symbols", ","], ["tail"], []],
)
def test_usage_errors_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad arguments give argparse's usage message and exit status 2."""
    assert main(argv) == 2
    assert "usage: weex-events" in capsys.readouterr().err


# -- in-process commands -----------------------------------------------------------


def test_demo_plain_prints_changing_tickers_books_and_trades(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``demo --plain`` prints ticker, book and trade lines whose values move."""
    assert main(["demo", "--seconds", "2", "--plain", "--speed", "5"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    tickers = [x for x in lines if x.startswith("ticker BTCUSDT last=")]
    books = [x for x in lines if x.startswith("book BTCUSDT bid ")]
    trades = [x for x in lines if re.fullmatch(r"trade \w+ (buy|sell) \S+ @ \S+", x)]
    assert len(set(tickers)) > 1, out
    assert len(set(books)) > 1, out
    assert {t.split()[1] for t in trades} == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    assert "\x1b[" not in out


def test_demo_unknown_symbol_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A symbol the simulator does not know is a one-line error, status 2."""
    assert main(["demo", "--symbols", "NOPEUSDT", "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert "NOPEUSDT" in err and "Traceback" not in err


def test_tail_sim_prints_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """``tail ticker:BTCUSDT --sim --count 3`` prints exactly 3 ticker JSON lines."""
    assert main(["tail", "ticker:btcusdt", "--sim", "--count", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for record in map(orjson.loads, lines):
        assert record["event"] == "ticker:BTCUSDT" and record["kind"] == "ticker"
        assert record["symbol"] == "BTCUSDT" and record["data"]["last"]
        assert record["received_at"] >= record["timestamp"] - 60


def test_sim_prints_the_exports(capsys: pytest.CaptureFixture[str]) -> None:
    """``sim --port 0`` binds a free port and prints the variables to export."""
    assert main(["sim", "--seconds", "1", "--port", "0"]) == 0
    out = capsys.readouterr().out
    port = re.search(
        r"export WEEX_WS_PUBLIC_URL=ws://127\.0\.0\.1:(\d+)/v3/ws/public", out
    )
    assert port is not None and int(port.group(1)) > 0, out
    assert f"export WEEX_WS_PRIVATE_URL=ws://127.0.0.1:{port.group(1)}/" in out
    assert f"export WEEX_REST_URL=http://127.0.0.1:{port.group(1)}\n" in out
    assert "export WEEX_API_KEY=sim-key\n" in out  # the simulator's defaults
    assert "export WEEX_SECRET_KEY=sim-secret\n" in out


def test_sim_takes_its_paper_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    """``sim --api-key/--secret-key/--passphrase`` sets the accepted credentials."""
    argv = ["sim", "--seconds", "1", "--port", "0", "--api-key", "mine"]
    argv += ["--secret-key", "my secret", "--passphrase", "pp"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "export WEEX_API_KEY=mine\n" in out
    assert "export WEEX_SECRET_KEY='my secret'\n" in out
    assert "export WEEX_PASSPHRASE=pp\n" in out


def test_demo_shows_paper_orders_and_private_events(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The demo places paper orders and prints order, fill, position and account."""
    assert main(["demo", "--seconds", "4", "--plain"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^order BTCUSDT buy market \S+ pending$", out, re.M), out
    assert re.search(r"^order BTCUSDT buy market \S+ @ \S+ filled$", out, re.M)
    assert re.search(r"^fill BTCUSDT buy \S+ @ \S+ fee \S+ taker$", out, re.M)
    assert re.search(r"^position BTCUSDT long ", out, re.M)
    assert re.search(r"^account USDT balance \S+ \(OrderUpdate\)$", out, re.M)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["tail", "tickr:BTCUSDT", "--sim"], "tickr"),
        (["tail", "ticker", "--sim"], "needs a symbol"),
        (["tail", "order"], "api_key"),  # no WEEX_API_KEY in the environment
        (["tail", "ticker:NOPEUSDT", "--sim", "--seconds", "5"], "NOPEUSDT"),
    ],
)
def test_bad_event_exits_2(
    argv: list[str],
    needle: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bad event name, a private event without keys or an unknown symbol: status 2."""
    # Without --sim, nothing may reach production: point at a closed local port.
    monkeypatch.setenv("WEEX_WS_PUBLIC_URL", f"ws://127.0.0.1:{free_port()}/ws")
    assert main(argv) == 2
    err = capsys.readouterr().err
    last = err.splitlines()[-1]  # a library warning may come first
    assert last.startswith("weex-events: error: ") and needle in last
    assert "Traceback" not in err


def test_bad_environment_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad WEEX_* variable is named on stderr, status 2, before any connection."""
    monkeypatch.setenv("WEEX_PROTOCOL", "v9")
    assert main(["tail", "ticker:BTCUSDT"]) == 2
    assert "WEEX_PROTOCOL" in capsys.readouterr().err


def test_unreachable_endpoint_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A public endpoint nobody listens on: a clear message and status 1."""
    monkeypatch.setenv(
        "WEEX_WS_PUBLIC_URL", f"ws://127.0.0.1:{free_port()}/v3/ws/public"
    )
    assert main(["tail", "ticker:BTCUSDT", "--seconds", "5"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "Traceback" not in err


# -- subprocesses: python -m weex_events, signals ------------------------------------


def test_module_demo_without_a_terminal_prints_plain_lines() -> None:
    """``python -m weex_events demo`` into a pipe prints plain lines and exits 0."""
    proc = subprocess.run(
        [sys.executable, "-m", "weex_events", "demo", "--seconds", "2"],
        capture_output=True,
        text=True,
        timeout=20,
        env=child_env(),
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    kinds = {line.split()[0] for line in proc.stdout.splitlines()}
    assert {"ticker", "trade", "book"} <= kinds


def test_demo_stops_cleanly_on_ctrl_c() -> None:
    """SIGINT ends a running demo with status 0 and no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "weex_events", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        assert "\nbook " in read_until(proc, lambda t: "\nbook " in t, timeout=10)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert b"Traceback" not in err


def test_tail_reads_the_environment_of_a_standalone_sim(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tail`` follows the exported URLs of ``sim``; SIGTERM stops ``sim`` with 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "weex_events", "sim", "--port", "0", "--seconds", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        out = read_until(proc, lambda t: "WEEX_PASSPHRASE=" in t, timeout=10)
        exports = dict(re.findall(r"^export (WEEX_\w+)=(\S+)", out, re.M))
        assert set(exports) == {
            "WEEX_WS_PUBLIC_URL",
            "WEEX_WS_PRIVATE_URL",
            "WEEX_REST_URL",
            "WEEX_API_KEY",
            "WEEX_SECRET_KEY",
            "WEEX_PASSPHRASE",
        }, out
        for name, value in exports.items():
            monkeypatch.setenv(name, value)
        assert main(["tail", "trade:ETHUSDT", "--count", "2"]) == 0
        records = [orjson.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert [r["event"] for r in records] == ["trade:ETHUSDT"] * 2
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err


def test_demo_piped_into_a_closed_reader_exits_quietly() -> None:
    """``weex-events demo | head -2``: exit 0 and no traceback once head is done."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "weex_events", "demo", "--seconds", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        for _ in range(2):
            assert proc.stdout.readline()
        proc.stdout.close()  # the reader goes away, as `head` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert "Traceback" not in err and "BrokenPipe" not in err
