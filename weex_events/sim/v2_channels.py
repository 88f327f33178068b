"""V2 channels: parsing ``ticker.cmt_btcusdt``-style names and encoding their pushes.

WEEX-WS.md §2 names public channels ``ticker.{sym}``, ``depth.{sym}.{15|200}``,
``trades.{sym}`` and ``kline.{LAST_PRICE|MARK_PRICE}.{sym}.{MINUTE_1..MONTH_1}``
with ``sym`` = ``cmt_<base><quote>``, and private ones by bare name (``account``,
``positions``, ``fill``, ``orders``). Parsing yields the same
:class:`~weex_events.sim.subscriptions.ChannelSpec` as V3 (symbol upper case, interval
``1m``...) keyed by the canonical V2 name (symbol in lower case), so a V2
subscription reads the same market as a V3 one and only encodes differently.

What a subscriber sees (the V2 pages say nothing about snapshots; these are the
simulator's choices, matching V3 where V2 has the words for it):

- depth: a ``SNAPSHOT`` item first, then ``CHANGED`` items whose ``startVersion``
  is the previous item's ``endVersion``: the chain of
  :class:`~weex_events.sim.subscriptions.DepthSubscription`, shared with V3;
- kline: a ``"type":"snapshot"`` push with the history, then ``"change"`` pushes
  of the bar in progress;
- ticker and trades: live pushes only (V2 has no trade snapshot).

:data:`PUSHES` spells the frames with ``sim.v2_frames``.

Pure: no I/O, no clock.
Imports: stdlib and ``sim.market``/``sim.subscriptions``/``sim.v2_frames``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from . import v2_frames
from .candles import Bar
from .market import MarketEngine, Trade
from .subscriptions import (
    ChannelError,
    ChannelSpec,
    DepthPart,
    Subscription,
    subscription_for,
)
from .v2_frames import v2_symbol

__all__ = [
    "INTERVALS",
    "INVALID_CHANNEL",
    "INVALID_SYMBOL",
    "PRIVATE_CHANNELS",
    "PUSHES",
    "V2Pushes",
    "channel",
    "kline_channel",
    "parse_channel",
]

#: WEEX-WS.md §2 kline interval names → the market's interval names.
INTERVALS = {
    "MINUTE_1": "1m",
    "MINUTE_5": "5m",
    "MINUTE_15": "15m",
    "MINUTE_30": "30m",
    "HOUR_1": "1h",
    "HOUR_2": "2h",
    "HOUR_4": "4h",
    "HOUR_6": "6h",
    "HOUR_8": "8h",
    "HOUR_12": "12h",
    "DAY_1": "1d",
    "WEEK_1": "1w",
    "MONTH_1": "1M",
}
_WIRE_INTERVALS = {market: wire for wire, market in INTERVALS.items()}
_BASES = ("LAST_PRICE", "MARK_PRICE")
_DEPTHS = ("15", "200")
#: WEEX-WS.md §2: the private channels, by bare name.
PRIVATE_CHANNELS = ("account", "positions", "fill", "orders")
#: Texts of the error replies (WEEX-WS.md §2 [open]: the words are the simulator's).
INVALID_CHANNEL = "Parameter channel is invalid : "
INVALID_SYMBOL = "Parameter symbol is invalid : "


def kline_channel(symbol: str, interval: str, basis: str) -> str:
    """``kline.<basis>.cmt_<sym>.<INTERVAL>`` for a market interval (``1m``)."""
    return f"kline.{basis}.{v2_symbol(symbol)}.{_WIRE_INTERVALS[interval]}"


def parse_channel(name: str, symbols: Collection[str]) -> ChannelSpec:
    """Parse one public V2 channel name; its symbol part is case-insensitive.

    Raises:
        ChannelError: not a public V2 channel (checked first), or a symbol that is
            not ``cmt_`` + a simulated symbol.
    """
    parts = name.split(".")
    head = parts[0]
    levels, interval, basis = 0, "", "LAST_PRICE"
    if head in ("ticker", "trades") and len(parts) == 2:
        raw = parts[1]
    elif head == "depth" and len(parts) == 3 and parts[2] in _DEPTHS:
        raw, levels = parts[1], int(parts[2])
    elif (
        head == "kline"
        and len(parts) == 4
        and parts[1] in _BASES
        and parts[3] in INTERVALS
    ):
        basis, raw, interval = parts[1], parts[2], INTERVALS[parts[3]]
    else:
        raise ChannelError(INVALID_CHANNEL + name)
    prefix, symbol = raw[:4].lower(), raw[4:].upper()
    if prefix != "cmt_" or symbol not in symbols:
        raise ChannelError(INVALID_SYMBOL + raw)
    canonical = [head, *parts[1:]]
    canonical[2 if head == "kline" else 1] = v2_symbol(symbol)
    key = ".".join(canonical)
    if head == "ticker":
        return ChannelSpec(key, symbol, head, "ticker")
    if head == "trades":
        return ChannelSpec(key, symbol, head, "trade")
    if head == "depth":
        return ChannelSpec(key, symbol, f"depth.{levels}", "depth", levels=levels)
    stream = f"kline.{basis}.{parts[3]}"
    return ChannelSpec(key, symbol, stream, "kline", interval=interval, basis=basis)


def channel(name: str, symbols: Collection[str]) -> Subscription:
    """A fresh subscription for the public V2 channel ``name``.

    Raises:
        ChannelError: see :func:`parse_channel`.
    """
    return subscription_for(parse_channel(name, symbols), PUSHES)


class V2Pushes:
    """V2 market pushes (``sim.v2_frames``): the :class:`Pushes` of V2 endpoints."""

    def ticker(self, market: MarketEngine, symbol: str) -> bytes:
        """A ticker push on ``ticker.cmt_<sym>``."""
        channel = f"ticker.{v2_symbol(symbol)}"
        return v2_frames.ticker(
            market.instrument(symbol), channel, market.ticker(symbol)
        )

    def trades(
        self, market: MarketEngine, symbol: str, items: Sequence[Trade]
    ) -> bytes:
        """A trades push on ``trades.cmt_<sym>``."""
        channel = f"trades.{v2_symbol(symbol)}"
        return v2_frames.trades(market.instrument(symbol), channel, items)

    def trade_snapshot(self, market: MarketEngine, symbol: str) -> list[bytes]:
        """Nothing: V2 has no trade snapshot."""
        return []

    def klines(
        self,
        market: MarketEngine,
        spec: ChannelSpec,
        bars: list[Bar],
        *,
        snapshot: bool,
    ) -> bytes:
        """A ``snapshot`` (history) or ``change`` (bar in progress) kline push."""
        return v2_frames.klines(
            market.instrument(spec.symbol),
            kline_channel(spec.symbol, spec.interval, spec.basis),
            bars,
            snapshot=snapshot,
        )

    def depth(self, market: MarketEngine, spec: ChannelSpec, part: DepthPart) -> bytes:
        """A depth push: ``startVersion`` = ``first``, ``endVersion`` = ``last``."""
        return v2_frames.depth(
            market.instrument(spec.symbol),
            spec.key,
            first=part.first,
            last=part.last,
            levels=spec.levels,
            snapshot=part.snapshot,
            bids=part.bids,
            asks=part.asks,
        )


#: The V2 push encoder.
PUSHES = V2Pushes()
