"""The measured clients, one per process: ``python -m benchmarks.runners NAME PORT N``.

Each runner connects to the load server (:mod:`benchmarks.server`), subscribes,
and consumes one run: warmup frames, then ``N`` measured frames between the
``start`` and ``end`` markers (:data:`benchmarks.frames.MARK_FIELD`). It prints
one JSON object on stdout: CPU time (``time.process_time``) and wall time over
the measured window, garbage collections in it, messages its consumer saw, the
process's peak RSS (:func:`peak_rss_kb`) and, for the latency runners, send → handler
latency percentiles. Every consumer does the same tiny amount of work per
message (one dict lookup for the marker, one counter), so differences are the
client's own cost.

Runners (the floor is the cheapest possible client on the same frames):

======================  ==========================================================
``floor_ticker``        bare ``aiohttp`` ``ws_connect`` loop + ``orjson.loads``
``naive_ticker``        the ``websockets`` library + stdlib ``json.loads``
``sdk_handler``         SDK, sync handler on ``ticker:SYMBOL`` for four symbols
``sdk_recording``       ``sdk_handler`` recording every frame to a ``.ndjson.gz``;
                        its ``us_per_frame`` is the event-loop thread's CPU (the
                        read loop), ``process_us`` the whole process's (writer
                        thread included)
``sdk_stream``          SDK, ``async for`` over ``stream_tickers`` (four symbols)
``floor_book15``        bare loop on a 15-level book's depth frames
``sdk_book15``          SDK, ``stream_order_book(symbol, level=5)`` (``@depth15``)
``floor_book200``       bare loop on a 200-level book's depth frames
``sdk_book200``         SDK, ``subscribe("book", level=200)`` + sync ``book`` handler
``floor_latency``       bare loop, steady 2,000 frames/s, send → after ``loads``
``sdk_latency``         SDK sync handler, steady 2,000 frames/s, send → handler
``floor_scale``         bare loop on 1,000 channels over 10 connections, 20,000/s
``sdk_scale``           SDK sync ``ticker`` + ``trade`` handlers, same channels
======================  ==========================================================

``--profile PATH`` wraps the measured window in ``cProfile`` and dumps the stats.

Imports: ``benchmarks.frames``, ``benchmarks.scale``, ``weex_events``, aiohttp,
orjson, websockets.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from .frames import BOOK_SYMBOL, MARK_FIELD, SEND_TIME_FIELD, TICKER_SYMBOLS
from .scale import SCALE_RATE, floor_scale, scale_params, sdk_scale

__all__ = ["RUNNERS", "Scenario", "Window", "main", "run"]

#: Frames per second of the latency runners.
LATENCY_RATE = 2000.0


def peak_rss_kb() -> int:
    """This process's peak resident set size, in KiB.

    Linux's ``VmHWM`` (the high-water mark of this program's own memory), not
    ``ru_maxrss``: that one carries over, through ``fork`` and ``exec``, the
    resident size of the parent that started the runner, so a small runner
    reported its parent's size (the floor read 3 MB more as soon as the suite
    imported ``weex_events`` itself). ``ru_maxrss`` where there is no
    ``/proc``.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass(frozen=True)
class Scenario:
    """What a runner asks the server for: channels and the shape of the run."""

    params: tuple[str, ...]
    rate: float = 0.0
    #: The scale case: ``rate`` is the aggregate over every connection.
    scale: bool = False

    def url(self, port: int, n: int, warmup: int) -> str:
        if self.scale:
            query = f"scale={self.rate:g}&total={len(self.params)}"
        else:
            query = f"n={n}&warmup={warmup}&expect={len(self.params)}"
            query += f"&rate={self.rate:g}"
        return f"ws://127.0.0.1:{port}/v3/ws/public?{query}"


TICKERS = Scenario(tuple(f"{s}@ticker" for s in TICKER_SYMBOLS))
BOOK15 = Scenario((f"{BOOK_SYMBOL}@depth15",))
BOOK200 = Scenario((f"{BOOK_SYMBOL}@depth200",))
STEADY = Scenario((f"{TICKER_SYMBOLS[0]}@ticker",), rate=LATENCY_RATE)
SCALE = Scenario(tuple(scale_params()), rate=SCALE_RATE, scale=True)


