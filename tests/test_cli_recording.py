"""``weex-events record`` and ``weex-events replay``, in-process through ``main``,
against the embedded simulator (or a standalone ``sim`` for the WEEX_* path)."""

from __future__ import annotations

import gzip
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.test_cli import ROOT, WEEX_VARS, child_env, read_until
from weex_events.cli import main
from weex_events.cli.recordings import event_of
from weex_events.recording import read_records, rotation_set


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No WEEX_* variable of the developer's shell leaks into a test."""
    for name in WEEX_VARS:
        monkeypatch.delenv(name, raising=False)


def recorded_tickers(path: Path) -> list[tuple[float, str]]:
    """(receive time, last price) of every BTCUSDT ticker push recorded."""
    out = []
    for record in read_records(path):
        if record.dir == "in" and record.frame and '"e":"ticker"' in record.frame:
            doc = json.loads(record.frame)
            if doc["s"] == "BTCUSDT":
                out.append((record.t, doc["d"][0]["c"]))
    return out


def test_record_sim_then_replay_prints_the_recorded_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``record --sim`` writes the session; ``replay FILE EVENT`` prints each
    recorded push as tail does, with the recorded receive time; without EVENT
    it prints the events of the recorded subscriptions."""
    path = tmp_path / "cli.ndjson.gz"
    args = ["record", "ticker:BTCUSDT", "--sim", "-o", str(path), "--count", "4"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "recording ticker:BTCUSDT" in captured.out
    assert "records in 1 file(s)" in captured.err
    tickers = recorded_tickers(path)
    assert len(tickers) >= 4

    assert main(["replay", str(path), "ticker:BTCUSDT"]) == 0
    lines = [orjson.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["received_at"], x["data"]["last"]) for x in lines] == tickers
    assert {x["event"] for x in lines} == {"ticker:BTCUSDT"}

    assert main(["replay", str(path)]) == 0
    again = [orjson.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert again == lines


def test_replay_of_a_damaged_file_exits_1_after_printing_what_precedes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recording cut mid-line prints every event before the cut, then one
    error line naming the file and line, status 1, no traceback."""
    path = tmp_path / "whole.ndjson"
    args = ["record", "ticker:BTCUSDT", "--sim", "-o", str(path), "--count", "3"]
    assert main(args) == 0
    capsys.readouterr()
    lines = path.read_bytes().splitlines(keepends=True)
    last_ticker = max(i for i, x in enumerate(lines) if b"ticker" in x and b'"in"' in x)
    cut = tmp_path / "cut.ndjson"
    cut.write_bytes(b"".join(lines[:last_ticker]) + lines[last_ticker][:30])
    assert main(["replay", str(cut), "ticker:BTCUSDT"]) == 1
    captured = capsys.readouterr()
    printed = [orjson.loads(x)["data"]["last"] for x in captured.out.splitlines()]
    assert printed == [c for _, c in recorded_tickers(path)][:-1]
    error = captured.err.splitlines()[-1]
    assert error.startswith(f"weex-events: error: {cut}, line {last_ticker + 1}: ")
    assert "Traceback" not in captured.err


def test_record_rotates_by_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--rotate-mb`` starts numbered files; replay reads the whole set."""
    path = tmp_path / "rot.ndjson"
    args = ["record", "book:BTCUSDT", "--sim", "-o", str(path), "--count", "30"]
    assert main([*args, "--rotate-mb", "0.004"]) == 0
    capsys.readouterr()
    files = rotation_set(path)
    assert len(files) >= 2 and files[1].name == "rot.1.ndjson"
    assert main(["replay", str(path), "book:BTCUSDT"]) == 0
    books = capsys.readouterr().out.splitlines()
    assert len(books) >= 30


def test_record_reads_the_environment_and_writes_no_secret(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without ``--sim``, ``record`` connects where the WEEX_* variables say
    (here a standalone ``sim``), private endpoint included, and the file holds
    none of the credentials."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "weex_events", "sim", "--port", "0", "--seconds", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        out = read_until(proc, lambda t: "WEEX_PASSPHRASE=" in t, timeout=30)
        exports = dict(re.findall(r"^export (WEEX_\w+)=(\S+)", out, re.M))
        for name, value in exports.items():
            monkeypatch.setenv(name, value)
        path = tmp_path / "env.ndjson.gz"
        args = ["record", "trade:ETHUSDT", "order", "-o", str(path), "--count", "2"]
        assert main(args) == 0
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    capsys.readouterr()
    opens = {r.ep: r.url for r in read_records(path) if r.dir == "open"}
    assert opens == {
        "public": exports["WEEX_WS_PUBLIC_URL"],
        "private": exports["WEEX_WS_PRIVATE_URL"],
    }
    plain = gzip.decompress(path.read_bytes())
    for name in ("WEEX_API_KEY", "WEEX_SECRET_KEY", "WEEX_PASSPHRASE"):
        assert exports[name].encode() not in plain


def test_event_of_maps_wire_channels_to_events() -> None:
    """Subscribed wire names of both generations map back to event names."""
    assert event_of("BTCUSDT@ticker", "v3") == "ticker:BTCUSDT"
    assert event_of("btcusdt@depth15", "v3") == "book:BTCUSDT"
    assert event_of("ETHUSDT@kline_1m_LAST_PRICE", "v3") == "kline:ETHUSDT"
    assert event_of("ETHUSDT@trade", "v3") == "trade:ETHUSDT"
    assert event_of("orders", "v3") == "order"
    assert event_of("positions", "v2") == "position"
    assert event_of("ticker.cmt_btcusdt", "v2") == "ticker:BTCUSDT"
    assert event_of("depth.cmt_btcusdt.15", "v2") == "book:BTCUSDT"
    assert event_of("nonsense", "v3") is None
