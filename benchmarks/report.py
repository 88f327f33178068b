"""From per-round results to the Markdown report, with targets and PASS/MISS.

Every comparison is made *within* a round (the SDK runner against its floor that
ran minutes, not hours, apart) and summarized over rounds as the median with the
min–max range: on a shared two-core machine single numbers lie, medians of
ratios much less. Pure: no I/O, no clock (the caller passes the metadata).

Imports: the standard library only.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CHECKS",
    "Check",
    "Row",
    "before_table",
    "detail_table",
    "evaluate",
    "least_table",
    "render_markdown",
    "results_table",
]

Round = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Check:
    """One line of the report: a runner against its floor.

    Attributes:
        case: what is measured, for humans.
        runner: the measured runner.
        floor: the runner it is compared with.
        metric: ``"cpu"`` (µs/frame, compared as a ratio; for ``sdk_recording``
            the event-loop thread's CPU), ``"wall"`` and ``"process"`` (wall time
            and whole-process CPU per frame, ratios), ``"p99"``/``"p50"``
            (latency, compared as a difference in µs) or ``"rss"`` (peak RSS,
            a difference in MB).
        limit: the target (ratio, µs or MB); ``None`` for information only.
    """

    case: str
    runner: str
    floor: str
    metric: str
    limit: float | None = None


_SCALE = "1,000 channels (500 × ticker + trade) sharded, 20,000 frames/s"

CHECKS = (
    Check("ticker, sync handler `on('ticker:SYM')`", "sdk_handler", "floor_ticker",
          "cpu", 1.8),
    Check("ticker, sync handler, recording on: read-loop thread CPU vs off",
          "sdk_recording", "sdk_handler", "cpu", 1.10),
    Check("ticker, sync handler, recording on: wall time vs off",
          "sdk_recording", "sdk_handler", "wall"),
    Check("ticker, sync handler, recording on: process CPU (writer included) vs off",
          "sdk_recording", "sdk_handler", "process"),
    Check("ticker, `stream_tickers(symbols)`", "sdk_stream", "floor_ticker", "cpu",
          1.9),
    Check("book, `stream_order_book(level=5)` on `@depth15`", "sdk_book15",
          "floor_book15", "cpu", 2.0),
    Check("book, sync `book` handler on `@depth200` (200 levels out)",
          "sdk_book200", "floor_book200", "cpu", 2.5),
    Check("ticker, naive client (`websockets` + `json`)", "naive_ticker",
          "floor_ticker", "cpu"),
    Check("latency p99 at 2,000 frames/s, send → handler", "sdk_latency",
          "floor_latency", "p99", 30.0),
    Check("latency p50 at 2,000 frames/s, send → handler", "sdk_latency",
          "floor_latency", "p50"),
    Check("peak memory (peak RSS), ticker handler", "sdk_handler", "floor_ticker",
          "rss", 10.0),
    Check("peak memory (peak RSS), 200-level book handler", "sdk_book200",
          "floor_book200", "rss", 10.0),
    Check(f"scale: {_SCALE}, CPU", "sdk_scale", "floor_scale", "cpu"),
    Check(f"scale: {_SCALE}, latency p50", "sdk_scale", "floor_scale", "p50"),
    Check(f"scale: {_SCALE}, latency p99", "sdk_scale", "floor_scale", "p99"),
)  # fmt: skip


#: Metrics compared as a ratio (per-frame costs); the others as a difference.
_RATIOS = frozenset({"cpu", "wall", "process"})


@dataclass(frozen=True)
class Row:
    """An evaluated :class:`Check` (``None`` fields: not measured)."""

    check: Check
    measured: float | None
    floor: float | None
    median: float | None
    low: float | None
    high: float | None

    @property
    def verdict(self) -> str:
        """``PASS``, ``MISS``, ``info`` (no target) or ``n/a`` (not run)."""
        if self.median is None:
            return "n/a"
        if self.check.limit is None:
            return "info"
        return "PASS" if self.median <= self.check.limit else "MISS"


def _value(result: Mapping[str, Any], metric: str) -> float:
    if metric == "cpu":
        return float(result["us_per_frame"])
    if metric == "rss":
        return float(result["maxrss_kb"]) / 1024  # Linux: KiB
    return float(result[f"{metric}_us"])


def _compare(metric: str) -> Callable[[float, float], float]:
    if metric in _RATIOS:
        return lambda measured, floor: measured / floor
    return lambda measured, floor: measured - floor


def evaluate(rounds: Sequence[Round], checks: Sequence[Check] = CHECKS) -> list[Row]:
    """Per-round comparisons summarized as median (min–max), per check."""
    rows = []
    for check in checks:
        pairs = [
            (
                _value(r[check.runner], check.metric),
                _value(r[check.floor], check.metric),
            )
            for r in rounds
            if check.runner in r and check.floor in r
        ]
        if not pairs:
            rows.append(Row(check, None, None, None, None, None))
            continue
        compare = _compare(check.metric)
        deltas = [compare(m, f) for m, f in pairs]
        rows.append(
            Row(
                check,
                statistics.median(m for m, _ in pairs),
                statistics.median(f for _, f in pairs),
                statistics.median(deltas),
                min(deltas),
                max(deltas),
            )
        )
    return rows


def _unit(metric: str) -> str:
    per_frame = "µs/frame"
    return {"cpu": per_frame, "wall": per_frame, "process": per_frame, "rss": "MB"}.get(
        metric, "µs"
    )


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    digits = 1 if metric in ("rss", "p50", "p99") else 2
    return f"{value:.{digits}f} {_unit(metric)}"


def _delta(row: Row) -> str:
    if row.median is None or row.low is None or row.high is None:
        return "—"
    if row.check.metric in _RATIOS:
        return f"{row.median:.2f}× ({row.low:.2f}–{row.high:.2f})"
    unit = _unit(row.check.metric)
    return f"{row.median:+.1f} {unit} ({row.low:+.1f} to {row.high:+.1f})"


def _target(check: Check) -> str:
    if check.limit is None:
        return "—"
    if check.metric in _RATIOS:
        return f"≤ {check.limit:g}×"
    return f"≤ +{check.limit:g} {_unit(check.metric)}"


def results_table(rows: Sequence[Row]) -> list[str]:
    """The main table: one line per check."""
    lines = [
        "| case | SDK (median) | floor (median) | vs floor: median (min–max) "
        "| target | result |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for row in rows:
        metric = row.check.metric
        lines.append(
            f"| {row.check.case} | {_fmt(row.measured, metric)} "
            f"| {_fmt(row.floor, metric)} | {_delta(row)} | {_target(row.check)} "
            f"| {row.verdict} |"
        )
    return lines


def detail_table(rounds: Sequence[Round]) -> list[str]:
    """Per runner: µs/frame (or p50/p99) per round, GCs and consumer counts."""
    names = list(dict.fromkeys(name for r in rounds for name in r))
    head = " | ".join(f"round {i + 1}" for i in range(len(rounds)))
    lines = [
        f"| runner | {head} | gen0/1/2 GCs per 10k frames | consumer saw "
        "| conflated | peak RSS |",
        "|---|" + "---:|" * len(rounds) + "---:|---:|---:|---:|",
    ]
    for name in names:
        cells = []
        for r in rounds:
            res = r.get(name)
            if res is None:
                cells.append("—")
            elif "p99_us" in res:
                cells.append(f"{res['p50_us']:.0f}/{res['p99_us']:.0f} µs")
            else:
                cells.append(f"{res['us_per_frame']:.2f}")
        # The last round that ran it (the scale runners run in the first ones).
        last = next((r[name] for r in reversed(rounds) if name in r), {})
        n = max(1, int(last.get("n", 1)))
        gcs = "/".join(f"{c * 10_000 / n:.1f}" for c in last.get("gc", []))
        seen = last.get("seen", "—")
        conflated = last.get("conflated", "—")
        rss = f"{last.get('maxrss_kb', 0) / 1024:.1f} MB"
        lines.append(
            f"| `{name}` | {' | '.join(cells)} | {gcs} | {seen} | {conflated} | {rss} |"
        )
    return lines


def least_table(
    rows: Sequence[Row], bounds: Mapping[str, float], what: Mapping[str, str]
) -> list[str]:
    """Per throughput check with a bound: the least ratio the guarantees allow.

    ``bounds`` maps a runner to the CPU µs per frame that the work it must do
    costs at least (:mod:`benchmarks.bound`); with the run's median floor, the
    least ratio is ``(floor + bound) / floor``.
    """
    lines = []
    for row in rows:
        bound = bounds.get(row.check.runner)
        if bound is None or row.floor is None or row.check.metric != "cpu":
            continue
        least = (row.floor + bound) / row.floor
        lines.append(
            f"| {row.check.case} | {what.get(row.check.runner, '')} "
            f"| {bound:.2f} µs | {least:.2f}× | {_delta(row)} "
            f"| {_target(row.check)} |"
        )
    if not lines:
        return []
    return [
        "| case | the work every frame needs | its least cost | least ratio "
        "| SDK vs floor | target |",
        "|---|---|---:|---:|---:|---:|",
        *lines,
    ]


def render_markdown(
    rounds: Sequence[Round],
    meta: Mapping[str, str],
    bounds: Mapping[str, float] | None = None,
    bound_what: Mapping[str, str] | None = None,
) -> str:
    """The whole report: metadata, the results table, per-round details, and
    with ``bounds`` (runner → µs per frame, :mod:`benchmarks.bound`) the least
    ratio each case could reach."""
    rows = evaluate(rounds)
    lines = ["# weex_events benchmarks", ""]
    lines += [f"- **{key}**: {value}" for key, value in meta.items()]
    lines += [
        "",
        "## Results",
        "",
        "CPU time (`time.process_time`) per frame over the measured window; each "
        "ratio is SDK ÷ floor within one round, then the median over rounds "
        "(min–max in brackets). Latency is the server's `time.time_ns()` send "
        "stamp to the consumer's clock; memory is the runner process's peak RSS.",
        "",
        *results_table(rows),
        "",
        "## Per round",
        "",
        "µs/frame per round (latency runners: p50/p99). GCs, consumer counts and "
        "RSS are from the last round. A conflating stream's consumer sees far "
        "fewer messages than frames when it falls behind (DESIGN §2).",
        "",
        *detail_table(rounds),
        "",
    ]
    least = least_table(rows, bounds or {}, bound_what or {})
    if least:
        lines += [
            "## The least the guarantees allow",
            "",
            "The work the SDK must do with every frame, whatever its design "
            "(`benchmarks/bound.py`: read-loop duties, the checks, the normalized "
            "message or the applied book, the handler call or the conflating "
            "slot), written out in one loop and timed alone (best of 21, less "
            "what parsing the frames costs). *Least ratio* adds that cost to "
            "this run's median floor: an implementation keeping the same "
            "promises gets below it here only by doing the same work faster.",
            "",
            *least,
            "",
        ]
    before = before_table(rounds)
    if before:
        lines += [
            "## Against the earlier version",
            "",
            "The same SDK runners on an earlier checkout (`--before`), each run "
            "right after its current twin in every round: same harness, same "
            "frames, same load server. *Now ÷ before* is the per-round ratio of "
            "CPU per frame (for latency, the difference in µs), median (min–max); "
            "below 1 the current code is cheaper.",
            "",
            *before,
            "",
        ]
    scale = scale_table(rounds)
    if scale:
        lines += [
            "## Scale case",
            "",
            "1,000 channels (500 symbols × ticker and trade) over 100-channel "
            "connections at an aggregate 20,000 frames/s; the window opens one "
            "second after the last subscription. *Handled* counts frames the "
            "consumer saw in the window, *rate* is handled ÷ wall time (the server "
            "skips frames a client leaves unread, so a client falling behind shows "
            "a rate below 20,000/s), *drops* are the SDK's queue drops.",
            "",
            *scale,
            "",
        ]
    return "\n".join(lines)


def scale_table(rounds: Sequence[Round]) -> list[str]:
    """Per scale run: frames handled, rate, drops, CPU and latency (or nothing)."""
    rows = []
    for index, r in enumerate(rounds):
        for name in ("floor_scale", "sdk_scale"):
            res = r.get(name)
            if res is None:
                continue
            rows.append(
                f"| {index + 1} | `{name}` | {res['n']:,} "
                f"| {res.get('frames_per_s', 0):,.0f}/s | {res.get('dropped', 0)} "
                f"| {res['us_per_frame']:.2f} | {res['p50_us']:.0f} µs "
                f"| {res['p99_us']:.0f} µs |"
            )
    if not rows:
        return []
    return [
        "| round | runner | handled | rate | drops | CPU µs/frame | p50 | p99 |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]


#: The ``--before`` twins' results are keyed ``NAME@before`` (benchmarks.suite).
_BEFORE = "@before"


def before_table(rounds: Sequence[Round]) -> list[str]:
    """Each runner against its ``@before`` twin, per check (or nothing)."""
    checks = [
        check
        for check in CHECKS
        if check.metric in ("cpu", "p99")
        and any(check.runner + _BEFORE in r for r in rounds)
        and check.floor.startswith("floor_")
    ]
    if not checks:
        return []
    lines = [
        "| case | now | before | now ÷ before: median (min–max) "
        "| now vs floor | before vs floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for check in checks:
        twin = Check(check.case, check.runner, check.runner + _BEFORE, check.metric)
        before = Check(check.case, check.runner + _BEFORE, check.floor, check.metric)
        row, floor_now, floor_before = evaluate(rounds, (twin, check, before))
        lines.append(
            f"| {check.case} | {_fmt(row.measured, check.metric)} "
            f"| {_fmt(row.floor, check.metric)} | {_delta(row)} "
            f"| {_delta(floor_now)} | {_delta(floor_before)} |"
        )
    return lines
