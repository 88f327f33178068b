"""The registry of channel kinds: every fact about a kind, in one record.

A :class:`Kind` says whether the kind is public or private, how a consumer's
queue treats it when full, which argument its channels take (book depth, kline
interval) with the one default and the one parser, its wire name per protocol
generation (and per market, where they differ), which pushes carry it, and
which codec method decodes them. Everything else reads these records, at
subscribe or decoder-setup time, never per frame:

* :mod:`~weex_events.events` derives ``MARKET_KINDS``/``PRIVATE_KINDS`` and the
  channel an event needs;
* :mod:`~weex_events.queues` derives its overflow policies;
* the codecs build their channel names and push tables from it.

Adding a kind means adding a record here, a decode method in each codec, and
the simulator's own side (see ``docs/contributing.rst``).

Pure: no asyncio, no clock. Imports: ``errors``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .errors import ConfigError

__all__ = [
    "ALIASES",
    "BOOK_DEPTHS",
    "DEFAULT_BOOK_DEPTH",
    "KINDS",
    "KLINE_INTERVALS",
    "MARKETS",
    "MARKET_KINDS",
    "PRIVATE_KINDS",
    "Kind",
    "Policy",
    "book_depth",
    "depth_of",
    "lookup",
]

#: Kline intervals WEEX serves (WEEX-WS.md §1.5).
KLINE_INTERVALS = (
    "1m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "1w", "1M",
)  # fmt: skip
#: Book depths WEEX serves; ``stream_order_book(level=n)`` picks the smallest >= n.
BOOK_DEPTHS = (15, 200)
#: The depth of a book channel named without one (``book:SYMBOL``; V3 ``@depth``).
DEFAULT_BOOK_DEPTH = 15
_PRICE_TYPES = ("LAST_PRICE", "MARK_PRICE")
#: The markets WEEX runs (``WeexConfig.market``), WEEX-WS.md §1.1 and §1.7.
MARKETS = frozenset({"contract", "spot"})

ArgParser = Callable[[dict[str, object], str], str]
"""Pops a kind's parameters from ``subscribe(**params)`` and returns the
channel argument (``"15"``, ``"1m_MARK_PRICE"``) on a market (the second
argument); raises ConfigError."""


class Policy(enum.Enum):
    """What a full consumer queue does with a kind (DESIGN §2 *Backpressure*)."""

    CONFLATE = "conflate"  # keep only the latest per event (tickers, books)
    DROP_OLDEST = "drop_oldest"  # market data that is a sequence (trades, bars)
    KEEP = "keep"  # private data: never dropped


@dataclass(frozen=True, slots=True)
class Kind:
    """Everything the SDK knows about one channel kind.

    Attributes:
        name: the SDK's kind, the first part of its event names (``"book"``).
        private: served on the signed endpoint (no symbol in the channel).
        policy: what a full consumer queue does with its messages.
        wire: the channel's wire name per protocol generation, as a format
            string over ``sym`` (the wire symbol), ``arg`` (the channel
            argument) and, for V2 klines, ``basis`` and ``interval``. A key
            ``"<generation>/<market>"`` overrides the generation's name for
            one market.
        pushes: per generation, the push types (V3 ``e``, V2 channel prefix)
            that carry the kind.
        markets: the markets that serve the kind; elsewhere it is a
            ConfigError at call time (``position`` is contract-only,
            ``book_ticker`` spot-only, WEEX-WS.md §1.7.3-§1.7.4).
        decoder: the codec method (``_<decoder>``) that decodes those pushes.
        default_arg: the channel argument when none is given.
        parse_arg: turns ``subscribe()`` parameters into the argument.
    """

    name: str
    private: bool
    policy: Policy
    wire: Mapping[str, str]
    pushes: Mapping[str, tuple[str, ...]]
    decoder: str
    default_arg: str | None = None
    parse_arg: ArgParser | None = field(default=None, compare=False)
    markets: frozenset[str] = MARKETS

    def check_market(self, market: str) -> None:
        """Raise unless ``market`` serves this kind.

        Raises:
            ConfigError: the kind does not exist on ``market``.
        """
        if market not in self.markets:
            only = " and ".join(sorted(self.markets))
            raise ConfigError(
                "kind",
                f"{self.name!r} is not served on the {market} market ({only} only)",
            )

    def wire_name(self, generation: str, market: str = "contract") -> str:
        """The wire-name template for ``generation`` (``"v3"``) and ``market``.

        Raises:
            ConfigError: the kind has no channel in that generation or market.
        """
        self.check_market(market)
        name = self.wire.get(f"{generation}/{market}") or self.wire.get(generation)
        if name is None:
            raise ConfigError(
                "kind", f"no {generation.upper()} {market} channel for {self.name!r}"
            )
        return name

    def arg(self, params: dict[str, object], market: str = "contract") -> str | None:
        """The channel argument for ``subscribe()`` parameters (popped from
        ``params``) on ``market``; the kind's default when it takes none.

        Raises:
            ConfigError: a parameter is out of range (or not served on ``market``).
        """
        return self.parse_arg(params, market) if self.parse_arg is not None else None


def book_depth(level: object) -> int:
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


def depth_of(arg: str | None) -> int:
    """The depth of a book channel from its argument (``None``: the default)."""
    return DEFAULT_BOOK_DEPTH if not arg else int(arg)


def _book_arg(params: dict[str, object], market: str) -> str:
    level = params.pop("level", params.pop("depth", DEFAULT_BOOK_DEPTH))
    return str(book_depth(level))


def _kline_arg(params: dict[str, object], market: str) -> str:
    interval = params.pop("interval", "1m")
    if interval not in KLINE_INTERVALS:
        raise ConfigError(
            "interval", f"{interval!r} is not one of {', '.join(KLINE_INTERVALS)}"
        )
    price_type = params.pop("price_type", None)
    if price_type is not None and price_type not in _PRICE_TYPES:
        raise ConfigError("price_type", "must be LAST_PRICE or MARK_PRICE")
    if price_type == "MARK_PRICE" and market == "spot":
        # WEEX-WS.md §1.7.3: spot has no mark price; klines are on last price.
        raise ConfigError("price_type", "spot klines are on LAST_PRICE only")
    if price_type in (None, "LAST_PRICE"):
        return str(interval)
    return f"{interval}_{price_type}"


def _private(name: str, wire: str, markets: frozenset[str] = MARKETS) -> Kind:
    # WEEX-WS.md §1.6 and §2: private channels are bare names in both
    # generations, and their pushes are named like the channel.
    return Kind(
        name,
        private=True,
        policy=Policy.KEEP,
        wire={"v3": wire, "v2": wire},
        pushes={"v3": (wire,), "v2": (wire,)},
        decoder="private",
        markets=markets,
    )


#: Every kind the SDK serves, by name (WEEX-WS.md §1.4–§1.6 and §2).
KINDS: Mapping[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "ticker",
            private=False,
            policy=Policy.CONFLATE,
            wire={"v3": "{sym}@ticker", "v2": "ticker.{sym}"},
            pushes={"v3": ("ticker",), "v2": ("ticker",)},
            decoder="ticker",
        ),
        Kind(
            "trade",
            private=False,
            policy=Policy.DROP_OLDEST,
            wire={"v3": "{sym}@trade", "v2": "trades.{sym}"},
            pushes={"v3": ("trade", "tradeSnapshot"), "v2": ("trades",)},
            decoder="trades",
        ),
        Kind(
            "book",
            private=False,
            policy=Policy.CONFLATE,
            wire={"v3": "{sym}@depth{arg}", "v2": "depth.{sym}.{arg}"},
            pushes={"v3": ("depth", "depthSnapshot"), "v2": ("depth",)},
            decoder="depth",
            default_arg=str(DEFAULT_BOOK_DEPTH),
            parse_arg=_book_arg,
        ),
        Kind(
            "kline",
            private=False,
            policy=Policy.DROP_OLDEST,
            # WEEX-WS.md §1.7.3: spot clients always name the basis.
            wire={
                "v3": "{sym}@kline_{arg}",
                "v3/spot": "{sym}@kline_{interval}_LAST_PRICE",
                "v2": "kline.{basis}.{sym}.{interval}",
            },
            pushes={"v3": ("kline", "klineSnapshot"), "v2": ("kline",)},
            decoder="kline",
            default_arg="1m",
            parse_arg=_kline_arg,
        ),
        Kind(
            # WEEX-WS.md §1.7.3: best bid/ask, spot only (contract rejects it).
            "book_ticker",
            private=False,
            policy=Policy.CONFLATE,
            wire={"v3": "{sym}@bookTicker"},
            pushes={"v3": ("bookTicker",)},
            decoder="book_ticker",
            markets=frozenset({"spot"}),
        ),
        _private("account", "account"),
        # WEEX-WS.md §1.7.4: no positions on spot.
        _private("position", "positions", frozenset({"contract"})),
        _private("order", "orders"),
        _private("fill", "fill"),
    )
}

#: Public market-data kinds (events ``kind`` and ``kind:SYMBOL``).
MARKET_KINDS = frozenset(k.name for k in KINDS.values() if not k.private)
#: Private kinds, served on the signed endpoint (events ``kind`` and ``kind:SYMBOL``).
PRIVATE_KINDS = frozenset(k.name for k in KINDS.values() if k.private)

#: Other names ``subscribe()`` accepts for a kind.
ALIASES: Mapping[str, str] = {
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
    "book_tickers": "book_ticker",
    "bookticker": "book_ticker",
}


def lookup(name: str, market: str | None = None) -> Kind:
    """The kind called ``name`` (or one of its :data:`ALIASES`), checked
    against ``market`` when given.

    Raises:
        ConfigError: no such kind, or ``market`` does not serve it.
    """
    kind = KINDS.get(ALIASES.get(name, name))
    if kind is None:
        known = sorted(KINDS)
        raise ConfigError("kind", f"unknown channel {name!r}; expected one of {known}")
    if market is not None:
        kind.check_market(market)
    return kind
