"""The benchmark suite of ``weex_events``: CPU time, latency and memory against a floor.

Run it with ``python -m benchmarks`` (see :mod:`benchmarks.__main__`). The pieces:
:mod:`.frames` builds realistic WEEX V3 frames, :mod:`.server` pushes them over
loopback, :mod:`.runners` are the measured clients (one process each),
:mod:`.suite` interleaves them in rounds, :mod:`.report` turns the results into a
Markdown table; :mod:`.profiling` (cProfile of one runner) and :mod:`.breakdown`
(the SDK's pieces timed alone) show where the time goes.

Benchmarks are not tests: they run on demand, never under ``pytest``.

Imports: nothing at package level.
"""
