"""What a user asks for, as channels: ``subscribe("book", ["btcusdt"], level=5)``
becomes ``[Channel("book", "BTCUSDT", "15")]``.

The facts (which kinds exist, their aliases, arguments and defaults) come from
the kinds registry; this module applies them to user arguments and symbols,
with a clear :class:`~weex_events.errors.ConfigError` for anything WEEX does
not serve. Reference counts and placement live in :mod:`weex_events.hub`.

Imports: ``errors``, ``events``, ``kinds``, ``protocol``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ConfigError
from .events import Channel
from .kinds import book_depth, lookup
from .protocol.symbols import normalize as normalize_symbol

__all__ = ["book_depth", "make_channels"]


def _symbols(kind: str, symbols: str | Iterable[str] | None) -> list[str]:
    if symbols is None:
        raise ConfigError("symbols", f"{kind!r} needs at least one symbol")
    items = [symbols] if isinstance(symbols, str) else list(symbols)
    if not items:
        raise ConfigError("symbols", f"{kind!r} needs at least one symbol")
    return list(dict.fromkeys(normalize_symbol(s) for s in items))


def make_channels(
    kind: str,
    symbols: str | Iterable[str] | None,
    params: Mapping[str, Any],
    market: str = "contract",
) -> list[Channel]:
    """Channels for ``subscribe(kind, symbols, **params)`` on ``market``.

    ``book`` takes ``level`` (1–200, default 15); ``kline`` takes ``interval``
    (default ``"1m"``) and ``price_type`` (``LAST_PRICE``/``MARK_PRICE``;
    ``LAST_PRICE`` only on spot).

    Raises:
        ConfigError: unknown kind or one ``market`` does not serve, missing or
            unexpected symbols, bad parameters.
    """
    spec = lookup(kind, market)
    kind = spec.name
    params = dict(params)
    if spec.private and symbols is not None:
        raise ConfigError(
            "symbols",
            f"private channel {kind!r} covers every symbol; filter with the "
            f"event '{kind}:SYMBOL' instead",
        )
    arg = spec.arg(params, market)
    if params:
        raise ConfigError(next(iter(params)), f"unexpected parameter for {kind!r}")
    if spec.private:
        return [Channel(kind)]
    return [Channel(kind, s, arg) for s in _symbols(kind, symbols)]
