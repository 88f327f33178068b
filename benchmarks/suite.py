"""The suite: one load server, runners in interleaved rounds, each in its own process.

Round after round, every runner runs once, in the same order (A B C … A B C …),
so slow drifts of a shared, noisy machine hit the SDK and its floor alike; the
report compares runners within a round. The load server
(``python -m benchmarks.server``) lives for the whole suite and serves the same
cached frames to every round; each runner is
``python -m benchmarks.runners NAME PORT N`` and prints one JSON line.

Imports: ``benchmarks.runners`` (names only), the standard library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .runners import RUNNERS

__all__ = [
    "ORDER",
    "ROOT",
    "RunnerFailed",
    "SuiteConfig",
    "load_server",
    "run_runner",
    "run_suite",
]

#: The repository root: runners import ``weex_events`` and ``benchmarks`` from here.
ROOT = Path(__file__).resolve().parent.parent

#: The order of runners within a round.
ORDER = (
    "floor_ticker",
    "naive_ticker",
    "sdk_handler",
    "sdk_recording",
    "sdk_stream",
    "floor_book15",
    "sdk_book15",
    "floor_book200",
    "sdk_book200",
    "floor_latency",
    "sdk_latency",
    "floor_scale",
    "sdk_scale",
)
#: The scale case's runners: long, so they run in the first ``scale_rounds`` only.
SCALE_RUNNERS = frozenset({"floor_scale", "sdk_scale"})

Result = dict[str, Any]
Round = dict[str, Result]


@dataclass(frozen=True)
class SuiteConfig:
    """How much to run.

    Attributes:
        rounds: rounds of every runner.
        frames: measured frames per throughput run.
        latency_frames: measured frames per latency run (at 2,000 frames/s).
        scale_frames: measured frames per scale run (600,000: 30 s at 20,000/s).
        scale_rounds: rounds that include the scale runners (the first ones).
        runners: which runners, in round order.
        timeout: seconds allowed for one runner process.
    """

    rounds: int = 5
    frames: int = 100_000
    latency_frames: int = 6_000
    scale_frames: int = 600_000
    scale_rounds: int = 1
    runners: tuple[str, ...] = ORDER
    timeout: float = 300.0

    def frames_for(self, name: str) -> int:
        """Measured frames for runner ``name``."""
        scenario, _body = RUNNERS[name]
        if scenario.scale:
            return self.scale_frames
        return self.latency_frames if scenario.rate else self.frames


class RunnerFailed(RuntimeError):
    """A runner process failed; carries the end of its stderr."""

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        self.detail = detail
        super().__init__(f"runner {name} failed: {detail}")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    return env


@contextmanager
def load_server() -> Iterator[int]:
    """Start ``python -m benchmarks.server`` on a free port; yield the port."""
    with subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", "--port", "0"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line.startswith("PORT "):
                raise RuntimeError(f"the load server did not start: {line!r}")
            yield int(line.split()[1])
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_runner(
    name: str,
    port: int,
    n: int,
    *,
    timeout: float = 300.0,
    profile: str | None = None,
) -> Result:
    """Run one runner process and return its JSON result.

    Raises:
        RunnerFailed: the process exited with an error or printed no result.
    """
    command = [sys.executable, "-m", "benchmarks.runners", name, str(port), str(n)]
    command += ["--timeout", str(timeout)]
    if profile is not None:
        command += ["--profile", profile]
    try:
        proc = subprocess.run(
            command,
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=timeout + 30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RunnerFailed(name, f"no result within {timeout + 30:g} s") from exc
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise RunnerFailed(name, " | ".join(tail) or f"exit code {proc.returncode}")
    result: Result = json.loads(lines[-1])
    return result


def run_suite(
    config: SuiteConfig,
    progress: Callable[[str], None] | None = None,
    port: int | None = None,
) -> list[Round]:
    """Run ``config.rounds`` rounds of ``config.runners``; one dict per round.

    Starts its own load server unless ``port`` names a running one.
    """
    if port is None:
        with load_server() as started:
            return run_suite(config, progress, started)
    rounds: list[Round] = []
    for index in range(config.rounds):
        results: Round = {}
        for name in config.runners:
            if name in SCALE_RUNNERS and index >= config.scale_rounds:
                continue
            result = run_runner(
                name, port, config.frames_for(name), timeout=config.timeout
            )
            results[name] = result
            if progress is not None:
                progress(_line(index, config.rounds, result))
        rounds.append(results)
    return rounds


def _line(index: int, total: int, result: Result) -> str:
    text = f"round {index + 1}/{total}  {result['runner']:<14}"
    if "p99_us" in result:
        return (
            text + f"  p50 {result['p50_us']:7.1f} µs  p99 {result['p99_us']:7.1f} µs"
        )
    return text + f"  {result['us_per_frame']:7.2f} µs/frame"


def selected(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` in round order, checked against the known runners.

    Raises:
        KeyError: an unknown runner name.
    """
    for name in names:
        if name not in RUNNERS:
            raise KeyError(name)
    return tuple(name for name in ORDER if name in names)
