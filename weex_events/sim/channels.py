"""V3 public channels: parsing ``<symbol>@<stream>`` params and encoding their pushes.

:func:`parse_channel` reads one param of a ``SUBSCRIBE``/``UNSUBSCRIBE`` command
(WEEX-WS.md §1.4/§1.5) into a :class:`~weex_events.sim.subscriptions.ChannelSpec`;
:data:`PUSHES` spells a subscription's frames with ``sim.frames`` (the push state
itself lives in ``sim.subscriptions``, shared with V2).

Pure: no I/O, no clock.
Imports: stdlib and ``sim.frames``/``sim.market``/``sim.candles``/
``sim.subscriptions``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from . import frames
from .candles import INTERVALS, Bar
from .market import MarketEngine, Trade
from .subscriptions import (
    ChannelError,
    ChannelSpec,
    DepthPart,
    Kind,
    Subscription,
    subscription_for,
)

__all__ = [
    "INVALID_EVENT",
    "INVALID_SYMBOL",
    "PUSHES",
    "V3Pushes",
    "channel",
    "parse_channel",
]

_DEPTHS = {"depth": 15, "depth15": 15, "depth200": 200}
_BASES = ("LAST_PRICE", "MARK_PRICE")
#: WEEX-WS.md §1.4/§1.5 rejection texts.
INVALID_EVENT = "INVALID_ARGUMENT: invalid event : "
INVALID_SYMBOL = "INVALID_ARGUMENT: invalid symbol : "


def _parse_stream(stream: str) -> tuple[Kind, int, str, str] | None:
    if stream in ("ticker", "trade"):
        return ("ticker" if stream == "ticker" else "trade"), 0, "", "LAST_PRICE"
    if stream in _DEPTHS:
        return "depth", _DEPTHS[stream], "", "LAST_PRICE"
    if stream.startswith("kline_"):
        rest = stream.removeprefix("kline_")
        interval, _, basis = rest.partition("_")
        # "1m" and "1M" differ, so the stream part is case-sensitive.
        if interval in INTERVALS and (not basis or basis in _BASES):
            return "kline", 0, interval, basis or "LAST_PRICE"
    # bookTicker is spot-only: the contract endpoint rejects it (WEEX-WS.md §1.5).
    return None


def parse_channel(param: str, symbols: Collection[str]) -> ChannelSpec:
    """Parse one ``<symbol>@<stream>`` param; the symbol is case-insensitive.

    Raises:
        ChannelError: unknown stream (checked first) or unknown symbol.
    """
    raw_symbol, sep, stream = param.partition("@")
    parsed = _parse_stream(stream) if sep else None
    if parsed is None:
        raise ChannelError(INVALID_EVENT + (stream if sep else param))
    symbol = raw_symbol.upper()
    if symbol not in symbols:
        raise ChannelError(INVALID_SYMBOL + symbol)
    kind, levels, interval, basis = parsed
    return ChannelSpec(
        f"{symbol}@{stream}", symbol, stream, kind, levels, interval, basis
    )


def channel(param: str, symbols: Collection[str]) -> Subscription:
    """A fresh subscription for the V3 public ``param``.

    Raises:
        ChannelError: see :func:`parse_channel`.
    """
    return subscription_for(parse_channel(param, symbols), PUSHES)


class V3Pushes:
    """V3 market pushes (``sim.frames``): the :class:`Pushes` of the V3 endpoint."""

    def ticker(self, market: MarketEngine, symbol: str) -> bytes:
        """A ``ticker`` push."""
        stats = market.ticker(symbol)
        return frames.ticker(market.instrument(symbol), market.now_ms, stats)

    def trades(
        self, market: MarketEngine, symbol: str, items: Sequence[Trade]
    ) -> bytes:
        """A ``trade`` push."""
        inst = market.instrument(symbol)
        return frames.trades(inst, market.now_ms, items, snapshot=False)

    def trade_snapshot(self, market: MarketEngine, symbol: str) -> list[bytes]:
        """The ``tradeSnapshot`` of the recent trades."""
        recent = market.recent_trades(symbol)
        inst = market.instrument(symbol)
        return [frames.trades(inst, market.now_ms, recent, snapshot=True)]

    def klines(
        self,
        market: MarketEngine,
        spec: ChannelSpec,
        bars: list[Bar],
        *,
        snapshot: bool,
    ) -> bytes:
        """A ``klineSnapshot`` (history) or ``kline`` (bar in progress) push."""
        return frames.klines(
            market.instrument(spec.symbol),
            market.now_ms,
            spec.interval,
            spec.basis,
            bars,
            snapshot=snapshot,
        )

    def depth(self, market: MarketEngine, spec: ChannelSpec, part: DepthPart) -> bytes:
        """A ``depthSnapshot`` or ``depth`` push (``U`` = first, ``u`` = last)."""
        return frames.depth(
            market.instrument(spec.symbol),
            market.now_ms,
            first=part.first,
            last=part.last,
            levels=spec.levels,
            snapshot=part.snapshot,
            bids=part.bids,
            asks=part.asks,
        )


#: The V3 push encoder.
PUSHES = V3Pushes()
