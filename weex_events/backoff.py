"""Reconnect policy as data: a jittered, capped delay generator and a classifier
of which failures are worth retrying. Both are injectable (tests use zero delays).

Imports: ``errors``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from .errors import AuthenticationError, ClientClosedError

__all__ = ["Backoff", "backoff", "is_retryable"]

Backoff = Callable[[], Iterator[float]]
"""A factory of reconnect delays: called once per outage, iterated per attempt."""


def backoff(
    initial: float = 0.5,
    maximum: float = 30.0,
    factor: float = 2.0,
    *,
    rng: Callable[[], float] | None = None,
) -> Iterator[float]:
    """Jittered, capped exponential delays: ``initial``, ``initial*factor``, …

    Each delay is drawn uniformly from ``[d/2, d]`` where ``d`` is the capped
    exponential value ("equal jitter"), so simultaneous clients spread out while
    the delay still grows. With ``initial=0`` every delay is 0 (tests). The
    jitter comes from ``rng`` (a fresh ``random.Random`` when omitted),
    never from the global generator a user may have seeded.
    """
    if rng is None:
        rng = random.Random().random
    delay = initial
    while True:
        capped = min(delay, maximum)
        yield capped / 2 + rng() * capped / 2
        delay *= factor


def is_retryable(exc: BaseException) -> bool:
    """Whether a connection failure should be retried.

    Authentication failures and an explicit close are final; everything else
    (refused, reset, DNS, timeouts, abnormal closes) is retried.
    """
    return not isinstance(exc, AuthenticationError | ClientClosedError)
