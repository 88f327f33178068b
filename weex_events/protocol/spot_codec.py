"""The spot codec: WEEX's V3 protocol as the spot host speaks it (WEEX-WS.md §1.7).

Spot is the contract V3 protocol (envelope, commands, heartbeat, depth chain) with
fewer fields, no ``positions`` and one more push, ``bookTicker``.
:class:`SpotCodec` is therefore a :class:`~.v3.V3Codec` with ``market="spot"``:
the registry gives it spot's wire names and push table (``book_ticker`` in,
``position`` out), depth and trades keep the V3 hot paths (same shapes), and
tickers, best bid/ask and the private pushes go through the pure spot decoders
of :mod:`~weex_events.protocol.spot` (no mark or index price, spot's account and
order items, ``EXPIRED`` read as canceled).

Imports: ``errors``, ``protocol`` (its types), ``.v3``, ``.spot``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from . import Decoded
from . import spot as decoders
from .v3 import V3Codec

__all__ = ["SpotCodec"]

# WEEX-WS.md §1.7.4: spot's private pushes (no positions).
_PRIVATE = ("account", "orders", "fill")


class SpotCodec(V3Codec):
    """Encode V3 commands for the spot host and decode its frames.

    Args:
        number_type: as for :class:`~.codec.BaseCodec`.
        marks: accepted for symmetry with the contract codec; spot sends no
            mark price, so nothing is stored in it.
    """

    def __init__(
        self, *, number_type: type = str, marks: dict[str, str] | None = None
    ) -> None:
        super().__init__(number_type=number_type, marks=marks, market="spot")

    def _decoders(self) -> dict[str, Callable[[dict[str, Any], float], Decoded]]:
        """V3's depth, trade and kline paths; spot's tickers, best bid/ask and
        private items (WEEX-WS.md §1.7.3-§1.7.4)."""
        norm = self._norm

        def bound(decoder: decoders.Decoder) -> Callable[[Any, float], Decoded]:
            return lambda msg, received_at: decoder(norm, msg, received_at)

        private = {push: bound(decoders.DECODERS[push]) for push in _PRIVATE}

        def private_push(msg: dict[str, Any], received_at: float) -> Decoded:
            return private[msg["e"]](msg, received_at)

        return {
            "ticker": bound(decoders.ticker),
            "book_ticker": bound(decoders.book_ticker),
            "depth": self._depth,
            "trades": self._trades,
            "kline": self._kline,
            "private": private_push,
        }

    def _kline_parts(self, interval: str, basis: str) -> dict[str, str]:
        # WEEX-WS.md §1.7.3: spot klines are on the last price, named in full.
        if basis != "LAST_PRICE":
            raise ConfigError("price_type", "spot klines are on LAST_PRICE only")
        return {"interval": interval}
