"""The benchmark harness works end to end: frames, load server, runners, report.

Benchmarks are run on demand (``python -m benchmarks``); this only proves the
harness on a few hundred frames. Nothing here asserts a timing.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import aiohttp
import orjson
import pytest

from benchmarks import frames
from benchmarks.report import CHECKS, evaluate, render_markdown
from benchmarks.server import LoadServer
from benchmarks.suite import ORDER, ROOT, SCALE_RUNNERS, SuiteConfig, run_suite
from weex_events.book import OrderBook
from weex_events.protocol.v3 import V3Codec


@pytest.mark.parametrize("depth", [15, 200])
def test_depth_frames_keep_the_version_chain_and_the_window(depth: int) -> None:
    """Depth frames chain U to the previous u and leave the SDK's book == the model."""
    model = frames.BookModel(frames.BOOK_SYMBOL, depth, random.Random(7))
    codec = V3Codec()
    book = OrderBook(frames.BOOK_SYMBOL, depth)
    previous_last = None
    for i in range(300):
        frame = model.snapshot() if i == 0 else model.delta()
        if i:
            assert frame["U"] == previous_last
            assert 1 <= len(frame["b"]) + len(frame["a"]) <= 5
        previous_last = frame["u"]
        assert book.apply(codec.decode(frames.encode(frame), 0.0)) is None  # type: ignore[arg-type]
    assert book.valid
    assert book.bids(depth) == model.top("bids")
    assert book.asks(depth) == model.top("asks")


def test_ticker_frames_decode_and_keep_the_bench_fields_in_raw() -> None:
    """Tickers round-robin the symbols; markers and send stamps survive in raw."""
    codec = V3Codec()
    decoded = [
        codec.decode(frames.encode(f), 0.0)[0]  # type: ignore[index]
        for f in frames.ticker_frames(count=8)
    ]
    assert [m.symbol for m in decoded] == list(frames.TICKER_SYMBOLS) * 2
    start = frames.marked(frames.ticker_frames(count=1)[0], "start")
    assert codec.decode(frames.encode(start), 0.0)[0].raw[frames.MARK_FIELD] == "start"  # type: ignore[index]
    prefix, suffix = frames.stamped_template(mark="end")
    stamped = codec.decode(prefix + b"1700000000000000000" + suffix, 0.0)[0]  # type: ignore[index]
    assert stamped.raw[frames.SEND_TIME_FIELD] == 1700000000000000000
    assert stamped.raw[frames.MARK_FIELD] == "end"


async def test_load_server_greets_acks_and_rejects_like_weex() -> None:
    """The load server greets, acks SUBSCRIBE with its id and rejects unknown params."""
    server = LoadServer()
    port = await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"ws://127.0.0.1:{port}/v3/ws/public?expect=9") as ws,
        ):
            greeting = orjson.loads(await ws.receive_str(timeout=5))
            assert greeting["event"] == "connected"
            await ws.send_str(
                '{"method":"SUBSCRIBE","params":["BTCUSDT@ticker"],"id":7}'
            )
            assert orjson.loads(await ws.receive_str(timeout=5)) == {
                "result": True,
                "id": 7,
            }
            await ws.send_str('{"method":"SUBSCRIBE","params":["BTCUSDT@nope"],"id":8}')
            reply = orjson.loads(await ws.receive_str(timeout=5))
            assert reply["result"] is False
            assert reply["id"] == 8
    finally:
        await server.stop()


def test_every_runner_measures_a_window_and_the_report_covers_every_check() -> None:
    """One round of every runner on 200 frames gives results and a full report."""
    rounds = run_suite(
        SuiteConfig(
            rounds=1, frames=200, latency_frames=200, scale_frames=2000, timeout=120
        )
    )
    results = rounds[0]
    assert list(results) == list(ORDER)
    for name, result in results.items():
        if name in SCALE_RUNNERS:
            continue  # below
        assert result["n"] == 200, name
        assert result["cpu_s"] >= 0, name
        if not name.startswith("sdk_") or name in ("sdk_handler", "sdk_book200"):
            assert result["seen"] == 200, name  # nothing conflates on these paths
        else:
            assert 1 <= result["seen"] <= 200, name
    for name in ("floor_latency", "sdk_latency"):
        assert results[name]["samples"] == 199
    assert results["sdk_handler"]["decode_errors"] == 0
    assert results["sdk_book15"]["resyncs"] == 0
    for name in SCALE_RUNNERS:  # 1,000 channels, sharded: a short run
        assert results[name]["seen"] == results[name]["n"] >= 2000, name
        assert results[name]["samples"] == results[name]["n"], name
    assert results["sdk_scale"]["decode_errors"] == 0
    assert results["sdk_scale"]["dropped"] == 0
    report = render_markdown(rounds, {"date": "smoke test"})
    for check in CHECKS:
        assert check.case in report
    assert {row.verdict for row in evaluate(rounds)} <= {"PASS", "MISS", "info"}
    assert "## Scale case" in report


