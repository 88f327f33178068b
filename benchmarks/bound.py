"""The least the SDK's guarantees cost per frame: a lower bound for each case.

The targets compare the SDK with a floor that parses each frame and does
nothing else. The SDK must do more with every frame, whatever its design: what
DESIGN.md and the hardening rules promise. Each function here does exactly that
work for one benchmark case and nothing else, written out in one loop, with
every lookup a local, no layer, no call that can be inlined. It does what the
SDK does (the tests check that it produces the same data), so its cost per
frame beyond ``orjson.loads`` is a lower bound on what the SDK adds to the
floor's, and ``(floor + bound) / floor`` is the least ratio an implementation
keeping those promises can reach on this machine.

Each loop parses its frames as it goes, like the SDK and the floor, and the
cost of a loop that only parses them is subtracted: parsed frames kept in a
list and walked would be cold in the CPU caches, which the SDK never sees.

Per frame, every case pays the read loop's duties: the receive time stamped on
each message (``received_at``), the ``max_frame_size`` check, the frame count
of ``stats`` and the clock comparison that lets other tasks run (issue 11's
"nothing frozen"). Then:

* **ticker**: the symbol's event name; the eleven fields read and checked (text,
  at most ``MAX_NUMBER_TEXT`` characters, no exponent: the sane-size rule); the
  change as a percent (DESIGN §1); the normalized ``data`` dict; the mark price
  kept for private state; the :class:`~weex_events.events.StreamMessage`; then
  the handler, called inside ``try`` (a handler's exception never reaches the
  read loop). For a stream, the checks (the change's conversion is one) and the
  mark only: the latest ticker per symbol waits in its conflating slot and is
  normalized when read, since nothing a user sees needs the tickers a stream
  conflates away.
* **book**: the channel's book from symbol and depth; ``U``/``u`` checked and
  chained (a gap is detected on the frame that causes it); every row checked
  (a pair of text, a plain number of sane size) and applied to sides kept
  sorted by numeric price; a crossed book detected; then, for the stream, the
  book's slot in the conflating queue (the view is built when read, so not
  here), or, for the handler, the fresh 200-level view, its message and the
  handler call.

Prices are keyed by ``float``, exact for the benchmark's prices (see
:func:`weex_events.book_side.float_key`); the SDK also guards prices a float
cannot hold, at no cost per frame in this data. A delta here never rebuilds a
key cache nor trims a side: cheaper than the SDK, never dearer.

Imports: ``benchmarks.frames``, ``weex_events`` (the message constructor and the
percent tables), orjson.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import partial
from operator import itemgetter
from typing import Any

import orjson

from weex_events.protocol import new_message
from weex_events.protocol.numbers import (
    MAX_NUMBER_TEXT,
    NEGATIVE_HEADS,
    POSITIVE_HEADS,
    percent_text,
)

from . import frames

__all__ = ["BOUNDS", "book_bound", "least_costs", "read_latest", "ticker_bound"]

Frames = Sequence[bytes]
"""The benchmark's frames, as received."""

_LIMIT = 1 << 20  # the max_frame_size default
_YIELD_AFTER = 0.005


def _ticker_frames(count: int) -> Frames:
    return [frames.encode(f) for f in frames.ticker_frames(count=count)]


# The ticker fields, read in one call: last, mark, index, open, high, low,
# volume, quote volume, change (absolute), change (fraction), trade count.
_TICKER = itemgetter("c", "m", "i", "o", "h", "l", "v", "q", "p", "P", "n")


def _ticker_message(
    symbol: str,
    event: str,
    fields: tuple[Any, ...],
    change: str,
    stamp: int,
    now: float,
    item: Any,
) -> Any:
    """The normalized ticker message (DESIGN §1) of checked fields, ``change``
    already a percent."""
    last, mark, index, open_, high, low, vol, qvol, delta, _, trades = fields
    data = {
        "symbol": symbol,
        "last": last,
        "mark": mark,
        "index": index,
        "open": open_,
        "high": high,
        "low": low,
        "volume": vol,
        "quote_volume": qvol,
        "change_abs": delta,
        "change": change,
        "trades": trades,
    }
    return new_message(event, "ticker", symbol, data, stamp / 1000, now, item)


