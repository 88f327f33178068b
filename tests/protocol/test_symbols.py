"""Symbol spellings: user form BTCUSDT and V2's cmt_btcusdt."""

from __future__ import annotations

from typing import Any

import pytest

from weex_events.errors import ConfigError
from weex_events.protocol.symbols import from_v2, normalize, to_v2


@pytest.mark.parametrize(
    "given",
    ["BTCUSDT", "btcusdt", "BtcUsdt", "cmt_btcusdt", "CMT_BTCUSDT", " btcusdt "],
)
def test_normalize_accepts_every_spelling(given: str) -> None:
    """Every accepted spelling gives the upper-case user form."""
    assert normalize(given) == "BTCUSDT"


def test_to_v2_and_back() -> None:
    """to_v2 gives cmt_<lower>; from_v2 reverses it."""
    assert to_v2("BTCUSDT") == "cmt_btcusdt"
    assert to_v2("ethusdt") == "cmt_ethusdt"
    assert to_v2("cmt_btcusdt") == "cmt_btcusdt"
    assert from_v2("cmt_btcusdt") == "BTCUSDT"
    assert from_v2("cmt_1000pepeusdt") == "1000PEPEUSDT"


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "cmt_", "BTC-USDT", "BTC/USDT", "btc_usdt_spbl", "ＢＴＣ", None, 5],
)
def test_invalid_symbols_raise_config_error(bad: Any) -> None:
    """Empty, non-alphanumeric and non-string symbols raise ConfigError."""
    with pytest.raises(ConfigError) as info:
        normalize(bad)
    assert info.value.name == "symbol"
    with pytest.raises(ConfigError):
        to_v2(bad)
    with pytest.raises(ConfigError):
        from_v2(bad)
