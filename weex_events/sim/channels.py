"""Public channels: parsing ``<symbol>@<stream>`` params; per-subscription push state.

A :class:`Subscription` turns market steps into the frames one subscriber must see:
its snapshot on subscribe, then updates (WEEX-WS.md §1.5). Depth subscriptions keep the
window last sent and the last ``u``, so each delta's ``U`` equals the previous frame's
``u`` for that subscription and carries exactly the levels that changed in its top-N
window (``"0"`` for levels that left it).

Pure: no I/O, no clock.
Imports: stdlib and ``sim.frames``/``sim.market``/``sim.candles``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from . import frames
from .candles import INTERVALS
from .market import MarketEngine, StepResult

__all__ = [
    "ChannelError",
    "ChannelSpec",
    "DepthSubscription",
    "FrameCache",
    "Subscription",
    "parse_channel",
    "subscription_for",
]

Kind = Literal["ticker", "depth", "trade", "kline"]
_DEPTHS = {"depth": 15, "depth15": 15, "depth200": 200}
_BASES = ("LAST_PRICE", "MARK_PRICE")
#: WEEX-WS.md §1.4/§1.5 rejection texts.
INVALID_EVENT = "INVALID_ARGUMENT: invalid event : "
INVALID_SYMBOL = "INVALID_ARGUMENT: invalid symbol : "


class ChannelError(ValueError):
    """A param names no channel the contract endpoint serves; ``msg`` is WEEX's text."""

    def __init__(self, msg: str) -> None:
        self.msg = msg
        super().__init__(msg)


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One parsed channel param.

    Attributes:
        key: ``SYMBOL@stream`` with the symbol upper-cased and the stream as sent;
            identifies the subscription on its connection.
        symbol: upper-case symbol.
        stream: the stream part as sent (``depth200``, ``kline_1m_MARK_PRICE``).
        kind: ``ticker``, ``depth``, ``trade`` or ``kline``.
        levels: window size of a depth channel.
        interval: kline interval.
        basis: kline price basis.
    """

    key: str
    symbol: str
    stream: str
    kind: Kind
    levels: int = 0
    interval: str = ""
    basis: str = "LAST_PRICE"


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


class FrameCache:
    """Frames shared by every subscriber of a symbol during one publish pass."""

    def __init__(self, market: MarketEngine, step: StepResult) -> None:
        self.market = market
        self.step = step
        self._frames: dict[tuple[str, ...], bytes] = {}

    def ticker(self, symbol: str) -> bytes:
        """This step's ticker push for ``symbol``."""
        key = ("ticker", symbol)
        if key not in self._frames:
            m = self.market
            stats = m.ticker(symbol)
            self._frames[key] = frames.ticker(m.instrument(symbol), m.now_ms, stats)
        return self._frames[key]

    def trades(self, symbol: str) -> bytes:
        """This step's trade push for ``symbol``."""
        key = ("trade", symbol)
        if key not in self._frames:
            m = self.market
            items = self.step.trades[symbol]
            inst = m.instrument(symbol)
            self._frames[key] = frames.trades(inst, m.now_ms, items, snapshot=False)
        return self._frames[key]

    def kline(self, symbol: str, interval: str, basis: str) -> bytes:
        """This step's bar-in-progress push for ``symbol``/``interval``."""
        key = ("kline", symbol, interval, basis)
        if key not in self._frames:
            m = self.market
            bar = m.klines(symbol, interval, 0)
            self._frames[key] = frames.klines(
                m.instrument(symbol), m.now_ms, interval, basis, bar, snapshot=False
            )
        return self._frames[key]


class Subscription:
    """Push state of one channel on one connection."""

    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec

    def start(self, market: MarketEngine) -> list[bytes]:
        """Frames to send right after the ack (the snapshot, if the channel has one)."""
        return []

    def update(self, cache: FrameCache) -> list[bytes]:
        """Frames this step produced for this subscriber."""
        return []


class _TickerSubscription(Subscription):
    def update(self, cache: FrameCache) -> list[bytes]:
        if self.spec.symbol in cache.step.tickers:
            return [cache.ticker(self.spec.symbol)]
        return []