@dataclass
class Window:
    """The measured window, opened by the ``start`` marker, closed by ``end``.

    Attributes:
        seen: messages the consumer saw inside the window.
        latencies_ns: send → consumer latencies inside the window (latency runs).
        done: set when the ``end`` marker arrived.
        target: frames to measure (the scale runners close the window themselves).
    """

    profile_path: str | None = None
    thread_cpu: bool = False  # CPU of this thread only (not the whole process)
    target: int = 0
    seen: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    active: bool = False
    _cpu: float = 0.0
    _process: float = 0.0
    _wall: float = 0.0
    _gc: list[int] = field(default_factory=list)
    _profiler: cProfile.Profile | None = None

    def mark(self, mark: str) -> None:
        """React to a marker found in a message."""
        if mark == "start" and not self.active and not self.done.is_set():
            self.active = True
            self.seen = 1
            self._gc = _gc_counts()
            if self.profile_path is not None:
                self._profiler = cProfile.Profile()
                self._profiler.enable()
            self._wall = time.perf_counter()
            self._process = time.process_time()
            self._cpu = time.thread_time() if self.thread_cpu else self._process
        elif mark == "end" and not self.active:
            self.done.set()  # the start marker never reached the consumer
        elif mark == "end":
            process = time.process_time()
            cpu = time.thread_time() if self.thread_cpu else process
            wall = time.perf_counter()
            if self._profiler is not None and self.profile_path is not None:
                self._profiler.disable()
                self._profiler.dump_stats(self.profile_path)
            self.active = False
            self._cpu = cpu - self._cpu
            self._process = process - self._process
            self._wall = wall - self._wall
            self._gc = [b - a for a, b in zip(self._gc, _gc_counts(), strict=True)]
            self.done.set()

    def result(self, name: str, n: int) -> dict[str, Any]:
        """The JSON-able result of a finished window."""
        out: dict[str, Any] = {
            "runner": name,
            "n": n,
            "cpu_s": self._cpu,
            "wall_s": self._wall,
            "us_per_frame": self._cpu / max(1, n - 1) * 1e6,
            "process_us": self._process / max(1, n - 1) * 1e6,
            "wall_us": self._wall / max(1, n - 1) * 1e6,
            "seen": self.seen,
            "gc": self._gc,
            "maxrss_kb": peak_rss_kb(),
        }
        if self.latencies_ns:
            lat = sorted(self.latencies_ns)
            out["samples"] = len(lat)
            out["p50_us"] = lat[len(lat) // 2] / 1e3
            out["p99_us"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 1e3
            out["max_us"] = lat[-1] / 1e3
        return out


def _gc_counts() -> list[int]:
    return [gen["collections"] for gen in gc.get_stats()]


# -- floors ----------------------------------------------------------------------


async def _floor(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """Bare aiohttp: receive, ``orjson.loads``, look at the item. Nothing else."""
    latency = scenario.rate > 0
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, decode_text=False, max_msg_size=1 << 24) as ws,
    ):
        command = {"method": "SUBSCRIBE", "params": list(scenario.params), "id": 1}
        await ws.send_str(orjson.dumps(command).decode())
        loads = orjson.loads
        receive = ws.receive
        text = aiohttp.WSMsgType.TEXT
        lat = window.latencies_ns
        while True:
            msg = await receive()
            if msg.type is not text:
                break
            doc = loads(msg.data)
            kind = doc.get("e")
            if kind is None:
                continue  # greeting, acks
            item = doc["d"][0] if kind == "ticker" else doc
            if latency and window.active:
                lat.append(time.time_ns() - item[SEND_TIME_FIELD])
            window.seen += 1
            mark = item.get(MARK_FIELD)
            if mark is not None:
                window.mark(mark)
                if window.done.is_set():
                    break
    return {}


async def _naive(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """What a first attempt looks like: ``websockets`` and ``json.loads``."""
    from websockets.asyncio.client import connect

    loads = json.loads
    async with connect(url, proxy=None, max_size=1 << 24) as ws:
        command = {"method": "SUBSCRIBE", "params": list(scenario.params), "id": 1}
        await ws.send(json.dumps(command))
        async for message in ws:
            doc = loads(message)
            kind = doc.get("e")
            if kind is None:
                continue
            item = doc["d"][0] if kind == "ticker" else doc
            window.seen += 1
            mark = item.get(MARK_FIELD)
            if mark is not None:
                window.mark(mark)
                if window.done.is_set():
                    break
    return {}


# -- the SDK ---------------------------------------------------------------------


def _client(url: str, recorder: Any = None) -> Any:
    from weex_events import WeexConfig, WeexWebSocketClient

    base = url.split("/v3/")[0].replace("ws://", "")
    config = WeexConfig(
        ws_public_url=url,
        ws_private_url=f"ws://{base}/v3/ws/private",
        rest_url=f"http://{base}",
    )
    if recorder is None:  # also the form an earlier version takes (--before)
        return WeexWebSocketClient(config)
    return WeexWebSocketClient(config, recorder=recorder)


def _sdk_stats(client: Any) -> dict[str, Any]:
    import weex_events

    stats = client.stats
    return {
        # Which weex_events was measured (``--before`` runs an earlier one).
        "package": str(Path(weex_events.__file__).resolve().parent),
        "messages": stats.messages,
        "frames": stats.frames,
        "conflated": sum(stats.conflated.values()),
        "dropped": stats.drops,
        "resyncs": stats.resyncs,
        "decode_errors": stats.decode_errors,
    }


def _handler(window: Window, latency: bool = False) -> Callable[[Any], None]:
    lat = window.latencies_ns

    def handler(msg: Any) -> None:
        raw = msg.raw
        if latency and window.active:
            lat.append(time.time_ns() - raw[SEND_TIME_FIELD])
        window.seen += 1
        mark = raw.get(MARK_FIELD)
        if mark is not None:
            window.mark(mark)

    return handler


async def _sdk_handler(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """``client.on("ticker:SYMBOL", handler)``: subscribes by itself."""
    latency = scenario.rate > 0
    async with _client(url) as client:
        handler = _handler(window, latency)
        for param in scenario.params:
            client.on(f"ticker:{param.partition('@')[0]}", handler)
        await window.done.wait()
        return _sdk_stats(client)


async def _sdk_recording(
    url: str, scenario: Scenario, window: Window
) -> dict[str, Any]:
    """``sdk_handler`` with ``recorder=`` a gzip file (deleted afterwards)."""
    from weex_events.recording import Recorder

    window.thread_cpu = True
    with tempfile.TemporaryDirectory() as tmp:
        recorder = Recorder(Path(tmp) / "bench.ndjson.gz")
        async with _client(url, recorder) as client:
            handler = _handler(window)
            for param in scenario.params:
                client.on(f"ticker:{param.partition('@')[0]}", handler)
            await window.done.wait()
            stats = _sdk_stats(client)
        await recorder.aclose()
        stats["recorded"] = recorder.stats.written
        stats["recording_dropped"] = recorder.stats.dropped
    return stats


async def _consume(client: Any, stream: Any, window: Window) -> dict[str, Any]:
    """``async for`` over ``stream`` until the end marker; the stream's counters."""
    async for msg in stream:
        window.seen += 1
        mark = msg.raw.get(MARK_FIELD)
        if mark is not None:
            window.mark(mark)
            if window.done.is_set():
                break
    await stream.aclose()  # a closed stream has left client.stats: add its own
    stats = _sdk_stats(client)
    stats["conflated"] += stream.conflated
    stats["dropped"] += stream.dropped
    return stats


async def _sdk_stream(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """``async for msg in client.stream_tickers(symbols)``."""
    async with _client(url) as client:
        return await _consume(client, client.stream_tickers(TICKER_SYMBOLS), window)


async def _sdk_book15(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """``async for book in client.stream_order_book(symbol, level=5)``."""
    async with _client(url) as client:
        stream = client.stream_order_book(BOOK_SYMBOL, level=5)
        return await _consume(client, stream, window)


async def _sdk_book200(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """A sync ``book`` handler on a 200-level book (the full book every update)."""
    async with _client(url) as client:
        client.on("book", _handler(window))
        await client.subscribe("book", BOOK_SYMBOL, level=200)
        await window.done.wait()
        return _sdk_stats(client)


Body = Callable[[str, Scenario, Window], Awaitable[dict[str, Any]]]

#: name -> (scenario, client body)
RUNNERS: dict[str, tuple[Scenario, Body]] = {
    "floor_ticker": (TICKERS, _floor),
    "naive_ticker": (TICKERS, _naive),
    "sdk_handler": (TICKERS, _sdk_handler),
    "sdk_recording": (TICKERS, _sdk_recording),
    "sdk_stream": (TICKERS, _sdk_stream),
    "floor_book15": (BOOK15, _floor),
    "sdk_book15": (BOOK15, _sdk_book15),
    "floor_book200": (BOOK200, _floor),
    "sdk_book200": (BOOK200, _sdk_book200),
    "floor_latency": (STEADY, _floor),
    "sdk_latency": (STEADY, _sdk_handler),
    "floor_scale": (SCALE, floor_scale),
    "sdk_scale": (SCALE, sdk_scale),
}


async def run(
    name: str,
    port: int,
    n: int,
    *,
    warmup: int | None = None,
    profile: str | None = None,
    timeout: float = 300.0,
) -> dict[str, Any]:
    """Run one runner against the server on ``port``; returns its result.

    Raises:
        KeyError: unknown runner name.
        TimeoutError: the run did not finish within ``timeout`` seconds.
    """
    scenario, body = RUNNERS[name]
    if warmup is None:
        # Steady runs warm up for half a second; blasts on up to 2,000 frames
        # (the server's pause after the start marker grows with the warmup).
        warmup = (
            int(LATENCY_RATE / 2) if scenario.rate else min(2000, max(200, n // 10))
        )
    window = Window(profile_path=profile, target=n)
    async with asyncio.timeout(timeout):
        extra = await body(scenario.url(port, n, warmup), scenario, window)
    if scenario.scale:
        n = window.seen  # the window closes at the first poll past the target
    if not window.done.is_set() or window.active or not window.seen:
        raise RuntimeError(
            f"{name}: no measured window (the connection ended, or the start marker "
            "was conflated away because the server's pause after it was too short)"
        )
    result = window.result(name, n)
    result.update(extra)
    if scenario.scale:
        result["frames_per_s"] = n / max(result["wall_s"], 1e-9)
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.runners NAME PORT N [--warmup W] [--profile PATH]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runners")
    parser.add_argument("name", choices=sorted(RUNNERS))
    parser.add_argument("port", type=int)
    parser.add_argument("n", type=int, help="measured frames (at least 2)")
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--profile", default=None, help="dump cProfile stats here")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    result = asyncio.run(
        run(
            args.name,
            args.port,
            max(2, args.n),
            warmup=args.warmup,
            profile=args.profile,
            timeout=args.timeout,
        )
    )
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
