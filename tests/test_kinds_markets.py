"""Which market serves which kind, decided by the registry (pure)."""

from __future__ import annotations

import pytest

from weex_events import Channel, ConfigError, WeexConfig
from weex_events.kinds import KINDS, MARKETS, lookup
from weex_events.protocol.rest_paths import rest_paths
from weex_events.subscriptions import make_channels


def test_every_kind_names_its_markets() -> None:
    """position is contract's, book_ticker spot's, every other kind both."""
    only = {name: k.markets for name, k in KINDS.items() if k.markets != MARKETS}
    assert only == {"position": {"contract"}, "book_ticker": {"spot"}}


@pytest.mark.parametrize(
    ("kind", "market"),
    [("position", "spot"), ("positions", "spot"), ("book_ticker", "contract")],
)
def test_lookup_refuses_a_kind_the_market_lacks(kind: str, market: str) -> None:
    """lookup(kind, market) is a ConfigError naming the market."""
    with pytest.raises(ConfigError, match=f"not served on the {market} market"):
        lookup(kind, market)


def test_make_channels_per_market() -> None:
    """book_ticker channels exist on spot; mark-price klines only on contract."""
    assert make_channels("book_ticker", "btcusdt", {}, "spot") == [
        Channel("book_ticker", "BTCUSDT", None)
    ]
    params = {"interval": "1m", "price_type": "MARK_PRICE"}
    assert make_channels("kline", "BTCUSDT", params, "contract")[0].arg == (
        "1m_MARK_PRICE"
    )
    with pytest.raises(ConfigError, match="LAST_PRICE"):
        make_channels("kline", "BTCUSDT", params, "spot")


def test_spot_is_v3_only() -> None:
    """market="spot" with protocol="v2" is refused when the config is made."""
    with pytest.raises(ConfigError, match="V3 only"):
        WeexConfig(market="spot", protocol="v2")


def test_rest_paths_per_market() -> None:
    """Each market's REST paths; a call a market lacks is a ConfigError."""
    assert rest_paths("contract").time == "/capi/v3/market/time"
    assert rest_paths("contract", "v2").time == "/capi/v2/market/time"
    spot = rest_paths("spot")
    assert (spot.time, spot.exchange_info, spot.balances) == (
        "/api/v3/time",
        "/api/v3/exchangeInfo",
        "/api/v3/account/",
    )
    with pytest.raises(ConfigError, match="positions"):
        spot.path("positions")
    with pytest.raises(ConfigError):
        rest_paths("spot", "v2")
