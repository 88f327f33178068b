"""The reconnect decision (weex_events.reconnect), pure: no socket, no loop, no
clock; failed opens and drops go through the same ``retryable``."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from weex_events import AuthenticationError, WeexConnectionError
from weex_events.reconnect import GiveUp, ReconnectPolicy, Retry


def doubling() -> Iterator[float]:
    """1, 2, 4, … (no jitter: the test reads the sequence)."""
    return (float(2**n) for n in itertools.count())


def drop(code: int = 1006) -> WeexConnectionError:
    return WeexConnectionError("public", "connection lost", close_code=code)


def test_drops_and_failed_opens_share_one_delay_sequence() -> None:
    """A drop starts an outage; failed opens continue its delays and attempts."""
    policy = ReconnectPolicy(doubling, reset_after=60.0)
    first = policy.after_drop(drop(), connected_for=100.0)
    refused = WeexConnectionError("public", "handshake refused with HTTP 503")
    second = policy.after_failure(refused)
    third = policy.after_failure(refused)
    assert (first, second, third) == (Retry(1.0, 1), Retry(2.0, 2), Retry(4.0, 3))


def test_delays_restart_only_after_a_healthy_period() -> None:
    """Up for less than reset_after continues the sequence; longer restarts it."""
    policy = ReconnectPolicy(doubling, reset_after=60.0)
    assert policy.after_drop(drop(), connected_for=0.0) == Retry(1.0, 1)
    assert policy.after_drop(drop(), connected_for=59.9) == Retry(2.0, 2)
    assert policy.after_drop(drop(), connected_for=60.0) == Retry(1.0, 1)


def test_retryable_decides_for_a_drop_by_close_code() -> None:
    """A classifier refusing close code 1008 ends the connection at that drop;
    any other close code is retried."""

    def retryable(exc: BaseException) -> bool:
        return not (isinstance(exc, WeexConnectionError) and exc.close_code == 1008)

    policy = ReconnectPolicy(doubling, retryable=retryable, reset_after=60.0)
    policy_failure = drop(1008)
    assert policy.after_drop(policy_failure, 5.0) == GiveUp(policy_failure)
    assert isinstance(policy.after_drop(drop(1011), 5.0), Retry)


def test_authentication_failure_is_final_by_default() -> None:
    """The default classifier gives up on an authentication failure only."""
    policy = ReconnectPolicy(doubling, reset_after=60.0)
    refused = AuthenticationError("the server refused the WebSocket credentials")
    assert policy.after_failure(refused) == GiveUp(refused)
    assert isinstance(policy.after_drop(drop(), 0.0), Retry)


@given(
    st.lists(
        st.tuples(st.booleans(), st.floats(0, 1000, allow_nan=False)),
        min_size=1,
        max_size=50,
    )
)
def test_attempts_count_up_within_an_outage(steps: list[tuple[bool, float]]) -> None:
    """Any mix of drops and failed opens: attempts rise by one per decision and
    fall back to 1 only at a drop after a healthy period."""
    policy = ReconnectPolicy(lambda: itertools.repeat(0.0), reset_after=60.0)
    expected = 0
    for is_drop, up_for in steps:
        if is_drop:
            decision = policy.after_drop(drop(), up_for)
            expected = 1 if up_for >= 60.0 or expected == 0 else expected + 1
        else:
            decision = policy.after_failure(drop())
            expected += 1
        assert decision == Retry(0.0, expected)
