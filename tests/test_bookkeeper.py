"""Tests for weex_events.bookkeeper: depth frames routed to books, book messages out."""

from __future__ import annotations

from weex_events.bookkeeper import BookFeed, BookKeeper
from weex_events.events import Channel, StreamMessage
from weex_events.protocol import DepthUpdate

BOOK15 = Channel("book", "BTCUSDT", "15")


def depth(
    first: int,
    last: int,
    bids: list[tuple[str, str]],
    *,
    snapshot: bool = False,
    symbol: str = "BTCUSDT",
    level: int = 15,
) -> DepthUpdate:
    """A depth update as the V3 codec builds it (asks fixed far away)."""
    asks = [(str(200 + i), "1") for i in range(20)] if snapshot else []
    raw = {"U": first}
    return DepthUpdate(symbol, level, snapshot, first, last, bids, asks, 5.0, 6.0, raw)


def keeper() -> tuple[BookKeeper, list[StreamMessage], list[tuple[Channel, str]]]:
    """A keeper recording what it emits and the gaps it reports."""
    out: list[StreamMessage] = []
    gaps: list[tuple[Channel, str]] = []
    books = BookKeeper(str, out.append, lambda ch, why, _: gaps.append((ch, why)))
    return books, out, gaps


def snapshot(levels: int = 20) -> DepthUpdate:
    """A snapshot at version 1 with bids 100, 99, ..."""
    return depth(1, 1, [(str(100 - i), "1") for i in range(levels)], snapshot=True)


def test_book_message_carries_the_view_it_is_told() -> None:
    """A book tracked at 10 levels publishes 10 per side, then 3 once told 3."""
    books, out, _ = keeper()
    books.track(BOOK15, 10)
    books.apply(snapshot())
    msg = out[-1]
    assert (msg.event, msg.kind, msg.symbol) == ("book:BTCUSDT", "book", "BTCUSDT")
    assert (msg.timestamp, msg.received_at, msg.raw) == (5.0, 6.0, {"U": 1})
    assert len(msg.data["bids"]) == 10 and msg.data["version"] == 1
    books.track(BOOK15, 3)
    books.apply(depth(1, 2, [("100", "2")]))
    assert len(out[-1].data["bids"]) == 3
    assert out[-1].data["bids"][0] == ("100", "2")


def test_frames_for_books_nobody_holds_are_ignored() -> None:
    """Other symbols, other depths and released books produce no message."""
    books, out, gaps = keeper()
    books.track(BOOK15, 15)
    books.apply(depth(1, 1, [("1", "1")], snapshot=True, symbol="ETHUSDT"))
    books.apply(depth(1, 1, [("1", "1")], snapshot=True, level=200))
    assert out == []
    books.track(BOOK15, None)
    books.apply(snapshot())
    assert out == [] and gaps == []


def test_gap_is_reported_once_and_nothing_is_emitted() -> None:
    """A broken version chain calls on_gap once; later deltas stay silent."""
    books, out, gaps = keeper()
    books.track(BOOK15, 5)
    books.apply(snapshot())
    books.apply(depth(7, 8, [("100", "3")]))
    books.apply(depth(8, 9, [("100", "4")]))
    assert gaps == [(BOOK15, "gap")]
    assert books.resyncs == 1
    assert len(out) == 1  # the snapshot's message only


def test_a_delta_before_the_ack_is_a_late_frame_not_a_gap() -> None:
    """A channel released and taken again may still receive deltas of its old
    subscription: before the server acknowledged the new one they are dropped,
    after it a delta before the snapshot is a ``no_snapshot`` gap."""
    books, out, gaps = keeper()
    books.track(BOOK15, 15)
    books.apply(depth(7, 8, [("100", "3")]))  # still on the wire from before
    assert gaps == [] and out == [] and books.resyncs == 0
    books.apply(snapshot())
    assert len(out) == 1  # the snapshot was applied
    books.track(BOOK15, None)
    books.track(BOOK15, 15)
    books.acknowledged(BOOK15)
    books.apply(depth(7, 8, [("100", "3")]))
    assert gaps == [(BOOK15, "no_snapshot")] and books.resyncs == 1


def feed_keeper() -> tuple[BookKeeper, list[BookFeed]]:
    """A keeper handing out its feed instead of messages."""
    feeds: list[BookFeed] = []
    books = BookKeeper(str, lambda _m: None, lambda *_gap: None, emit_feed=feeds.append)
    books.track(BOOK15, 5)
    return books, feeds


def test_a_feed_builds_the_latest_view_when_read() -> None:
    """The one feed per channel gives a real dict of the latest update when read."""
    books, feeds = feed_keeper()
    books.apply(snapshot())
    books.apply(depth(1, 2, [("101", "7")]))
    assert len(feeds) == 2 and feeds[0] is feeds[1]  # reused, not copied
    feed = feeds[-1]
    assert (feed.event, feed.kind, feed.depth, feed.view) == (
        "book:BTCUSDT",
        "book",
        15,
        5,
    )
    msg = feed.message(3)
    assert msg is not None and type(msg.data) is dict
    assert msg.data["bids"] == [("101", "7"), ("100", "1"), ("99", "1")]
    assert (msg.data["version"], msg.timestamp, msg.raw) == (2, 5.0, {"U": 1})


def test_a_feed_builds_nothing_between_a_gap_and_the_snapshot() -> None:
    """A queued feed yields nothing after a gap or release; a snapshot revives it."""
    books, feeds = feed_keeper()
    books.apply(snapshot())
    books.apply(depth(1, 2, [("101", "7")]))
    queued = feeds[-1]
    books.apply(depth(5, 6, [("102", "1")]))  # gap: the book is invalid
    assert queued.message(5) is None
    assert len(feeds) == 2
    books.apply(snapshot())
    fresh = queued.message(5)
    assert fresh is not None and fresh.data["bids"][0] == ("100", "1")
    books.track(BOOK15, None)
    assert queued.message(5) is None