def ticker_bound(
    raws: Frames, deliver: Callable[[Any], object] | None = None
) -> dict[str, list[Any]]:
    """Check every ticker of ``raws``, then hand its normalized message to
    ``deliver`` (a sync handler, called in ``try``). Without ``deliver``, keep
    the latest ticker per symbol as a conflating stream's queue does, as a
    record normalized only when read (:func:`read_latest`): nothing a user
    sees needs the tickers a stream conflates away normalized (their checks
    and the mark price still happen on arrival). Returns the slots (event →
    ``[record, event]``)."""
    clock = time.time
    loads = orjson.loads
    fields_of = _TICKER
    names: dict[str, tuple[str, str]] = {}
    marks: dict[str, str] = {}
    slots: dict[str, list[Any]] = {}
    frames_seen = errors = 0
    mark = clock()
    deadline = mark + _YIELD_AFTER
    for raw in raws:
        now = clock()
        frames_seen += 1
        if not mark <= now < deadline:
            mark = now
            deadline = now + _YIELD_AFTER
        if len(raw) > _LIMIT:
            continue
        doc = loads(raw)
        wire = doc["s"]
        try:
            symbol, event = names[wire]
        except KeyError:
            symbol = wire.upper()
            names[wire] = symbol, event = (symbol, "ticker:" + symbol)
        item = doc["d"][0]
        fields = fields_of(item)
        last, mark_price, index, open_, high, low, vol, qvol, delta, change, n = fields
        joined = "".join(
            (last, mark_price, index, open_, high, low, vol, qvol, delta, change)
        )
        if (
            n.__class__ is not int
            or "e" in joined
            or "E" in joined
            or len(last) > MAX_NUMBER_TEXT
            or len(mark_price) > MAX_NUMBER_TEXT
            or len(index) > MAX_NUMBER_TEXT
            or len(open_) > MAX_NUMBER_TEXT
            or len(high) > MAX_NUMBER_TEXT
            or len(low) > MAX_NUMBER_TEXT
            or len(vol) > MAX_NUMBER_TEXT
            or len(qvol) > MAX_NUMBER_TEXT
            or len(delta) > MAX_NUMBER_TEXT
            or len(change) > MAX_NUMBER_TEXT
        ):
            raise ValueError("the benchmark's tickers are all plain")
        # The change as a percent: a check too (anything but a number raises),
        # so it runs on arrival, deferred or not.
        if change[:1] == "-":
            head = NEGATIVE_HEADS.get(change[:5])
            tail = change[5:]
        else:
            head = POSITIVE_HEADS.get(change[:4])
            tail = change[4:]
        if head is not None and tail.isdigit() and tail.isascii():
            percent = head + tail
        else:
            percent = percent_text(change)
        marks[symbol] = mark_price
        if deliver is None:
            record = (symbol, event, fields, percent, doc["E"], now, item)
            slot = slots.get(event)
            if slot is None:
                slots[event] = [record, event]
            else:
                slot[0] = record
            continue
        msg = _ticker_message(symbol, event, fields, percent, doc["E"], now, item)
        try:
            deliver(msg)
        except Exception:
            errors += 1
    return slots


def read_latest(slots: dict[str, list[Any]]) -> dict[str, Any]:
    """Event → the message a stream's consumer reads from :func:`ticker_bound`'s
    slots."""
    return {event: _ticker_message(*slot[0]) for event, slot in slots.items()}


def _depth_frames(depth: int, count: int) -> Frames:
    return [frames.encode(f) for f in frames.depth_frames(depth=depth, deltas=count)]


def _load(rows: list[list[str]], negate: bool, depth: int) -> tuple[list[Any], ...]:
    levels = sorted(
        ((-float(p) if negate else float(p)), (p, s)) for p, s in rows if s != "0"
    )[:depth]
    keys = [key for key, _ in levels] + [float("inf")]
    return keys, [pair for _, pair in levels], [{}]


def _apply(
    keys: list[float],
    wire: list[tuple[str, str]],
    cache: dict[str, float],
    negate: bool,
    rows: Any,
) -> bool:
    """One side's rows of a delta: checked, then set, inserted or deleted.
    Returns whether a level was inserted at the top. (A function per side
    measures faster than one loop over both sides, and as fast as the loop
    written out twice.)"""
    new_best = False
    for row in rows:
        if row.__class__ is not list:
            raise ValueError("a row is a list")
        price, size = row
        key = cache.get(price)
        if key is None:
            if price.__class__ is not str or not price.replace(".", "", 1).isdigit():
                raise ValueError("a plain price")
            key = cache[price] = -float(price) if negate else float(price)
        i = bisect_left(keys, key)
        if size == "0":
            if keys[i] == key:
                del keys[i]
                del wire[i]
            continue
        if not (
            size.__class__ is str
            and size.replace(".", "", 1).isdigit()
            and size.isascii()
            and len(size) <= MAX_NUMBER_TEXT
        ):
            raise ValueError("a plain size")
        if keys[i] == key:
            wire[i] = (price, size)
        else:
            keys.insert(i, key)
            wire.insert(i, (price, size))
            if not i:
                new_best = True
    return new_best


