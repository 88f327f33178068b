"""Where each REST call lives, per protocol generation and market (WEEX-WS.md §3).

Contract V3 answers under ``/capi/v3/`` on ``api-contract``, spot V3 under
``/api/v3/`` on ``api-spot`` with Binance-shaped paths (§1.7.5), legacy V2 only
its server time under ``/capi/v2/``. :func:`rest_paths` is the one table the
REST client and the dialer's server clock read; a call a market does not have
is ``None`` there, and the caller raises :class:`~weex_events.errors.ConfigError`.

Pure. Imports: ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["RestPaths", "rest_paths"]


@dataclass(frozen=True, slots=True)
class RestPaths:
    """The REST paths of one market (``None``: the market has no such call)."""

    market: str
    time: str
    depth: str | None = None
    exchange_info: str | None = None
    ticker_24hr: str | None = None
    order: str | None = None
    open_orders: str | None = None
    cancel_all: str | None = None
    balances: str | None = None
    positions: str | None = None
    close_positions: str | None = None

    def path(self, call: str) -> str:
        """The path of ``call`` (a field name).

        Raises:
            ConfigError: the market has no such call.
        """
        path: str | None = getattr(self, call)
        if path is None:
            raise ConfigError(
                "market", f"the {self.market} market has no {call.replace('_', ' ')}"
            )
        return path


_CONTRACT = RestPaths(
    "contract",
    time="/capi/v3/market/time",
    depth="/capi/v3/market/depth",
    exchange_info="/capi/v3/market/exchangeInfo",
    ticker_24hr="/capi/v3/market/ticker/24hr",
    order="/capi/v3/order",
    open_orders="/capi/v3/openOrders",
    cancel_all="/capi/v3/allOpenOrders",
    balances="/capi/v3/account/balance",
    positions="/capi/v3/account/position/allPosition",
    close_positions="/capi/v3/closePositions",
)
# WEEX-WS.md §1.7.5: no "/market/" in exchangeInfo; balances with the trailing
# slash every client sends; no positions on spot.
_SPOT = RestPaths(
    "spot",
    time="/api/v3/time",
    depth="/api/v3/market/depth",
    exchange_info="/api/v3/exchangeInfo",
    ticker_24hr="/api/v3/market/ticker/24hr",
    order="/api/v3/order",
    open_orders="/api/v3/openOrders",
    cancel_all="/api/v3/openOrders",
    balances="/api/v3/account/",
)
# WEEX-WS.md §3: the V2 server time (the V2 client signs nothing else here).
_V2_CONTRACT = RestPaths("contract", time="/capi/v2/market/time")

_TABLE = {
    ("v3", "contract"): _CONTRACT,
    ("v3", "spot"): _SPOT,
    ("v2", "contract"): _V2_CONTRACT,
}


def rest_paths(market: str, protocol: str = "v3") -> RestPaths:
    """The REST paths of ``market`` in ``protocol``.

    Raises:
        ConfigError: WEEX has no such REST API (spot is V3 only here).
    """
    paths = _TABLE.get((protocol, market))
    if paths is None:
        raise ConfigError("market", f"no {protocol.upper()} REST API for {market}")
    return paths
