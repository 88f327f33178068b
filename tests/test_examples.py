"""The examples run: each file of ``examples/`` as a subprocess against the simulator.

Every example is started with WEEX_* variables pointing at an in-process
:class:`~weex_events.sim.Simulator`; once it printed what its documentation promises
(and any fault was injected), it gets Ctrl-C and must exit with status 0. Nothing
waits for a fixed time window, so a slow, busy machine only makes the run longer;
``--seconds`` is only the safety net that ends an example that never prints what it
should. The examples run concurrently, so the whole module takes a few seconds.
Examples that need the private endpoint switch on by themselves once the simulator
accepts credentials.

The examples derived from docs/websocket-api.rst must also still hold the documented
code unchanged: that page is what users of the original ``weex_client`` rely on.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import inspect
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from weex_events import WeexRestClient
from weex_events.sim import Simulator
from weex_events.sim.connection import ConnectionView

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GUIDE = ROOT / "docs" / "websocket-api.rst"

#: Safety net: an example still running after this many seconds stops by itself
#: (its ``--seconds``); normally it gets Ctrl-C as soon as its output is complete.
SECONDS = 90.0
#: Bound on one example's whole run (start-up, streaming, shutdown).
DEADLINE = SECONDS + 30.0
SYMBOLS = ("BTCUSDT", "ETHUSDT", "ADAUSDT")
CREDENTIALS = {
    "api_key": "example-key-0001",
    "secret_key": "example-secret",
    "passphrase": "example-passphrase",
}

NUM = r"-?\d+(?:\.\d+)?"


def emoji(char: str) -> str:
    """A pattern for ``char`` as the examples print it: the emoji itself (the
    original guide's Mac Roman mis-encoding is corrected)."""
    return re.escape(char)


def mojibake(text: str) -> list[str]:
    """Runs of ``text`` that are UTF-8 bytes read as Mac Roman (``üìä`` for 📊)."""
    found = []
    for run in re.findall(r"[^\x00-\x7f]{2,}", text):
        with contextlib.suppress(UnicodeError):
            if run.encode("mac_roman").decode("utf-8") != run:
                found.append(run)
    return found


Fault = Callable[[Simulator], Awaitable[object] | object]
#: Whether an example printed (or wrote) enough: ``(stdout lines, cwd)``.
Ready = Callable[[list[str], Path], bool]


@dataclass(frozen=True)
class Case:
    """One example run and what its output must show.

    Attributes:
        name: the file name in ``examples/`` without ``.py``.
        expect: regular expressions; each must match a line of stdout (a pattern
            listed twice must match two lines).
        fault: done to the example's own simulator once a stdout line matches
            ``fault_after`` (a reconnect to survive, a depth gap to resync).
        fault_after: the regular expression that triggers ``fault``.
        needs: a module the example imports beyond weex_events.
        private: whether the example gets credentials (the private endpoint).
        ready: what must hold, beyond ``expect``, before the example is stopped.
        market: ``"spot"`` runs it on the simulator's spot host with
            ``WEEX_MARKET=spot``.
    """

    name: str
    expect: tuple[str, ...]
    fault: Fault | None = None
    fault_after: str = ""
    needs: str | None = None
    private: bool = False
    ready: Ready | None = None
    market: str = "contract"

    def complete(self, lines: list[str], cwd: Path) -> bool:
        """Whether the output shows everything ``expect`` asks for (and ``ready``)."""
        for pattern in dict.fromkeys(self.expect):
            found = sum(1 for line in lines if re.search(pattern, line))
            if found < self.expect.count(pattern):
                return False
        return self.ready is None or self.ready(lines, cwd)

    @property
    def key(self) -> str:
        """The run's name: the example's, with ``@spot`` for a spot run."""
        return self.name if self.market == "contract" else f"{self.name}@{self.market}"


@dataclass(frozen=True)
class Outcome:
    """How an example run ended."""

    returncode: int
    stdout: str
    stderr: str
    cwd: Path


def _skip_depth(sim: Simulator) -> None:
    sim.faults.skip_depth_version("BTCUSDT")


def _drop(sim: Simulator) -> None:
    sim.faults.drop()


def _stored(lines: list[str], cwd: Path) -> bool:
    """The Data Storage example committed at least one row."""
    database = cwd / "ticker_data.db"
    if not database.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=5)) as db:
            return bool(db.execute("SELECT COUNT(*) FROM tickers").fetchone()[0])
    except sqlite3.Error:
        return False  # not created yet, or busy: ask again on the next line