def book_bound(
    raws: Frames,
    depth: int,
    deliver: Callable[[Any], object] | None = None,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Apply the depth frames of ``raws`` (the first is the snapshot); after
    each delta, hand ``deliver`` the message of the full ``depth``-level view,
    or, without ``deliver``, put the book's feed in its conflating slot.
    Returns the final (bids, asks), best first."""
    clock = time.time
    loads = orjson.loads
    snapshot = loads(raws[0])
    bid_keys, bids, _ = _load(snapshot["b"], True, depth)
    ask_keys, asks, _ = _load(snapshot["a"], False, depth)
    symbol = snapshot["s"]
    feed = [None]
    routes = {(symbol, depth): feed}
    slots: dict[str, list[Any]] = {}
    event = "book:" + symbol
    version = snapshot["u"]
    bid_cache: dict[str, float] = {}
    ask_cache: dict[str, float] = {}
    frames_seen = errors = 0
    mark = clock()
    deadline = mark + _YIELD_AFTER
    for raw in raws[1:]:
        now = clock()
        frames_seen += 1
        if not mark <= now < deadline:
            mark = now
            deadline = now + _YIELD_AFTER
        if len(raw) > _LIMIT:
            continue
        doc = loads(raw)
        route = routes.get((doc["s"], doc["l"]))
        first = doc["U"]
        last = doc["u"]
        if route is None or first.__class__ is not int or last.__class__ is not int:
            raise ValueError("the benchmark's deltas are all for the book")
        if first != version or last < first:
            raise ValueError("the benchmark's deltas chain")
        new_best = _apply(bid_keys, bids, bid_cache, True, doc.get("b", ()))
        if _apply(ask_keys, asks, ask_cache, False, doc.get("a", ())):
            new_best = True
        if new_best and -bid_keys[0] >= ask_keys[0]:
            raise ValueError("the benchmark's book never crosses")
        version = last
        if deliver is not None:
            msg = new_message(
                event,
                "book",
                symbol,
                {
                    "symbol": symbol,
                    "depth": depth,
                    "bids": bids[:depth],
                    "asks": asks[:depth],
                    "version": last,
                },
                doc["E"] / 1000,
                now,
                doc,
            )
            try:
                deliver(msg)
            except Exception:
                errors += 1
            continue
        route[0] = doc
        slot = slots.get(event)
        if slot is None:
            slots[event] = [route, event]
        else:
            slot[0] = route
    return bids, asks


def _best(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        run()
        best = min(best, time.process_time() - began)
    return best


def _handler(msg: Any) -> None:
    msg.raw.get("bench")  # what the benchmark's handlers do


#: Runner → what its bound measures.
BOUNDS = {
    "sdk_handler": "ticker, normalized, to a sync handler",
    "sdk_stream": "ticker, checked, into a conflating stream (normalized when read)",
    "sdk_book15": "depth15 delta applied, the book's feed into a conflating stream",
    "sdk_book200": "depth200 delta applied, 200-level view to a sync handler",
}


def _parse_only(raws: Frames) -> None:
    loads = orjson.loads
    for raw in raws:
        loads(raw)


def least_costs(count: int = 4000, repeats: int = 21) -> dict[str, float]:
    """Runner → the bound's CPU µs per frame beyond ``orjson.loads``: the best
    of ``repeats`` passes, less the best of as many passes that only parse the
    same frames, the two interleaved so that both see the same machine."""
    tickers = _ticker_frames(count)
    book15 = _depth_frames(15, count)
    book200 = _depth_frames(200, count)
    runs: dict[str, tuple[Callable[[], object], Frames]] = {
        "sdk_handler": (lambda: ticker_bound(tickers, _handler), tickers),
        "sdk_stream": (lambda: ticker_bound(tickers), tickers),
        "sdk_book15": (lambda: book_bound(book15, 15), book15[1:]),
        "sdk_book200": (lambda: book_bound(book200, 200, _handler), book200[1:]),
    }
    costs = {}
    for runner, (run, parsed) in runs.items():
        parse = partial(_parse_only, parsed)
        work = only = float("inf")
        for _ in range(repeats):
            work = min(work, _best(run, 1))
            only = min(only, _best(parse, 1))
        costs[runner] = max(0.0, work - only) / len(parsed) * 1e6
    return costs
