"""Spot channels: ``<SYMBOL>@<stream>`` params and pushes (WEEX-WS.md §1.7.3).

Spot serves the contract V3 streams with the same subscription machinery
(``sim.subscriptions``: depth chains with ``U`` == previous ``u``, trade and kline
snapshots), encoded by :data:`SPOT_PUSHES` (``sim.frames`` for depth, trades and
klines, ``sim.spot_frames`` for the mark-less ticker), plus spot's own
``bookTicker`` (:class:`BookTickerSubscription`). Params (§1.7.8):

- ``ticker``, ``trade``, ``depth15``, ``depth200`` and ``depth`` (15 levels, as
  contract: plain ``@depth`` on spot is [open]);
- ``kline_<i>_LAST_PRICE`` and bare ``kline_<i>`` ([open]); ``_MARK_PRICE`` is
  rejected (spot has no mark price);
- ``bookTicker``: the current best bid/ask right after the ack (no
  ``bookTickerSnapshot`` is known, [open]: this is the simulator's choice, so a
  subscriber has a value at once), then a push on every step that changes the
  best prices or their sizes.

An unknown symbol is rejected the way spot spells it, with WEEX's internal
``_SPBL`` suffix: ``INVALID_ARGUMENT: invalid symbol : ASDFS_SPBL`` (§1.7.2).
Private params are ``account``, ``orders`` and ``fill``; ``positions`` is
rejected like an unknown event (§1.7.4).

Pure: no I/O, no clock.
Imports: stdlib and ``sim.channels``/``sim.market``/``sim.orderbook``/
``sim.spot_frames``/``sim.subscriptions``.
"""

from __future__ import annotations

from collections.abc import Collection

from . import spot_frames
from .channels import INVALID_EVENT, INVALID_SYMBOL, V3Pushes, parse_channel
from .market import MarketEngine
from .orderbook import OrderBook
from .spot_frames import Touch
from .subscriptions import (
    ChannelError,
    FrameCache,
    PrivateChannel,
    Subscription,
    private_channel,
    subscription_for,
)

__all__ = [
    "PRIVATE_CHANNELS",
    "SPOT_PUSHES",
    "BookTickerSubscription",
    "SpotPushes",
    "channel",
    "private",
    "touch",
]

#: WEEX-WS.md §1.7.4: spot's private channels (no ``positions``).
PRIVATE_CHANNELS = ("account", "orders", "fill")
BOOK_TICKER = "bookTicker"
#: WEEX's internal name of spot markets, as its rejections print it (§1.7.2).
_SPOT_SUFFIX = "_SPBL"


class SpotPushes(V3Pushes):
    """The contract V3 pushes, with spot's ticker (no mark, no index)."""

    def ticker(self, market: MarketEngine, symbol: str) -> bytes:
        """A spot ``ticker`` push."""
        stats = market.ticker(symbol)
        return spot_frames.ticker(market.instrument(symbol), market.now_ms, stats)


#: The spot push encoder.
SPOT_PUSHES = SpotPushes()


def touch(book: OrderBook) -> Touch | None:
    """``(bid, bid size, ask, ask size)`` of ``book``; ``None`` if a side is empty."""
    bids, asks = book.top(1)
    if not bids or not asks:
        return None
    return bids[0][0], bids[0][1], asks[0][0], asks[0][1]


class BookTickerSubscription(Subscription):
    """One ``<SYMBOL>@bookTicker`` subscriber: the last touch it was sent."""

    def __init__(self, key: str, symbol: str) -> None:
        super().__init__(key)
        self.symbol = symbol
        self._sent: Touch | None = None

    def _frame(self, market: MarketEngine) -> list[bytes]:
        now = touch(market.book(self.symbol))
        if now is None or now == self._sent:
            return []
        self._sent = now
        inst = market.instrument(self.symbol)
        return [spot_frames.book_ticker(inst, market.now_ms, now)]

    def start(self, market: MarketEngine) -> list[bytes]:
        return self._frame(market)

    def update(self, cache: FrameCache) -> list[bytes]:
        return self._frame(cache.market)


def _symbol_error(exc: ChannelError) -> ChannelError:
    if exc.msg.startswith(INVALID_SYMBOL):
        return ChannelError(exc.msg + _SPOT_SUFFIX)
    return exc


def channel(param: str, symbols: Collection[str]) -> Subscription:
    """A fresh subscription for the spot public ``param``.

    Raises:
        ChannelError: unknown stream (checked first) or unknown symbol.
    """
    raw_symbol, sep, stream = param.partition("@")
    if sep and stream == BOOK_TICKER:
        symbol = raw_symbol.upper()
        if symbol not in symbols:
            raise ChannelError(INVALID_SYMBOL + symbol + _SPOT_SUFFIX)
        return BookTickerSubscription(f"{symbol}@{stream}", symbol)
    if sep and stream.startswith("kline_") and stream.endswith("_MARK_PRICE"):
        raise ChannelError(INVALID_EVENT + stream)
    try:
        spec = parse_channel(param, symbols)
    except ChannelError as exc:
        raise _symbol_error(exc) from None
    return subscription_for(spec, SPOT_PUSHES)


def private(name: str) -> PrivateChannel:
    """The spot private channel ``name`` (``ChannelError`` for ``positions``...)."""
    return private_channel(name, PRIVATE_CHANNELS, INVALID_EVENT)