def _book_after_resync(lines: list[str], cwd: Path) -> bool:
    """A whole book was printed again after the resync line."""
    starts = [i for i, line in enumerate(lines) if line.startswith("resync ")]
    return bool(starts) and any(line.startswith("v") for line in lines[starts[0] :])


def _buy(quantity: str, market: str = "contract") -> Fault:
    async def buy(sim: Simulator) -> None:
        # The banner prints before the stream subscribes: wait for the private
        # subscription (polling: the simulator has no event for it), or the
        # order's updates would go to nobody.
        views = (
            (lambda: [ConnectionView(c) for c in sim.spot.connections])
            if market == "spot"
            else (lambda: list(sim.connections))
        )
        async with asyncio.timeout(DEADLINE):
            while not any(  # noqa: ASYNC110
                view.endpoint == "private" and view.subscriptions for view in views()
            ):
                await asyncio.sleep(0.02)
        config = sim.config(market=market)  # the default account
        async with WeexRestClient(config) as rest:
            await rest.place_order("BTCUSDT", "buy", quantity)

    return buy


PUBLIC_CASES = (
    Case("websocket_example", (r"^Ticker: \{'symbol': 'BTCUSDT', 'last': '\d",)),
    Case(
        "monitor_market",
        (
            rf"^{NUM}: BTC/USDT = \${NUM} \| Volume: {NUM} \| Change: {NUM}%$",
            rf"^{emoji('📊')} Monitoring BTC/USDT\.\.\.$",
        ),
    ),
    Case(
        "monitor_order_book",
        (
            rf"^{emoji('📊')} Order Book Snapshot:$",
            r"^Bids:$",
            r"^Asks:$",
            rf"^  1\. \${NUM} - {NUM}$",
            rf"^  3\. \${NUM} - {NUM}$",
        ),
    ),
    Case(
        "monitor_trades",
        (
            rf"^{NUM} {emoji('🟢')} {NUM} BTC @ \${NUM}$",  # a buy
            rf"^{NUM} {emoji('🔴')} {NUM} BTC @ \${NUM}$",  # a sell
        ),
    ),
    Case(
        "monitor_multiple_symbols",
        tuple(rf"^{symbol}: \${NUM}$" for symbol in SYMBOLS),
    ),
    Case(
        "real_time_analysis",
        (
            rf"^{NUM}: ({emoji('📈')} BUY signal|{emoji('📉')} SELL signal|"
            rf"{emoji('📊')} HOLD) - "
            rf"Price: \$\d+\.\d\d, MA: \$\d+\.\d\d$",
        ),
    ),
    Case(
        "paper_trading_engine",
        (rf"^{NUM}: Portfolio: \$\d+\.\d\d \| Balance: \$\d+\.\d\d$",),
    ),
    Case(
        "robust_websocket_client",
        (rf"^{emoji('🔌')} Connected \(attempt 1\)$", rf"^Price: \${NUM}$"),
    ),
    Case(
        "filtered_streaming",
        (
            rf"^{emoji('📈')} Significant move: {NUM}% \| "
            rf"Price: \${NUM} \| Volume: {NUM}$",
        ),
    ),
    Case("memory_efficient_streaming", (rf"^High price alert: \${NUM}$",)),
    Case(
        "batch_stream_processing",
        (r"^Batch: Avg: \$\d+\.\d\d \| Max: \$\d+\.\d\d \| Min: \$\d+\.\d\d$",),
    ),
    Case("websocket_with_heartbeat", (rf"^{emoji('💓')} Message received: {NUM}$",)),
    Case(
        "store_stream_data",
        (rf"^{emoji('💾')} Storing ticker data\.\.\.$",),
        needs="aiosqlite",
        ready=_stored,
    ),
    Case(
        "decorator_handlers",
        (
            rf"^ticker BTCUSDT last={NUM} change={NUM}%$",
            rf"^trade  ETHUSDT (buy|sell) {NUM} @ {NUM}$",
            rf"^kline  BTCUSDT 1m close={NUM}$",
            r"^error  in main\.<locals>\.fragile on trade:ETHUSDT: RuntimeError",
        ),
    ),
    Case(
        "wait_for_event",
        (
            rf"^first ticker: last={NUM} at {NUM}$",
            rf"^big trade: (buy|sell) {NUM} BTC @ {NUM}$",
        ),
    ),
    Case(
        "lifecycle_events",
        (
            r"^connected: True$",
            r"^subscribed: BTCUSDT@ticker$",
            r"^subscribed: BTCUSDT@ticker$",  # again, after the reconnect
            r"^subscription_failed: NOSUCHUSDT@ticker: ",
            r"^rejected as expected: NOSUCHUSDT@ticker$",
            r"^disconnected: public ws://\S+ \(connection lost\)$",
            rf"^reconnecting: public ws://\S+ \(.+\), attempt 1 in {NUM} s$",
            r"^reconnected: public ws://",
        ),
        fault=_drop,
        fault_after=r"^rejected as expected",
    ),
    Case(
        "order_book_resync",
        (
            rf"^v\d+ BTCUSDT bid {NUM} x {NUM} \| ask {NUM} x {NUM} \| spread {NUM}$",
            r"^resync BTCUSDT: gap \(expected U=\d+, got U=\d+ \(skipped ahead\)\)$",
        ),
        fault=_skip_depth,
        fault_after=r"^v\d+ BTCUSDT",
        ready=_book_after_resync,
    ),
)


