"""Where a runner's time goes: cProfile stats as a per-frame Markdown table.

``python -m benchmarks --profile sdk_handler`` runs one runner with ``--profile``
(cProfile enabled for the measured window only) and prints the functions with
the most *own* time, divided by the number of measured frames. cProfile adds a
roughly constant cost per Python call, so small functions look bigger than they
are: read the ranking and the calls per frame, and take absolute numbers from
the unprofiled suite. Time blocked in ``epoll.poll`` is waiting for the server,
not work: it is left out of the table and the total.

Imports: the standard library only.
"""

from __future__ import annotations

import os
import pstats
from dataclasses import dataclass

__all__ = ["ProfileRow", "format_profile", "top_functions"]


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """One function of a profile, per measured frame."""

    function: str
    calls_per_frame: float
    own_us: float
    cumulative_us: float


def _short(filename: str) -> str:
    """``.../site-packages/aiohttp/client_ws.py`` -> ``aiohttp/client_ws.py``."""
    parts = filename.replace(os.sep, "/").split("/")
    for anchor in ("site-packages", "main", "python3.11", "lib"):
        if anchor in parts[:-1]:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[index + 1 :])
    return "/".join(parts[-2:])


_IDLE = "<method 'poll' of 'select.epoll' objects>"
_Raw = dict[tuple[str, int, str], tuple[int, int, float, float, object]]


def _rows(path: str, frames: int) -> list[ProfileRow]:
    raw: _Raw = pstats.Stats(path).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_cc, calls, own, cum, _callers) in raw.items():
        if name == _IDLE:
            continue
        where = name if filename == "~" else f"{_short(filename)}:{line}({name})"
        rows.append(
            ProfileRow(where, calls / frames, own / frames * 1e6, cum / frames * 1e6)
        )
    rows.sort(key=lambda row: row.own_us, reverse=True)
    return rows


def top_functions(path: str, frames: int, limit: int = 20) -> list[ProfileRow]:
    """The ``limit`` functions with the most own time in the stats at ``path``."""
    return _rows(path, frames)[:limit]


def format_profile(path: str, frames: int, title: str, limit: int = 20) -> str:
    """A Markdown table of :func:`top_functions`, with the profiled total."""
    rows = _rows(path, frames)
    total = sum(row.own_us for row in rows)
    lines = [
        f"### {title}",
        "",
        f"{frames} frames; profiled own time {total:.2f} µs/frame "
        "(cProfile inflates per-call costs).",
        "",
        "| function | calls/frame | own µs/frame | cumulative µs/frame |",
        "|---|---:|---:|---:|",
    ]
    for row in rows[:limit]:
        lines.append(
            f"| `{row.function}` | {row.calls_per_frame:.2f} | {row.own_us:.3f} "
            f"| {row.cumulative_us:.3f} |"
        )
    return "\n".join(lines) + "\n"
