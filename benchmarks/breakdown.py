"""The SDK's hot-path pieces timed in isolation on the benchmark frames.

cProfile (:mod:`benchmarks.profiling`) ranks functions but inflates small ones;
this module gives absolute per-frame costs instead: each piece runs in a tight
loop over the same frames the runners receive, with no socket and no event
loop, and the best of several repeats of ``time.process_time`` is kept (CPU
time: a preempted repeat does not count). ``python -m benchmarks --breakdown``
prints the table.

Imports: ``benchmarks.frames``, ``weex_events`` (codec, book, dispatch, events),
orjson.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from . import frames

__all__ = ["breakdown", "format_breakdown", "measure"]

Piece = tuple[str, float]


def measure(
    func: Callable[[Any], object], items: Sequence[Any], repeats: int = 7
) -> float:
    """µs of CPU per call of ``func`` over ``items``, best of ``repeats``."""
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        for item in items:
            func(item)
        best = min(best, time.process_time() - began)
    return best / len(items) * 1e6


def _ticker_pieces(count: int) -> list[Piece]:
    from weex_events.dispatch import Dispatcher
    from weex_events.events import StreamMessage
    from weex_events.protocol import new_message
    from weex_events.protocol.numbers import percent_text
    from weex_events.protocol.v3 import V3Codec
    from weex_events.queues import MessageQueue

    raw = [frames.encode(f) for f in frames.ticker_frames(count=count)]
    codec = V3Codec()
    # What stream_tickers' frames get: checked, built only when read.
    deferring = V3Codec()
    deferring.deferred = frozenset("ticker:" + s for s in frames.TICKER_SYMBOLS)
    msgs = [codec.decode(frame, 0.0)[0] for frame in raw]  # type: ignore[index]
    docs = [orjson.loads(frame) for frame in raw]
    fractions = [doc["d"][0]["P"] for doc in docs]

    def construct(m: Any) -> object:
        return StreamMessage(m.event, m.kind, m.symbol, m.data, 0.0, 0.0, m.raw)

    def build(m: Any) -> object:
        return new_message(m.event, m.kind, m.symbol, m.data, 0.0, 0.0, m.raw)

    def sink(_msg: object) -> None:
        return None

    handler_dispatch = Dispatcher()
    for symbol in frames.TICKER_SYMBOLS:
        handler_dispatch.add(f"ticker:{symbol}", sink)
    queue = MessageQueue(1024, "bench")
    stream_dispatch = Dispatcher()
    for symbol in frames.TICKER_SYMBOLS:
        stream_dispatch.add(f"ticker:{symbol}", queue.put)

    def put_get(m: Any) -> object:
        stream_dispatch.emit_message(m)
        return queue.get_nowait()

    return [
        ("ticker: orjson.loads (the floor's parse)", measure(orjson.loads, raw)),
        ("ticker: V3Codec.decode (loads + normalize + StreamMessage)",
         measure(lambda f: codec.decode(f, 0.0), raw)),
        ("ticker: V3Codec.decode, deferred (loads + checks, built when read)",
         measure(lambda f: deferring.decode(f, 0.0), raw)),
        ("ticker: StreamMessage(...) constructor alone", measure(construct, msgs)),
        ("ticker: new_message(...) alone (what the SDK uses)", measure(build, msgs)),
        ("ticker: percent_text(P) alone", measure(percent_text, fractions)),
        ("ticker: Dispatcher.emit_message → sync handler",
         measure(handler_dispatch.emit_message, msgs)),
        ("ticker: emit_message → stream queue put + get",
         measure(put_get, msgs)),
    ]  # fmt: skip


def _book_pieces(depth: int, view: int, count: int) -> list[Piece]:
    from weex_events.book import OrderBook
    from weex_events.bookkeeper import BookKeeper
    from weex_events.dispatch import Dispatcher
    from weex_events.events import Channel
    from weex_events.protocol import DepthUpdate
    from weex_events.protocol.v3 import V3Codec
    from weex_events.queues import MessageQueue

    raw = [frames.encode(f) for f in frames.depth_frames(depth=depth, deltas=count)]
    codec = V3Codec()
    updates: list[DepthUpdate] = [codec.decode(f, 0.0) for f in raw]  # type: ignore[misc]
    snapshot, deltas = updates[0], updates[1:]

    def fresh() -> OrderBook:
        book = OrderBook(frames.BOOK_SYMBOL, depth)
        book.apply(snapshot)
        return book

    def keeper(feeds: bool = False) -> BookKeeper:
        # With feeds: what the client does, into a conflating stream's queue.
        dispatcher = Dispatcher()
        queue = MessageQueue(1024, "bench")
        dispatcher.add(f"book:{frames.BOOK_SYMBOL}", queue.put, feeds=True)
        books = BookKeeper(
            str,
            lambda _msg: None,
            lambda *_gap: None,
            dispatcher.emit_book if feeds else None,
        )
        books.track(Channel("book", frames.BOOK_SYMBOL, str(depth)), view)
        books.apply(snapshot)
        return books

    # Each repeat needs a fresh book at the snapshot: time one pass per repeat.
    best_apply = best_both = best_keeper = best_feed = float("inf")
    for _ in range(5):
        book = fresh()
        began = time.process_time()
        for update in deltas:
            book.apply(update)
        best_apply = min(best_apply, time.process_time() - began)
        book = fresh()
        began = time.process_time()
        for update in deltas:
            book.apply(update)
            book.snapshot_view(view)
        best_both = min(best_both, time.process_time() - began)
        books = keeper()
        began = time.process_time()
        for update in deltas:
            books.apply(update)
        best_keeper = min(best_keeper, time.process_time() - began)
        books = keeper(feeds=True)
        began = time.process_time()
        for update in deltas:
            books.apply(update)
        best_feed = min(best_feed, time.process_time() - began)
    n = len(deltas)
    name = f"book{depth}"
    return [
        (f"{name}: orjson.loads (the floor's parse)", measure(orjson.loads, raw[1:])),
        (f"{name}: V3Codec.decode → DepthUpdate",
         measure(lambda f: codec.decode(f, 0.0), raw[1:])),
        (f"{name}: OrderBook.apply", best_apply / n * 1e6),
        (f"{name}: OrderBook.snapshot_view({view}) after each apply",
         (best_both - best_apply) / n * 1e6),
        (f"{name}: BookKeeper.apply (apply + view + book message)",
         best_keeper / n * 1e6),
        (f"{name}: BookKeeper.apply → feed into a book stream's queue (no view)",
         best_feed / n * 1e6),
    ]  # fmt: skip


def breakdown(count: int = 20_000) -> list[Piece]:
    """Every piece, as ``(what, µs per frame)``."""
    return [
        *_ticker_pieces(min(count, 4096)),
        *_book_pieces(15, 5, count),
        *_book_pieces(200, 200, count),
    ]


def format_breakdown(pieces: Sequence[Piece]) -> str:
    """A Markdown table of :func:`breakdown`."""
    lines = [
        "### Hot-path pieces in isolation (CPU µs per frame, best of repeats)",
        "",
        "| piece | µs/frame |",
        "|---|---:|",
    ]
    lines += [f"| {what} | {us:.2f} |" for what, us in pieces]
    return "\n".join(lines) + "\n"