async def _lose_a_fill(sim: Simulator) -> None:
    """Drop the private socket and trade while it is down: the fill's push is
    lost, and recovery must deliver it."""
    async with asyncio.timeout(DEADLINE):
        while not any(  # noqa: ASYNC110
            view.endpoint == "private" and len(view.subscriptions) == 4
            for view in sim.connections
        ):
            await asyncio.sleep(0.02)
    sim.faults.drop("private")
    sim.paper.place_order(sim.api_key, "BTCUSDT", "BUY", "0.01")


PRIVATE_CASES = (
    Case(
        "account_state",
        (
            rf"^recovered \((seed|reconnect)\) in {NUM} s: order=\d+ fill=\d+ ",
            r"^\[recovered\] account  USDT balance ",  # the seed
            r"^\[recovered\] fill BTCUSDT buy 0\.01(0*) @ ",  # the lost push
            rf"^account: \d+ open orders, 1 positions, USDT {NUM}$",
        ),
        fault=_lose_a_fill,
        fault_after=r"Watching the account",
        private=True,
    ),
    Case(
        "monitor_account",
        (rf"^{NUM}: Balance: {NUM} \| Available: \S+ \| Frozen: \S+$",),
        fault=_buy("0.01"),
        fault_after=r"Monitoring account updates",
        private=True,
    ),
    Case(
        "monitor_positions",
        (rf"^{NUM}: BTCUSDT long {NUM} \| PnL: ({NUM}|N/A)$",),
        fault=_buy("0.01"),
        fault_after=r"Monitoring positions",
        private=True,
    ),
    Case(
        "monitor_orders",
        (rf"^{NUM} \S+ Order \S+: BTCUSDT {NUM} \((new|partially_filled|filled)\)$",),
        fault=_buy("0.01"),
        fault_after=r"Monitoring orders",
        private=True,
    ),
    Case(
        "risk_monitored_trading",
        (
            r"Starting risk-monitored trading",
            rf"^{emoji('🚨')} POSITION SIZE LIMIT BREACHED: \$\d+\.\d\d$",
            r"^🚨 Closing BTCUSDT \(",
        ),
        fault=_buy("0.02"),  # about 2000 USD, above the block's 1000 USD limit
        fault_after=r"Starting risk-monitored trading",
        private=True,
    ),
)


