"""Tests for weex_events.dispatch: the sync fast path of emit_message, no loop."""

from __future__ import annotations

from collections import Counter
from typing import Any

from weex_events.dispatch import Dispatcher
from weex_events.events import ErrorEvent, StreamMessage


def ticker(last: str) -> StreamMessage:
    """A ticker message for BTCUSDT."""
    data = {"symbol": "BTCUSDT", "last": last}
    return StreamMessage("ticker:BTCUSDT", "ticker", "BTCUSDT", data, 1.0, 1.0, {})


def test_sync_handlers_run_in_order_and_a_failure_is_isolated() -> None:
    """A raising sync handler becomes an error event; the others still run."""
    dispatcher = Dispatcher()
    seen: list[str] = []
    errors: list[ErrorEvent] = []

    def boom(msg: StreamMessage) -> None:
        seen.append("boom")
        raise ZeroDivisionError("no")

    dispatcher.add("error", errors.append)
    dispatcher.add("ticker:BTCUSDT", lambda m: seen.append("first " + m.data["last"]))
    dispatcher.add("ticker:BTCUSDT", boom)
    dispatcher.add("ticker", lambda m: seen.append("kind " + m.data["last"]))
    dispatcher.emit_message(ticker("1"))
    assert seen == ["first 1", "boom", "kind 1"]
    assert len(errors) == 1
    assert errors[0].source == "handler" and errors[0].event == "ticker:BTCUSDT"
    assert "ZeroDivisionError" in errors[0].message
    assert dispatcher.messages == 1 and dispatcher.handler_errors == 1
    assert dispatcher.kinds == {"ticker": 1}  # counted once, under its kind


def test_once_handler_runs_once_and_is_removed() -> None:
    """A once handler sees the first message only and leaves the registry."""
    dispatcher = Dispatcher()
    seen: list[Any] = []
    dispatcher.add("ticker:BTCUSDT", seen.append, once=True)
    dispatcher.emit_message(ticker("1"))
    dispatcher.emit_message(ticker("2"))
    assert [m.data["last"] for m in seen] == ["1"]
    assert dispatcher.handlers("ticker:BTCUSDT") == []


def test_observer_counts_every_message_and_stays_unlisted() -> None:
    """observe() sees every message of its events, is not a listed handler, and
    stops seeing them once removed."""

    dispatcher = Dispatcher()
    counts: Counter[str] = Counter()
    stop = dispatcher.observe(["ticker", "ticker"], lambda m: counts.update([m.kind]))
    handled: list[str] = []
    dispatcher.add("ticker", lambda m: handled.append(m.data["last"]))
    dispatcher.emit_message(ticker("1"))
    dispatcher.emit_message(ticker("2"))
    assert counts == {"ticker": 2} and handled == ["1", "2"]
    assert len(dispatcher.handlers("ticker")) == 1
    stop()
    dispatcher.emit_message(ticker("3"))
    assert counts == {"ticker": 2} and handled == ["1", "2", "3"]


def test_book_feeds_reach_streams_and_one_built_message_reaches_handlers() -> None:
    """emit_book gives feed listeners the feed, others one shared message."""
    from weex_events.bookkeeper import BookFeed, BookKeeper
    from weex_events.events import Channel
    from weex_events.protocol import DepthUpdate
    from weex_events.queues import MessageQueue

    dispatcher = Dispatcher()
    books = BookKeeper(
        str, dispatcher.emit_message, lambda *_gap: None, dispatcher.emit_book
    )
    books.track(Channel("book", "BTCUSDT", "15"), 2)
    queue = MessageQueue(8, "stream")
    dispatcher.add("book:BTCUSDT", queue.put, feeds=True)
    handled: list[StreamMessage] = []
    errors: list[ErrorEvent] = []
    dispatcher.add("error", errors.append)
    dispatcher.add("book:BTCUSDT", handled.append)
    dispatcher.add("book", handled.append)

    def boom(msg: StreamMessage) -> None:
        raise ValueError("no")

    dispatcher.add("book", boom)
    bids = [("100", "1"), ("99", "1"), ("98", "1")]
    for version in (1, 2, 3):
        snap = version == 1
        levels = bids if snap else [("100", str(version))]
        books.apply(
            DepthUpdate(
                "BTCUSDT", 15, snap, version - 1, version, levels, [], 1.0, 2.0, {}
            )
        )
    assert [m.data["bids"] for m in handled[::2]] == [
        [("100", "1"), ("99", "1")],
        [("100", "2"), ("99", "1")],
        [("100", "3"), ("99", "1")],
    ]
    assert all(a is b for a, b in zip(handled[::2], handled[1::2], strict=True))
    assert len(errors) == 3 and dispatcher.messages == 3
    assert len(queue) == 1 and queue.conflated == 2  # feeds conflate per event
    feed = queue.get_nowait()
    assert isinstance(feed, BookFeed) and feed.book.version == 3


def test_deferred_events_are_those_only_deferred_listeners_hear() -> None:
    """A ticker event is deferred while every listener of it, and of the
    ``ticker`` kind, takes deferred messages; any other listener (a handler,
    an observer) makes it eager again, and removing it restores the deferral."""
    dispatcher = Dispatcher()
    seen = dispatcher.deferred  # the codecs hold this very set
    put_a: list[Any] = []
    put_b: list[Any] = []
    handler: list[Any] = []
    dispatcher.add("ticker:BTCUSDT", put_a.append, deferred=True)
    dispatcher.add("ticker:ETHUSDT", put_b.append, deferred=True)
    assert seen == {"ticker:BTCUSDT", "ticker:ETHUSDT"}
    dispatcher.add("ticker:BTCUSDT", handler.append)
    assert seen == {"ticker:ETHUSDT"}
    dispatcher.add("ticker", handler.append)  # every symbol's handler
    assert seen == set()
    dispatcher.remove("ticker", handler.append)
    dispatcher.remove("ticker:BTCUSDT", handler.append)
    assert seen == {"ticker:BTCUSDT", "ticker:ETHUSDT"}
    stop = dispatcher.observe(["ticker"], handler.append)  # metrics, recorders
    assert seen == set()
    stop()
    dispatcher.remove("ticker:ETHUSDT", put_b.append)
    assert seen == {"ticker:BTCUSDT"}
    dispatcher.add("trade:BTCUSDT", handler.append)  # other kinds: no effect
    assert seen == {"ticker:BTCUSDT"}
    assert dispatcher.deferred is seen
