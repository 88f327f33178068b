"""Subscriptions: the push state of one channel on one connection, either generation.

A :class:`Subscription` turns market steps into the frames one subscriber must see:
its snapshot on subscribe, then updates. What it sends is the same for WEEX V3 and
V2; how each frame is spelled comes from the generation's :class:`Pushes` encoder
(``sim.channels`` for V3, ``sim.v2_channels`` for V2). Depth subscriptions keep the
window last sent and the last version, so each delta starts where the previous frame
of that subscription ended (V3 ``U`` == previous ``u``, WEEX-WS.md §1.5; V2
``startVersion`` == previous ``endVersion``, §2) and carries exactly the levels that
changed in its top-N window (size ``"0"`` for levels that left it).

A :class:`PrivateChannel` is a subscription with no market pushes: the paper
exchange's events reach it through the endpoint (``sim.endpoint``).

Pure: no I/O, no clock.
Imports: stdlib and ``sim.candles``/``sim.market``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from .candles import Bar
from .market import MarketEngine, StepResult, Trade

__all__ = [
    "ChannelError",
    "ChannelSpec",
    "DepthPart",
    "DepthSubscription",
    "FrameCache",
    "PrivateChannel",
    "Pushes",
    "Subscription",
    "private_channel",
    "subscription_for",
]

Kind = Literal["ticker", "depth", "trade", "kline"]
Level = tuple[int, int]


class ChannelError(ValueError):
    """A param names no channel the endpoint serves; ``msg`` is the reply's text."""

    def __init__(self, msg: str) -> None:
        self.msg = msg
        super().__init__(msg)


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One parsed public channel.

    Attributes:
        key: identifies the subscription on its connection: V3 ``SYMBOL@stream``
            (symbol upper case, stream as sent), V2 the canonical channel name.
        symbol: upper-case symbol.
        stream: the stream part (``depth200``, ``kline_1m_MARK_PRICE``).
        kind: ``ticker``, ``depth``, ``trade`` or ``kline``.
        levels: window size of a depth channel.
        interval: kline interval (the market's name, ``1m``).
        basis: kline price basis.
    """

    key: str
    symbol: str
    stream: str
    kind: Kind
    levels: int = 0
    interval: str = ""
    basis: str = "LAST_PRICE"


@dataclass(frozen=True, slots=True)
class DepthPart:
    """One frame of a depth chain: book versions ``first`` to ``last``, the levels.

    A delta's ``first`` is the previous frame's ``last``; a level of size 0 left
    the window (or the book).
    """

    first: int
    last: int
    snapshot: bool
    bids: list[Level]
    asks: list[Level]


class Pushes(Protocol):
    """How one generation encodes market pushes for a subscriber."""

    def ticker(self, market: MarketEngine, symbol: str) -> bytes:
        """The ticker push of ``symbol`` now."""
        ...

    def trades(
        self, market: MarketEngine, symbol: str, items: Sequence[Trade]
    ) -> bytes:
        """A live push of ``items``, oldest first."""
        ...

    def trade_snapshot(self, market: MarketEngine, symbol: str) -> list[bytes]:
        """What a trades subscriber gets right after the ack (maybe nothing)."""
        ...

    def klines(
        self,
        market: MarketEngine,
        spec: ChannelSpec,
        bars: list[Bar],
        *,
        snapshot: bool,
    ) -> bytes:
        """``spec``'s history (``snapshot``) or bar in progress (``bars``)."""
        ...

    def depth(self, market: MarketEngine, spec: ChannelSpec, part: DepthPart) -> bytes:
        """One depth push of ``spec``'s chain."""
        ...


class FrameCache:
    """Frames shared by every subscriber of a symbol during one publish pass."""

    def __init__(self, market: MarketEngine, step: StepResult, pushes: Pushes) -> None:
        self.market = market
        self.step = step
        self._pushes = pushes
        self._frames: dict[object, bytes] = {}

    def ticker(self, symbol: str) -> bytes:
        """This step's ticker push for ``symbol``."""
        key = ("ticker", symbol)
        if key not in self._frames:
            self._frames[key] = self._pushes.ticker(self.market, symbol)
        return self._frames[key]

    def trades(self, symbol: str) -> bytes:
        """This step's trade push for ``symbol``."""
        key = ("trade", symbol)
        if key not in self._frames:
            items = self.step.trades[symbol]
            self._frames[key] = self._pushes.trades(self.market, symbol, items)
        return self._frames[key]

    def kline(self, spec: ChannelSpec) -> bytes:
        """This step's bar-in-progress push for ``spec``'s symbol/interval/basis."""
        key = ("kline", spec.symbol, spec.interval, spec.basis)
        if key not in self._frames:
            bar = self.market.klines(spec.symbol, spec.interval, 0)
            self._frames[key] = self._pushes.klines(
                self.market, spec, bar, snapshot=False
            )
        return self._frames[key]


class Subscription:
    """Push state of one channel on one connection (this base pushes nothing)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def start(self, market: MarketEngine) -> list[bytes]:
        """Frames to send right after the ack (the snapshot, if the channel has one)."""
        return []

    def update(self, cache: FrameCache) -> list[bytes]:
        """Frames this step produced for this subscriber."""
        return []


class PrivateChannel(Subscription):
    """A private channel (``orders``, ``account``...); its pushes are delivered.

    No snapshot follows the subscription (WEEX-WS.md §1.6 [open]) and market steps
    produce nothing for it.
    """


def private_channel(name: str, names: Sequence[str], invalid: str) -> PrivateChannel:
    """The private channel ``name``; ``ChannelError(invalid + name)`` if unknown."""
    if name not in names:
        raise ChannelError(invalid + name)
    return PrivateChannel(name)


class _MarketSubscription(Subscription):
    def __init__(self, spec: ChannelSpec, pushes: Pushes) -> None:
        super().__init__(spec.key)
        self.spec = spec
        self.pushes = pushes


class _Ticker(_MarketSubscription):
    def update(self, cache: FrameCache) -> list[bytes]:
        if self.spec.symbol in cache.step.tickers:
            return [cache.ticker(self.spec.symbol)]
        return []


class _Trades(_MarketSubscription):
    def start(self, market: MarketEngine) -> list[bytes]:
        return self.pushes.trade_snapshot(market, self.spec.symbol)

    def update(self, cache: FrameCache) -> list[bytes]:
        if self.spec.symbol in cache.step.trades:
            return [cache.trades(self.spec.symbol)]
        return []


class _Kline(_MarketSubscription):
    def start(self, market: MarketEngine) -> list[bytes]:
        bars = market.klines(self.spec.symbol, self.spec.interval)
        return [self.pushes.klines(market, self.spec, bars, snapshot=True)]

    def update(self, cache: FrameCache) -> list[bytes]:
        if self.spec.symbol in cache.step.klines:
            return [cache.kline(self.spec)]
        return []


class DepthSubscription(_MarketSubscription):
    """Depth window of one subscriber: the levels it was sent and the last version.

    Attributes:
        skip_pending: withhold the next delta, so the one after it does not start
            where the previous frame ended (a gap, as if a frame were lost).
        repeat_pending: send the last delta again before the next one.
    """

    def __init__(self, spec: ChannelSpec, pushes: Pushes) -> None:
        super().__init__(spec, pushes)
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
            self.pushes.depth(
                market, spec, DepthPart(book.version, book.version, True, bids, asks)
            )
        ]

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
        # WEEX-WS.md §1.5: U == previous frame's u.
        part = DepthPart(self.last_u, book.version, False, changed_bids, changed_asks)
        frame = self.pushes.depth(market, spec, part)
        self._bids, self._asks = dict(bids), dict(asks)
        self.last_u = book.version
        if self.skip_pending:
            self.skip_pending = False
            return out
        self._last_delta = frame
        out.append(frame)
        return out


def _diff(old: dict[int, int], new: list[Level], *, descending: bool) -> list[Level]:
    """Levels that differ between the old and new window; size 0 = left the window."""
    current = dict(new)
    changed = [(p, q) for p, q in new if old.get(p) != q]
    changed += [(p, 0) for p in old if p not in current]
    changed.sort(reverse=descending)
    return changed


def subscription_for(spec: ChannelSpec, pushes: Pushes) -> Subscription:
    """A fresh :class:`Subscription` for ``spec``, encoding with ``pushes``."""
    if spec.kind == "depth":
        return DepthSubscription(spec, pushes)
    if spec.kind == "trade":
        return _Trades(spec, pushes)
    if spec.kind == "kline":
        return _Kline(spec, pushes)
    return _Ticker(spec, pushes)