#: WEEX-WS.md §1.7: the guide's public examples (those without a fault) on the
#: spot host, and the account and order monitors showing spot paper orders.
SPOT_CASES = (
    *(replace(case, market="spot") for case in PUBLIC_CASES if case.fault is None),
    Case(
        "monitor_account",
        (
            rf"^{NUM}: Balance: {NUM} \| Available: \S+ \| Frozen: \S+$",
            rf"^{NUM}: Balance: 0\.0099\d* \| Available: \S+ \| Frozen: 0$",
        ),
        fault=_buy("0.01", "spot"),
        fault_after=r"Monitoring account updates",
        private=True,
        market="spot",
    ),
    Case(
        "monitor_orders",
        (rf"^{NUM} \S+ Order \S+: BTCUSDT 0\.01\d* \((pending|filled)\)$",),
        fault=_buy("0.01", "spot"),
        fault_after=r"Monitoring orders",
        private=True,
        market="spot",
    ),
)


def private_sim_available() -> bool:
    """Whether the simulator serves the private endpoint (accepts credentials)."""
    return "api_key" in inspect.signature(Simulator).parameters


def _base_env() -> dict[str, str]:
    # The developer's own WEEX_* settings (maybe real keys) never reach an example.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEEX_")}
    path = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(PYTHONPATH=path, PYTHONIOENCODING="utf-8")
    return env


def _env(sim: Simulator, private: bool, market: str = "contract") -> dict[str, str]:
    """The environment of an example: WEEX_* pointing at ``sim`` (its ``market``)."""
    env = _base_env()
    env.update(
        WEEX_WS_PUBLIC_URL=sim.ws_public_url,
        WEEX_WS_PRIVATE_URL=sim.ws_private_url,
        WEEX_REST_URL=sim.rest_url,
    )
    if market == "spot":
        env.update(
            WEEX_MARKET="spot",
            WEEX_WS_PUBLIC_URL=sim.spot.ws_public_url,
            WEEX_WS_PRIVATE_URL=sim.spot.ws_private_url,
            WEEX_REST_URL=sim.spot.rest_url,
        )
    if private:
        env.update(
            WEEX_API_KEY=CREDENTIALS["api_key"],
            WEEX_SECRET_KEY=CREDENTIALS["secret_key"],
            WEEX_PASSPHRASE=CREDENTIALS["passphrase"],
        )
    return env


async def _run(case: Case, sim: Simulator, cwd: Path) -> Outcome:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / f"{case.name}.py"),
        "--seconds",
        str(SECONDS),
        cwd=cwd,
        env=_env(sim, case.private, case.market),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_default_ctrl_c,
    )
    assert proc.stdout is not None and proc.stderr is not None

    async def read_stdout() -> str:
        assert proc.stdout is not None
        lines: list[str] = []
        pending = case.fault
        stopped = False
        async for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line.rstrip("\n"))
            if pending is not None and re.search(case.fault_after, line):
                done = pending(sim)
                pending = None
                if inspect.isawaitable(done):
                    await done
            if not stopped and pending is None and case.complete(lines, cwd):
                # Everything promised is there: stop it as a user would.
                stopped = True
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGINT)
        return "".join(line + "\n" for line in lines)

    try:
        async with asyncio.timeout(DEADLINE):
            stdout, stderr, returncode = await asyncio.gather(
                read_stdout(), proc.stderr.read(), proc.wait()
            )
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return Outcome(returncode, stdout, stderr.decode("utf-8", "replace"), cwd)


