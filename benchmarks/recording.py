"""The cost of recording: the Recorder's per-frame call and its writer's work.

``python -m benchmarks.recording`` times, on the benchmark's ticker and depth
frames:

* the per-frame call the read loop makes (``Recorder.frame_in``), in CPU time of
  the calling thread only (``time.thread_time``), with the writer thread
  running and draining as it would in a session;
* the whole cost of recording a frame, in CPU time of the process (the call, plus
  the writer thread's encoding, gzip compression and writes), from the first
  call to the end of ``close()``;
* ``V3Codec.decode`` of the same frames, the SDK's own per-frame work, for scale.

Best of several repeats; nothing here asserts a timing. The budget (issue 15) is
recording under 10 % of a frame's processing cost (about 4 µs per frame on the
reference machine), so the call should stay well under 0.4 µs.

Imports: ``benchmarks.frames``, ``benchmarks.breakdown``, ``weex_events``
(recording, the V3 codec), the standard library.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import frames
from .breakdown import measure

__all__ = ["FRAME_COST", "RecordingCost", "format_costs", "main", "measure_recording"]

#: µs of processing per frame the budget is measured against (issue 15).
FRAME_COST = 4.0


@dataclass(frozen=True)
class RecordingCost:
    """µs per frame for one frame set.

    Attributes:
        name: the frames measured.
        call: the read loop's ``frame_in`` call (calling thread's CPU).
        total: everything recording costs the process per frame (all threads).
        decode: ``V3Codec.decode`` of the same frames, for scale.
        dropped: records the recorder had to drop (should be 0).
    """

    name: str
    call: float
    total: float
    decode: float
    dropped: int


def _record_once(raw: Sequence[bytes], path: Path) -> tuple[float, float, int]:
    from weex_events.recording import Recorder

    rec = Recorder(path, buffer_size=len(raw) + 1)
    rec.start()
    frame_in = rec.frame_in
    wall, mono = time.time(), time.monotonic()
    cpu0, thread0 = time.process_time(), time.thread_time()
    for frame in raw:
        frame_in("public", 1, frame, wall, mono)
    call = time.thread_time() - thread0
    rec.close()
    total = time.process_time() - cpu0
    return call / len(raw) * 1e6, total / len(raw) * 1e6, rec.stats.dropped


def _cost(name: str, raw: Sequence[bytes], gzip: bool, repeats: int) -> RecordingCost:
    from weex_events.protocol.v3 import V3Codec

    codec = V3Codec()
    decode = measure(lambda f: codec.decode(f, 0.0), raw, repeats)
    best_call = best_total = float("inf")
    dropped = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):
            path = Path(tmp) / f"r{i}.ndjson{'.gz' if gzip else ''}"
            call, total, lost = _record_once(raw, path)
            best_call, best_total = min(best_call, call), min(best_total, total)
            dropped += lost
    return RecordingCost(name, best_call, best_total, decode, dropped)


def measure_recording(count: int = 50_000, repeats: int = 5) -> list[RecordingCost]:
    """The costs for ticker and depth frames, to plain and gzip files."""
    tickers = [frames.encode(f) for f in frames.ticker_frames(count=count)]
    depth = [frames.encode(f) for f in frames.depth_frames(depth=200, deltas=count)]
    return [
        _cost("ticker → .ndjson", tickers, False, repeats),
        _cost("ticker → .ndjson.gz", tickers, True, repeats),
        _cost("depth200 → .ndjson.gz", depth, True, repeats),
    ]


def format_costs(costs: Sequence[RecordingCost]) -> str:
    """A Markdown table of ``costs``."""
    lines = [
        "| frames | frame_in call µs | call / 4 µs | call / decode "
        "| all recording work µs | decode µs | dropped |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in costs:
        lines.append(
            f"| {c.name} | {c.call:.3f} | {c.call / FRAME_COST:.1%} "
            f"| {c.call / c.decode:.1%} | {c.total:.2f} | {c.decode:.2f} "
            f"| {c.dropped} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table (``--frames``, ``--repeats``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recording")
    parser.add_argument("--frames", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(format_costs(measure_recording(args.frames, args.repeats)))


if __name__ == "__main__":
    main()
