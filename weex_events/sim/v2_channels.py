"""V2 channels: parsing ``ticker.cmt_btcusdt``-style names; per-subscription state.

WEEX-WS.md §2 names public channels ``ticker.{sym}``, ``depth.{sym}.{15|200}``,
``trades.{sym}`` and ``kline.{LAST_PRICE|MARK_PRICE}.{sym}.{MINUTE_1..MONTH_1}``
with ``sym`` = ``cmt_<base><quote>``, and private ones by bare name (``account``,
``positions``, ``fill``, ``orders``). Parsing yields the same
:class:`~weex_events.sim.channels.ChannelSpec` as V3 (symbol upper case, interval
``1m``...) keyed by the canonical V2 name (symbol in lower case), so a V2
subscription reads the same market as a V3 one and only encodes differently.

What a subscriber sees (the V2 pages say nothing about snapshots; these are the
simulator's choices, matching V3 where V2 has the words for it):

- depth: a ``SNAPSHOT`` item first, then ``CHANGED`` items whose ``startVersion``
  is the previous item's ``endVersion``: the V3 chain logic of
  :class:`~weex_events.sim.channels.DepthSubscription`, reused as is;
- kline: a ``"type":"snapshot"`` push with the history, then ``"change"`` pushes
  of the bar in progress;
- ticker and trades: live pushes only (V2 has no trade snapshot).

Pure: no I/O, no clock.
Imports: stdlib and ``sim.channels``/``sim.market``/``sim.v2_frames``.
"""

from __future__ import annotations

from collections.abc import Collection

from . import v2_frames
from .channels import (
    ChannelError,
    ChannelSpec,
    DepthSubscription,
    FrameCache,
    Subscription,
)
from .market import MarketEngine
from .v2_frames import v2_symbol

__all__ = [
    "INTERVALS",
    "INVALID_CHANNEL",
    "INVALID_SYMBOL",
    "PRIVATE_CHANNELS",
    "V2DepthSubscription",
    "V2FrameCache",
    "kline_channel",
    "parse_channel",
    "subscription_for",
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


class V2FrameCache(FrameCache):
    """V2 pushes shared by every subscriber of a symbol during one publish pass."""

    def ticker(self, symbol: str) -> bytes:
        """This step's ticker push for ``symbol``."""
        key = ("ticker", symbol)
        if key not in self._frames:
            m = self.market
            channel = f"ticker.{v2_symbol(symbol)}"
            self._frames[key] = v2_frames.ticker(
                m.instrument(symbol), channel, m.ticker(symbol)
            )
        return self._frames[key]

    def trades(self, symbol: str) -> bytes:
        """This step's trades push for ``symbol``."""
        key = ("trades", symbol)
        if key not in self._frames:
            channel = f"trades.{v2_symbol(symbol)}"
            inst = self.market.instrument(symbol)
            self._frames[key] = v2_frames.trades(
                inst, channel, self.step.trades[symbol]
            )
        return self._frames[key]

    def kline(self, symbol: str, interval: str, basis: str) -> bytes:
        """This step's bar-in-progress push for ``symbol``/``interval``/``basis``."""
        key = ("kline", symbol, interval, basis)
        if key not in self._frames:
            m = self.market
            self._frames[key] = v2_frames.klines(
                m.instrument(symbol),
                kline_channel(symbol, interval, basis),
                m.klines(symbol, interval, 0),
                snapshot=False,
            )
        return self._frames[key]


class _Ticker(Subscription):
    def update(self, cache: FrameCache) -> list[bytes]:
        if self.spec.symbol in cache.step.tickers:
            return [cache.ticker(self.spec.symbol)]
        return []


class _Trades(Subscription):
    def update(self, cache: FrameCache) -> list[bytes]:
        if self.spec.symbol in cache.step.trades:
            return [cache.trades(self.spec.symbol)]
        return []


class _Kline(Subscription):
    def start(self, market: MarketEngine) -> list[bytes]:
        spec = self.spec
        bars = market.klines(spec.symbol, spec.interval)
        inst = market.instrument(spec.symbol)
        return [v2_frames.klines(inst, spec.key, bars, snapshot=True)]

    def update(self, cache: FrameCache) -> list[bytes]:
        spec = self.spec
        if spec.symbol in cache.step.klines:
            return [cache.kline(spec.symbol, spec.interval, spec.basis)]
        return []


class V2DepthSubscription(DepthSubscription):
    """The V3 depth chain (``startVersion`` = previous ``endVersion``), V2 items."""

    def _frame(
        self,
        market: MarketEngine,
        *,
        first: int,
        last: int,
        snapshot: bool,
        bids: list[tuple[int, int]],
        asks: list[tuple[int, int]],
    ) -> bytes:
        spec = self.spec
        return v2_frames.depth(
            market.instrument(spec.symbol),
            spec.key,
            first=first,
            last=last,
            levels=spec.levels,
            snapshot=snapshot,
            bids=bids,
            asks=asks,
        )


def subscription_for(spec: ChannelSpec) -> Subscription:
    """A fresh V2 :class:`Subscription` for a spec from :func:`parse_channel`.

    The subscriber's pushes come from a :class:`V2FrameCache`.
    """
    if spec.kind == "depth":
        return V2DepthSubscription(spec)
    if spec.kind == "trade":
        return _Trades(spec)
    if spec.kind == "kline":
        return _Kline(spec)
    return _Ticker(spec)
