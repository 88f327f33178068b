"""Desired subscription state: which channels are wanted, by how many users.

Handlers (``client.on("ticker:BTCUSDT", h)``), streams and explicit
``subscribe()`` calls all hold references on the same :class:`Channel`; the first
reference subscribes and the last one released unsubscribes. This module also
turns user arguments (``subscribe("book", ["btcusdt"], level=5)``) into channels,
with a clear :class:`~weex_events.errors.ConfigError` for anything WEEX does not
serve.

:class:`Pool` places channels on connections (at most 100 per connection).

Imports: ``errors``, ``events``, ``protocol``, ``connection``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .connection import Connection
from .errors import ConfigError
from .events import (
    BOOK_DEPTHS,
    KLINE_INTERVALS,
    MARKET_KINDS,
    PRIVATE_KINDS,
    Channel,
)
from .protocol.symbols import normalize as normalize_symbol

__all__ = ["Pool", "Subscriptions", "book_depth", "make_channels"]

_ALIASES = {
    "tickers": "ticker",
    "trades": "trade",
    "depth": "book",
    "orderbook": "book",
    "order_book": "book",
    "klines": "kline",
    "candles": "kline",
    "orders": "order",
    "positions": "position",
    "fills": "fill",
}
_PRICE_TYPES = ("LAST_PRICE", "MARK_PRICE")


def book_depth(level: Any) -> int:
    """The WEEX book depth serving ``level`` levels: 15 for ≤ 15, 200 for ≤ 200.

    Raises:
        ConfigError: ``level`` is not an integer between 1 and 200.
    """
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        raise ConfigError("level", f"must be a positive integer, not {level!r}")
    for depth in BOOK_DEPTHS:
        if level <= depth:
            return depth
    raise ConfigError("level", f"WEEX serves at most 200 levels, not {level}")


def _symbols(kind: str, symbols: str | Iterable[str] | None) -> list[str]:
    if symbols is None:
        raise ConfigError("symbols", f"{kind!r} needs at least one symbol")
    items = [symbols] if isinstance(symbols, str) else list(symbols)
    if not items:
        raise ConfigError("symbols", f"{kind!r} needs at least one symbol")
    return list(dict.fromkeys(normalize_symbol(s) for s in items))


def make_channels(
    kind: str, symbols: str | Iterable[str] | None, params: Mapping[str, Any]
) -> list[Channel]:
    """Channels for ``subscribe(kind, symbols, **params)``.

    ``book`` takes ``level`` (1–200, default 15); ``kline`` takes ``interval``
    (default ``"1m"``) and ``price_type`` (``LAST_PRICE``/``MARK_PRICE``).

    Raises:
        ConfigError: unknown kind, missing or unexpected symbols, bad parameters.
    """
    kind = _ALIASES.get(kind, kind)
    params = dict(params)
    if kind in PRIVATE_KINDS:
        if symbols is not None:
            raise ConfigError(
                "symbols",
                f"private channel {kind!r} covers every symbol; filter with the "
                f"event '{kind}:SYMBOL' instead",
            )
        arg = None
    elif kind in MARKET_KINDS:
        arg = None
        if kind == "book":
            arg = str(book_depth(params.pop("level", params.pop("depth", 15))))
        elif kind == "kline":
            interval = params.pop("interval", "1m")
            if interval not in KLINE_INTERVALS:
                raise ConfigError(
                    "interval",
                    f"{interval!r} is not one of {', '.join(KLINE_INTERVALS)}",
                )
            price_type = params.pop("price_type", None)
            if price_type is not None and price_type not in _PRICE_TYPES:
                raise ConfigError("price_type", "must be LAST_PRICE or MARK_PRICE")
            arg = (
                interval
                if price_type in (None, "LAST_PRICE")
                else f"{interval}_{price_type}"
            )
    else:
        known = sorted(MARKET_KINDS | PRIVATE_KINDS)
        raise ConfigError("kind", f"unknown channel {kind!r}; expected one of {known}")
    if params:
        raise ConfigError(next(iter(params)), f"unexpected parameter for {kind!r}")
    if kind in PRIVATE_KINDS:
        return [Channel(kind)]
    return [Channel(kind, s, arg) for s in _symbols(kind, symbols)]


class Subscriptions:
    """Reference counts per channel (the client's desired state)."""

    def __init__(self) -> None:
        self._refs: Counter[Channel] = Counter()

    def acquire(self, channels: Iterable[Channel]) -> list[Channel]:
        """Add one reference to each; returns the channels that became wanted."""
        new = []
        for channel in channels:
            self._refs[channel] += 1
            if self._refs[channel] == 1:
                new.append(channel)
        return new

    def release(self, channels: Iterable[Channel]) -> list[Channel]:
        """Drop one reference from each; returns the channels no longer wanted."""
        gone = []
        for channel in channels:
            count = self._refs.get(channel, 0)
            if count <= 1:
                if count == 1:
                    del self._refs[channel]
                    gone.append(channel)
            else:
                self._refs[channel] = count - 1
        return gone

    def refs(self, channel: Channel) -> int:
        """How many handlers, streams and explicit calls hold ``channel``."""
        return self._refs.get(channel, 0)

    def __contains__(self, channel: object) -> bool:
        return channel in self._refs

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._refs))

    def __len__(self) -> int:
        return len(self._refs)


class Pool:
    """The connections of one endpoint and which channels each one carries.

    WEEX allows 100 channels per connection (WEEX-WS.md §1.1), so channels are
    spread over as many connections as needed ("sharding"). A connection that has
    had channels rejected four times or more takes no new channels: a sixth
    rejected command would close it with 1007 (§1.4).
    """

    #: Rejections after which a connection gets no new channels.
    REJECTION_GUARD = 4

    def __init__(
        self,
        factory: Callable[[], Connection],
        *,
        max_channels: int,
        can_open: Callable[[], bool],
    ) -> None:
        self._factory = factory
        self._max_channels = max_channels
        self._can_open = can_open
        self.conns: list[Connection] = []
        self.where: dict[Channel, Connection] = {}

    def first(self) -> Connection:
        """The primary connection, created (not started) on first use."""
        if not self.conns:
            self.conns.append(self._factory())
        return self.conns[0]

    def place(self, channel: Channel) -> tuple[Connection, bool]:
        """The connection for ``channel`` and whether it was just created.

        Raises:
            ConfigError: every connection is full and opening another would
                exceed the per-IP connection limit.
        """
        conn = self.where.get(channel)
        if conn is not None:
            return conn, False
        created = False
        for candidate in self.conns:
            if (
                len(candidate.desired) < self._max_channels
                and candidate.rejections < self.REJECTION_GUARD
            ):
                conn = candidate
                break
        else:
            if self.conns and not self._can_open():
                raise ConfigError(
                    "max_connections",
                    "every connection carries its maximum of channels and opening "
                    "another would exceed the per-IP connection limit",
                )
            conn = self._factory()
            self.conns.append(conn)
            created = True
        self.where[channel] = conn
        return conn, created

    def remove(self, channel: Channel) -> Connection | None:
        """Forget where ``channel`` lives; returns the connection it was on."""
        return self.where.pop(channel, None)
