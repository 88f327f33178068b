"""The private backlog limit of a consumer's queue (pure: no event loop needed
to fill it, one to read it)."""

from __future__ import annotations

import pytest

from weex_events import SlowConsumerError, SlowConsumerEvent, StreamMessage
from weex_events.queues import RECOVER, MessageQueue


def message(kind: str, n: int) -> StreamMessage:
    return StreamMessage(f"{kind}:BTCUSDT", kind, "BTCUSDT", {"n": n}, 0.0, 0.0, None)


def test_private_items_are_kept_up_to_the_limit_then_dropped_with_recover() -> None:
    """Past private_limit the whole backlog is dropped and reported once as
    policy "recover"; below it private items are kept past maxsize."""
    slow: list[SlowConsumerEvent] = []
    queue = MessageQueue(4, "h", slow.append, private_limit=10)
    for n in range(10):
        queue.put(message("fill", n))
    assert len(queue) == 10 and [e.policy for e in slow] == ["keep"]
    queue.put(message("fill", 10))
    assert len(queue) == 0 and queue.dropped == 11
    assert [(e.policy, e.pending) for e in slow] == [("keep", 5), (RECOVER, 11)]
    queue.put(message("fill", 11))  # a handler's queue goes on
    assert queue.get_nowait() == message("fill", 11)


def test_market_items_never_trip_the_private_limit() -> None:
    """A limit below maxsize does not touch market data: it drops the oldest."""
    slow: list[SlowConsumerEvent] = []
    queue = MessageQueue(8, "h", slow.append, private_limit=3)
    for n in range(9):
        queue.put(message("trade", n))
    assert len(queue) == 8 and queue.dropped == 1
    assert [e.policy for e in slow] == ["drop_oldest"]


async def test_a_failing_queue_ends_with_slow_consumer_error() -> None:
    """With fail=True (streams) the reader gets SlowConsumerError, nothing more."""
    queue = MessageQueue(2, "stream(fill)", None, private_limit=3, fail=True)
    for n in range(4):
        queue.put(message("fill", n))
    queue.put(message("fill", 4))  # closed: ignored
    with pytest.raises(SlowConsumerError) as failure:
        await queue.get()
    assert (failure.value.consumer, failure.value.pending, failure.value.limit) == (
        "stream(fill)",
        4,
        3,
    )
    assert "stream(fill)" in str(failure.value)


def test_without_a_limit_private_items_are_kept() -> None:
    """private_limit=None keeps the old behaviour: kept, reported once."""
    queue = MessageQueue(2, "h", None)
    for n in range(50):
        queue.put(message("order", n))
    assert len(queue) == 50 and queue.dropped == 0