def _default_ctrl_c() -> None:
    """In the child: Ctrl-C raises KeyboardInterrupt even if this process was
    started with SIGINT ignored (a background job of a shell)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def _run_all(cases: Sequence[Case], tmp: Path) -> dict[str, Outcome]:
    sim_args: dict[str, Any] = {"seed": 1, "speed": 5, "symbols": SYMBOLS}
    if private_sim_available():
        sim_args.update(CREDENTIALS)
    async with contextlib.AsyncExitStack() as stack:
        shared = await stack.enter_async_context(Simulator(**sim_args))
        jobs = []
        for case in cases:
            # A fault hits every connection of a simulator: give it its own.
            sim = shared
            if case.fault is not None:
                sim = await stack.enter_async_context(Simulator(**sim_args))
            cwd = tmp / case.key
            cwd.mkdir()
            jobs.append(_run(case, sim, cwd))
        outcomes = await asyncio.gather(*jobs)
    return {case.key: outcome for case, outcome in zip(cases, outcomes, strict=True)}


def _runnable(case: Case) -> bool:
    if case.private and not private_sim_available():
        return False
    return case.needs is None or importlib.util.find_spec(case.needs) is not None


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every example that can run here, run once, all at the same time."""
    cases = [case for case in PUBLIC_CASES + PRIVATE_CASES if _runnable(case)]
    return asyncio.run(_run_all(cases, tmp_path_factory.mktemp("examples")))


@pytest.fixture(scope="module")
def spot_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every spot run, all at the same time (a batch of its own, so that a
    busy machine does not see twice as many processes at once)."""
    cases = [case for case in SPOT_CASES if _runnable(case)]
    return asyncio.run(_run_all(cases, tmp_path_factory.mktemp("spot-examples")))


def _check(case: Case, outcome: Outcome) -> None:
    report = f"\n--- stdout ---\n{outcome.stdout[-3000:]}\n--- stderr ---\n"
    report += outcome.stderr[-3000:]
    assert outcome.returncode == 0, f"{case.name} exited {outcome.returncode}{report}"
    lines = outcome.stdout.splitlines()
    for pattern in dict.fromkeys(case.expect):
        wanted = case.expect.count(pattern)
        found = sum(1 for line in lines if re.search(pattern, line))
        assert found >= wanted, f"{case.name}: {pattern!r} matched {found}{report}"


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_public_example(case: Case, outcomes: dict[str, Outcome]) -> None:
    """A public example prints what its docs promise, and exits 0 on Ctrl-C."""
    if case.needs is not None:
        pytest.importorskip(case.needs)
    _check(case, outcomes[case.name])


@pytest.mark.skipif(
    not private_sim_available(), reason="the simulator has no private endpoint yet"
)
@pytest.mark.parametrize("case", PRIVATE_CASES, ids=lambda c: c.name)
def test_private_example(case: Case, outcomes: dict[str, Outcome]) -> None:
    """A private example prints the account activity an order causes, and exits 0
    on Ctrl-C."""
    _check(case, outcomes[case.name])


async def test_seconds_ends_an_example_cleanly(tmp_path: Path) -> None:
    """--seconds ends an example with status 0, whatever it printed by then."""
    async with Simulator(seed=1, speed=5, symbols=SYMBOLS) as sim:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(EXAMPLES / "websocket_example.py"),
            "--seconds",
            "0.5",
            cwd=tmp_path,
            env=_env(sim, private=False),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(DEADLINE):
            _, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode("utf-8", "replace")[-2000:]


@pytest.mark.parametrize("case", SPOT_CASES, ids=lambda c: c.key)
def test_spot_example(case: Case, spot_outcomes: dict[str, Outcome]) -> None:
    """With WEEX_MARKET=spot an example runs on the spot host; the account and
    order monitors print the spot paper order (0.01 BTC bought, less the fee)."""
    if case.needs is not None:
        pytest.importorskip(case.needs)
    _check(case, spot_outcomes[case.key])


def test_store_stream_data_fills_the_database(outcomes: dict[str, Outcome]) -> None:
    """The Data Storage example writes BTCUSDT tickers with real prices to SQLite."""
    pytest.importorskip("aiosqlite")
    database = outcomes["store_stream_data"].cwd / "ticker_data.db"
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT symbol, price, volume FROM tickers").fetchall()
    assert rows, "no ticker stored"
    assert {symbol for symbol, _, _ in rows} == {"BTCUSDT"}
    assert all(price > 0 and volume > 0 for _, price, volume in rows)


def test_order_book_republished_after_resync(outcomes: dict[str, Outcome]) -> None:
    """After a depth gap the example prints a resync, then whole books again."""
    lines = outcomes["order_book_resync"].stdout.splitlines()
    resync = next(i for i, line in enumerate(lines) if line.startswith("resync "))
    assert any(line.startswith("v") for line in lines[resync + 1 :])


def test_user_bot_test_example_passes(tmp_path: Path) -> None:
    """The weex_sim example tests pass when pytest runs them as a user's project."""
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")  # a user's defaults: pytest-asyncio strict mode
    # The plugin is loaded by module name whether or not weex_events is installed
    # (installed, its entry point "weex_events" is blocked to avoid a double load).
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "no:weex_events", "-p", "weex_events.testing"]
    command += ["-c", str(ini), "--rootdir", str(tmp_path)]
    command.append(str(EXAMPLES / "user_bot_test_example.py"))
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env=_base_env(),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b4 passed\b", result.stdout), result.stdout


