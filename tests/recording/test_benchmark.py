"""The recording benchmark runs end to end on a few frames (no timing asserted)."""

from __future__ import annotations

from benchmarks.recording import format_costs, measure_recording


def test_recording_benchmark_measures_every_case_without_drops() -> None:
    """Each frame set gets a call cost, a total and a decode figure; none dropped."""
    costs = measure_recording(count=300, repeats=1)
    assert [c.name for c in costs] == [
        "ticker → .ndjson",
        "ticker → .ndjson.gz",
        "depth200 → .ndjson.gz",
    ]
    for cost in costs:
        assert cost.call > 0 and cost.total >= cost.call and cost.decode > 0
        assert cost.dropped == 0
    table = format_costs(costs)
    assert table.count("\n") == 4 and "frame_in call µs" in table
