"""Symbol spellings: the user form ``BTCUSDT`` and V2's ``cmt_btcusdt``.

Users always see the upper-case V3 form (DESIGN.md §1, "Events and names"); V2
wire names are ``cmt_<base><quote>`` in lower case (WEEX-WS.md §2).

Imports: ``errors``.
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import ConfigError

__all__ = ["from_v2", "normalize", "to_v2"]

#: WEEX-WS.md §2: V2 contract symbols carry this prefix.
V2_PREFIX = "cmt_"


def normalize(symbol: str) -> str:
    """Return the user form of ``symbol``.

    Accepts ``"btcusdt"``, ``"BTCUSDT"`` and ``"cmt_btcusdt"`` (any case) and
    returns ``"BTCUSDT"``.

    Raises:
        ConfigError: ``symbol`` is not a string, is empty, or holds anything but
            ASCII letters and digits (after an optional ``cmt_`` prefix).
    """
    if not isinstance(symbol, str):
        raise ConfigError("symbol", f"must be a string, not {type(symbol).__name__}")
    return _normalize(symbol)


# Decoders call this per frame; the cache is bounded and keyed by wire text.
@lru_cache(maxsize=4096)
def _normalize(symbol: str) -> str:
    text = symbol.strip()
    if text[:4].lower() == V2_PREFIX:
        text = text[4:]
    if not text:
        raise ConfigError("symbol", f"empty symbol: {symbol!r}")
    if not (text.isascii() and text.isalnum()):
        raise ConfigError("symbol", f"not a WEEX symbol: {symbol!r}")
    return text.upper()


def to_v2(symbol: str) -> str:
    """Return the V2 wire form: ``"BTCUSDT"`` -> ``"cmt_btcusdt"``.

    Raises:
        ConfigError: ``symbol`` is not a valid symbol (see :func:`normalize`).
    """
    return V2_PREFIX + normalize(symbol).lower()


def from_v2(symbol: str) -> str:
    """Return the user form of a V2 wire symbol: ``"cmt_btcusdt"`` -> ``"BTCUSDT"``.

    A symbol without the prefix is accepted too, so a V2 frame that spells a
    symbol the V3 way still lands on the right event.

    Raises:
        ConfigError: ``symbol`` is not a valid symbol (see :func:`normalize`).
    """
    return normalize(symbol)
