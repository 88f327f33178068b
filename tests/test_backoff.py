"""Tests for weex_events.backoff: delays are data, jitter has its own generator."""

from __future__ import annotations

import itertools
import random

from weex_events.backoff import backoff


def test_jitter_leaves_the_global_generator_alone() -> None:
    """Drawing delays does not advance random's global state (a seeded user
    program sees the same numbers with or without reconnects)."""
    random.seed(42)
    expected = random.random()
    random.seed(42)
    delays = list(itertools.islice(backoff(1.0, 8.0, 2.0), 5))
    assert random.random() == expected
    caps = [1.0, 2.0, 4.0, 8.0, 8.0]
    assert all(cap / 2 <= d <= cap for d, cap in zip(delays, caps, strict=True))