class _TradeSubscription(Subscription):
    def start(self, market: MarketEngine) -> list[bytes]:
        sym = self.spec.symbol
        recent = market.recent_trades(sym)
        inst = market.instrument(sym)
        return [frames.trades(inst, market.now_ms, recent, snapshot=True)]

    def update(self, cache: FrameCache) -> list[bytes]:
        if self.spec.symbol in cache.step.trades:
            return [cache.trades(self.spec.symbol)]
        return []


class _KlineSubscription(Subscription):
    def start(self, market: MarketEngine) -> list[bytes]:
        spec = self.spec
        bars = market.klines(spec.symbol, spec.interval)
        inst = market.instrument(spec.symbol)
        return [
            frames.klines(
                inst, market.now_ms, spec.interval, spec.basis, bars, snapshot=True
            )
        ]

    def update(self, cache: FrameCache) -> list[bytes]:
        spec = self.spec
        if spec.symbol in cache.step.klines:
            return [cache.kline(spec.symbol, spec.interval, spec.basis)]
        return []


class DepthSubscription(Subscription):
    """Depth window of one subscriber: the levels it was sent and the last ``u``.

    Attributes:
        skip_pending: withhold the next delta, so the one after it arrives with
            ``U`` != the previous ``u`` (a gap, as if a frame were lost).
        repeat_pending: send the last delta again before the next one.
    """

    def __init__(self, spec: ChannelSpec) -> None:
        super().__init__(spec)
        self.last_u = 0
        self._bids: dict[int, int] = {}
        self._asks: dict[int, int] = {}
        self._last_delta: bytes | None = None
        self.skip_pending = False
        self.repeat_pending = False

    def start(self, market: MarketEngine) -> list[bytes]:
        spec = self.spec
        book = market.book(spec.symbol)
        bids, asks = book.top(spec.levels)
        self._bids, self._asks = dict(bids), dict(asks)
        self.last_u = book.version
        # WEEX-WS.md §1.5: the first frame after subscribing is the snapshot.
        return [
            self._frame(
                market,
                first=book.version,
                last=book.version,
                snapshot=True,
                bids=bids,
                asks=asks,
            )
        ]

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
        """Encode one push of this chain (V3 here; the V2 endpoint overrides it)."""
        spec = self.spec
        return frames.depth(
            market.instrument(spec.symbol),
            market.now_ms,
            first=first,
            last=last,
            levels=spec.levels,
            snapshot=snapshot,
            bids=bids,
            asks=asks,
        )

    def update(self, cache: FrameCache) -> list[bytes]:
        if not cache.step.depth:
            return []
        out: list[bytes] = []
        if self.repeat_pending and self._last_delta is not None:
            self.repeat_pending = False
            out.append(self._last_delta)
        market, spec = cache.market, self.spec
        book = market.book(spec.symbol)
        if book.version == self.last_u:
            return out
        bids, asks = book.top(spec.levels)
        changed_bids = _diff(self._bids, bids, descending=True)
        changed_asks = _diff(self._asks, asks, descending=False)
        if not changed_bids and not changed_asks:
            # Changes outside this window: nothing to send, keep the chain at last_u.
            return out
        frame = self._frame(
            market,
            first=self.last_u,  # WEEX-WS.md §1.5: U == previous frame's u
            last=book.version,
            snapshot=False,
            bids=changed_bids,
            asks=changed_asks,
        )
        self._bids, self._asks = dict(bids), dict(asks)
        self.last_u = book.version
        if self.skip_pending:
            self.skip_pending = False
            return out
        self._last_delta = frame
        out.append(frame)
        return out


def _diff(
    old: dict[int, int], new: list[tuple[int, int]], *, descending: bool
) -> list[tuple[int, int]]:
    """Levels that differ between the old and new window; size 0 = left the window."""
    current = dict(new)
    changed = [(p, q) for p, q in new if old.get(p) != q]
    changed += [(p, 0) for p in old if p not in current]
    changed.sort(reverse=descending)
    return changed


def subscription_for(spec: ChannelSpec) -> Subscription:
    """A fresh :class:`Subscription` for ``spec``."""
    if spec.kind == "depth":
        return DepthSubscription(spec)
    if spec.kind == "trade":
        return _TradeSubscription(spec)
    if spec.kind == "kline":
        return _KlineSubscription(spec)
    return _TickerSubscription(spec)