# -- the documented blocks ---------------------------------------------------------


def documented_blocks() -> list[tuple[str, str]]:
    """``(section title, code)`` of each Python block of docs/websocket-api.rst.

    The code is dedented, with trailing blanks stripped from every line and the
    block's leading import lines removed (imports are what an example may add).
    """
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    blocks = []
    title = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        underline = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"([-~=^])\1{2,}", underline):
            title = line.strip()
        if line.strip() != ".. code-block:: python":
            i += 1
            continue
        i += 1
        body = []
        while i < len(lines) and (lines[i].startswith("   ") or not lines[i].strip()):
            body.append(lines[i][3:].rstrip())
            i += 1
        code = "\n".join(body).strip("\n").splitlines()
        while code and (not code[0] or code[0].startswith(("import ", "from "))):
            code.pop(0)
        blocks.append((title, "\n".join(code)))
    return blocks


def example_for(code: str) -> Path:
    """The example named after the first function or class the block defines."""
    match = re.search(r"^(?:async def|def|class) (\w+)", code, re.MULTILINE)
    assert match is not None, f"no definition in block:\n{code}"
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", match[1]).lower()
    return EXAMPLES / f"{name}.py"


def test_guide_has_the_seventeen_blocks() -> None:
    """docs/websocket-api.rst keeps all 17 code blocks of the original guide."""
    blocks = documented_blocks()
    assert len(blocks) == 17
    assert len({example_for(code) for _, code in blocks}) == 17


@pytest.mark.parametrize(
    ("title", "code"),
    [pytest.param(title, code, id=title) for title, code in documented_blocks()],
)
def test_example_holds_documented_block(title: str, code: str) -> None:
    """Each guide block appears verbatim in its example (only imports added)."""
    path = example_for(code)
    text = "\n".join(line.rstrip() for line in path.read_text("utf-8").splitlines())
    assert code in text, f"{path.name} no longer holds the block {title!r}"


def test_examples_and_guide_print_the_intended_emoji() -> None:
    """No example or guide line holds mis-encoded emoji; the emoji are intact."""
    files = [GUIDE, *sorted(EXAMPLES.glob("*.py"))]
    bad = {p.name: mojibake(p.read_text("utf-8")) for p in files}
    assert not {name: runs for name, runs in bad.items() if runs}
    assert "📊" in (EXAMPLES / "monitor_market.py").read_text("utf-8")
    garbled = "📊".encode().decode("mac_roman")  # "\uf8ffüìä"
    assert mojibake(f"{garbled} Monitoring") == [garbled]  # the check can see it
