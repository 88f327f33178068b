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
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .runners import RUNNERS

__all__ = [
    "BEFORE",
    "BEFORE_RUNNERS",
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
#: The SDK runners that ``--before`` repeats on an earlier checkout, each right
#: after its current twin (their result key is ``NAME@before``).
BEFORE_RUNNERS = frozenset(
    {"sdk_handler", "sdk_stream", "sdk_book15", "sdk_book200", "sdk_latency"}
)
#: Suffix of a runner's result measured on the ``--before`` checkout.
BEFORE = "@before"

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
        before: a checkout of an earlier version: each of
            :data:`BEFORE_RUNNERS` also runs with its ``weex_events``, in the
            same round (same harness, same frames), for a before/after ratio
            that no drift between two separate runs can blur.
    """

    rounds: int = 5
    frames: int = 100_000
    latency_frames: int = 6_000
    scale_frames: int = 600_000
    scale_rounds: int = 1
    runners: tuple[str, ...] = ORDER
    timeout: float = 300.0
    before: Path | None = None

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


def _env(root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(root), env.get("PYTHONPATH")])
    )
    return env


@contextmanager
def _overlay(before: Path) -> Iterator[Path]:
    """A directory whose ``benchmarks`` is this one and whose ``weex_events`` is
    ``before``'s: a runner started there measures the earlier SDK."""
    package = before / "weex_events"
    if not (package / "__init__.py").is_file():
        raise RunnerFailed("before", f"{before} has no weex_events package")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "benchmarks").symlink_to(ROOT / "benchmarks", target_is_directory=True)
        (root / "weex_events").symlink_to(package.resolve(), target_is_directory=True)
        yield root


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
    root: Path = ROOT,
) -> Result:
    """Run one runner process and return its JSON result; ``root`` is where
    ``benchmarks`` and ``weex_events`` are imported from.

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
            cwd=root,
            env=_env(root),
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
    if config.before is not None:
        with _overlay(config.before) as overlay:
            return _rounds(config, port, progress, overlay)
    return _rounds(config, port, progress, None)


def _rounds(
    config: SuiteConfig,
    port: int,
    progress: Callable[[str], None] | None,
    overlay: Path | None,
) -> list[Round]:
    rounds: list[Round] = []
    for index in range(config.rounds):
        results: Round = {}
        for name in config.runners:
            if name in SCALE_RUNNERS and index >= config.scale_rounds:
                continue
            twins = [(name, ROOT)]
            if overlay is not None and name in BEFORE_RUNNERS:
                twins.append((name + BEFORE, overlay))
            for key, root in twins:
                result = run_runner(
                    name,
                    port,
                    config.frames_for(name),
                    timeout=config.timeout,
                    root=root,
                )
                result["runner"] = key
                results[key] = result
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