async def test_scale_server_shares_the_rate_and_serves_trades_only_when_asked() -> None:
    """A scale connection gets stamped tickers and trades for what it subscribed."""
    server = LoadServer()
    port = await server.start()
    url = f"ws://127.0.0.1:{port}/v3/ws/public?scale=2000&total=2"
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(url) as ws,
        ):
            await ws.receive_str(timeout=5)  # greeting
            params = ["AAAUSDT@ticker", "AAAUSDT@trade"]
            await ws.send_str(
                orjson.dumps(
                    {"method": "SUBSCRIBE", "params": params, "id": 1}
                ).decode()
            )
            kinds: set[str] = set()
            while kinds != {"ticker", "trade"}:
                doc = orjson.loads(await ws.receive_str(timeout=10))
                if "e" in doc:
                    assert doc["s"] == "AAAUSDT"
                    assert isinstance(doc["d"][0][frames.SEND_TIME_FIELD], int)
                    kinds.add(doc["e"])
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"ws://127.0.0.1:{port}/v3/ws/public") as ws,
        ):
            await ws.receive_str(timeout=5)
            await ws.send_str(
                '{"method":"SUBSCRIBE","params":["AAAUSDT@trade"],"id":2}'
            )
            assert orjson.loads(await ws.receive_str(timeout=5))["result"] is False
    finally:
        await server.stop()


def test_before_runs_the_earlier_checkout_in_the_same_round(tmp_path: Path) -> None:
    """``before=`` repeats an SDK runner on another checkout's weex_events, right
    after its twin, and the report compares the two."""
    shutil.copytree(ROOT / "weex_events", tmp_path / "weex_events")
    rounds = run_suite(
        SuiteConfig(
            rounds=1,
            frames=200,
            runners=("floor_ticker", "sdk_handler"),
            before=tmp_path,
            timeout=120,
        )
    )
    results = rounds[0]
    assert list(results) == ["floor_ticker", "sdk_handler", "sdk_handler@before"]
    assert results["sdk_handler"]["package"] == str(ROOT / "weex_events")
    before = results["sdk_handler@before"]
    assert before["package"] == str((tmp_path / "weex_events").resolve())
    assert before["seen"] == before["n"] == 200
    report = render_markdown(rounds, {"date": "smoke test"})
    section = report.split("## Against the earlier version", 1)[1]
    assert "ticker, sync handler `on('ticker:SYM')`" in section


def test_bound_does_the_sdks_work_on_the_benchmark_frames() -> None:
    """The lower bound is only a bound if it does what the SDK does: the same
    ticker messages, and the same books after every frame."""
    from benchmarks.bound import (
        _depth_frames,
        _ticker_frames,
        book_bound,
        read_latest,
        ticker_bound,
    )
    from weex_events.events import StreamMessage

    codec = V3Codec()
    pairs = _ticker_frames(300)
    got: list[StreamMessage] = []
    slots = ticker_bound(pairs, got.append)
    assert slots == {}  # handed to the handler, not queued
    expected = [codec.decode(raw, 0.0)[0] for raw in pairs]  # type: ignore[index]
    assert len(got) == len(expected) == 300
    for mine, sdk in zip(got, expected, strict=True):
        assert (mine.event, mine.kind, mine.symbol) == (sdk.event, "ticker", sdk.symbol)
        assert (mine.data, mine.timestamp, mine.raw) == (
            sdk.data,
            sdk.timestamp,
            sdk.raw,
        )
    # A stream's slots hold the latest record per symbol, normalized when read.
    latest = read_latest(ticker_bound(pairs))
    assert {event: msg.data for event, msg in latest.items()} == {
        msg.event: msg.data
        for msg in expected  # the last per symbol wins
    }
    assert all(latest[msg.event].timestamp == msg.timestamp for msg in expected[-4:])
    for depth in (15, 200):
        pairs = _depth_frames(depth, 400)
        book = OrderBook(frames.BOOK_SYMBOL, depth)
        for raw in pairs:
            assert book.apply(codec.decode(raw, 0.0)) is None  # type: ignore[arg-type]
        views: list[StreamMessage] = []
        bids, asks = book_bound(pairs, depth, views.append)
        assert (bids, asks) == (book.bids(depth), book.asks(depth))
        assert len(views) == 400
        assert views[-1].data["bids"] == book.bids(depth)
        assert views[-1].data["version"] == book.version


def test_report_gives_the_least_ratio_from_the_bounds() -> None:
    """(floor + bound) / floor, per throughput check with a bound."""
    rounds = [
        {
            "floor_book15": {"us_per_frame": 2.0},
            "sdk_book15": {"us_per_frame": 5.0},
        }
    ]
    report = render_markdown(rounds, {}, {"sdk_book15": 1.5}, {"sdk_book15": "work"})
    assert "## The least the guarantees allow" in report
    least = report.split("## The least the guarantees allow")[1]
    line = next(x for x in least.splitlines() if x.startswith("| book, `stream"))
    assert "| work | 1.50 µs | 1.75× | 2.50× (2.50–2.50) | ≤ 2× |" in line
    assert "least the guarantees" not in render_markdown(rounds, {})


def test_a_runners_peak_memory_is_its_own_not_its_parents() -> None:
    """ru_maxrss carries the parent's resident size through fork and exec; the
    runners report their own peak, so a big parent leaves a small child small."""
    import subprocess
    import sys

    ballast = bytearray(300 << 20)  # 300 MiB, resident (zero-filled)
    probe = (
        "import resource; from benchmarks.runners import peak_rss_kb; "
        "print(peak_rss_kb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    del ballast
    own, inherited = (int(x) for x in out.split())
    assert 0 < own < 150 << 10  # a bare interpreter: tens of MiB
    assert own <= inherited
