"""``python -m benchmarks``: run the suite and write the Markdown report.

Options: ``--rounds``, ``--frames``, ``--latency-frames``, ``--out``
(default ``benchmarks/results/report.md``; the raw results go beside it as
``.json``), ``--runners`` (a comma-separated subset), ``--quick`` (about 30 s),
``--scale-frames`` and ``--scale-rounds`` (the 1,000-channel scale case,
:mod:`benchmarks.scale`: 600,000 frames, 30 s at 20,000/s, in the first round
only by default), ``--profile RUNNER`` (one profiled run of a runner, printed
as a table of the functions with the most own time per frame; no report),
``--before CHECKOUT`` (also run the SDK runners on an earlier checkout's
``weex_events``, in the same rounds, and report now ÷ before),
``--breakdown`` (the SDK's hot-path pieces timed alone, see
:mod:`benchmarks.breakdown`) and ``--fanout`` (publisher → Redis → subscriber,
see :mod:`benchmarks.fanout`). The report also gives the least ratio each
throughput case could reach (:mod:`benchmarks.bound`).

Imports: ``benchmarks.suite``, ``benchmarks.report``, ``benchmarks.profiling``,
``benchmarks.breakdown``, ``benchmarks.bound``,
the standard library (and the measured libraries' versions, for the report).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from .bound import BOUNDS, least_costs
from .breakdown import breakdown, format_breakdown
from .profiling import format_profile
from .report import render_markdown
from .suite import (
    ORDER,
    ROOT,
    SuiteConfig,
    load_server,
    run_runner,
    run_suite,
    selected,
)

DEFAULT_OUT = ROOT / "benchmarks" / "results" / "report.md"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _meta(config: SuiteConfig, elapsed: float, argv: list[str]) -> dict[str, str]:
    libs = ", ".join(
        f"{name} {_version(name)}"
        for name in ("aiohttp", "orjson", "pyee", "websockets")
    )
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": f"`{' '.join(['python -m benchmarks', *argv])}`",
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, {platform.system()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "libraries": libs,
        "runs": (
            f"{config.rounds} rounds × {len(config.runners)} runners; "
            f"{config.frames:,} measured frames per throughput run, "
            f"{config.latency_frames:,} per latency run, "
            f"{config.scale_frames:,} per scale run (in {config.scale_rounds} "
            f"round(s)); {elapsed:.0f} s in all"
        ),
    }


def _profile(name: str, frames: int) -> int:
    with tempfile.TemporaryDirectory() as tmp, load_server() as port:
        path = str(Path(tmp) / f"{name}.prof")
        result = run_runner(name, port, frames, profile=path)
        title = f"{name}: {result['us_per_frame']:.2f} µs/frame under cProfile"
        sys.stdout.write(format_profile(path, result["n"], title))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, write the report; returns the exit code."""
    args_list = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="CPU time, latency and memory of weex_events against a floor.",
    )
    parser.add_argument("--rounds", type=int, default=None, help="default 5")
    parser.add_argument(
        "--frames", type=int, default=None, help="per throughput run (100000)"
    )
    parser.add_argument(
        "--latency-frames", type=int, default=None, help="per latency run (6000)"
    )
    parser.add_argument(
        "--scale-frames", type=int, default=None, help="per scale run (600000)"
    )
    parser.add_argument(
        "--scale-rounds",
        type=int,
        default=None,
        help="rounds that include the 30 s scale case (1; 0 skips it)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--runners", default=",".join(ORDER), help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="about 30 seconds")
    parser.add_argument("--profile", metavar="RUNNER", default=None)
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        metavar="CHECKOUT",
        help="also run the SDK runners on this earlier checkout, in the same rounds",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="time the SDK's pieces alone"
    )
    parser.add_argument(
        "--fanout", action="store_true", help="publisher → Redis → subscriber"
    )
    args = parser.parse_args(args_list)
    if args.fanout:
        from .fanout import format_fanout, run_fanout  # needs the fanout extra

        sizes = (20_000, 10_000) if args.quick else (200_000, 50_000)
        sys.stdout.write(format_fanout(run_fanout(*sizes)))
        return 0
    if args.breakdown:
        sys.stdout.write(format_breakdown(breakdown(args.frames or 20_000)))
        return 0
    quick = SuiteConfig(
        rounds=2, frames=20_000, latency_frames=2_000, scale_frames=60_000
    )
    base = quick if args.quick else SuiteConfig()
    try:
        runners = selected([r for r in args.runners.split(",") if r])
    except KeyError as exc:
        parser.error(f"unknown runner {exc}; choose from {', '.join(ORDER)}")
    if args.profile is not None:
        if args.profile not in ORDER:
            parser.error(f"unknown runner {args.profile!r}")
        return _profile(args.profile, args.frames or 50_000)
    config = SuiteConfig(
        rounds=args.rounds or base.rounds,
        frames=args.frames or base.frames,
        latency_frames=args.latency_frames or base.latency_frames,
        scale_frames=args.scale_frames or base.scale_frames,
        scale_rounds=(
            base.scale_rounds if args.scale_rounds is None else args.scale_rounds
        ),
        runners=runners,
        before=args.before,
    )
    began = time.monotonic()
    rounds = run_suite(config, progress=lambda line: print(line, file=sys.stderr))
    bounds = least_costs()
    meta = _meta(config, time.monotonic() - began, args_list)
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(rounds, meta, bounds, BOUNDS), encoding="utf-8")
    out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "rounds": rounds, "bounds": bounds}, indent=1),
        encoding="utf-8",
    )
    print(f"report written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
