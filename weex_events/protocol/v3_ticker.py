"""The V3 ticker's fields, and the message of a deferred ticker.

The V3 codec (:mod:`.v3`) reads a complete contract ticker's fields with
:data:`TICKER_WIRE` and, for an event only conflating streams listen to, hands
out a :class:`~weex_events.protocol.DeferredMessage` whose message
:func:`ticker_message` builds when a stream reads it.

Imports: ``events``, ``protocol`` (its types).
"""

from __future__ import annotations

from operator import itemgetter

from ..events import StreamMessage
from . import DeferredMessage, new_message

__all__ = ["TICKER_NUMBERS", "TICKER_WIRE", "ticker_message"]

# WEEX-WS.md §1.5 ticker wire names of the decimal fields, in DESIGN.md §1 order;
# "P" (change, a fraction) and "n" (trade count) are handled on their own.
TICKER_NUMBERS = (
    ("last", "c"),
    ("mark", "m"),
    ("index", "i"),
    ("open", "o"),
    ("high", "h"),
    ("low", "l"),
    ("volume", "v"),
    ("quote_volume", "q"),
    ("change_abs", "p"),
)
# The same fields plus "P" and "n", in that order, read in one call on the fast
# path of a complete contract ticker.
TICKER_WIRE = itemgetter(*(src for _, src in TICKER_NUMBERS), "P", "n")


def ticker_message(deferred: DeferredMessage) -> StreamMessage:
    """A deferred ticker's message: what the fast path of
    :meth:`~.v3.V3Codec._ticker` builds at once. Its fields were checked on
    arrival; ``extra`` is ``change`` as a percent."""
    symbol = deferred.symbol
    item = deferred.raw
    last, mark, index, open_, high, low, vol, qvol, delta, _, trades = TICKER_WIRE(item)
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
        "change": deferred.extra,
        "trades": trades,
    }
    return new_message(
        deferred.event,
        "ticker",
        symbol,
        data,
        deferred.timestamp,
        deferred.received_at,
        item,
    )
