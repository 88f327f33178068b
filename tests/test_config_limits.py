"""Defaults within WEEX's current limits, and V2 flagged as sunset (issue 11)."""

from __future__ import annotations

import logging

import pytest

from weex_events import ConfigError, WeexConfig
from weex_events import config as config_module


def test_default_connections_within_weex_limits() -> None:
    """WEEX-WS.md §1.1: at most 20 connections per IP on contract, 100 on spot."""
    assert WeexConfig().max_connections is not None
    assert WeexConfig().max_connections < 20  # type: ignore[operator]
    assert WeexConfig(market="spot").max_connections <= 100  # type: ignore[operator]


@pytest.mark.parametrize(("market", "limit"), [("contract", 20), ("spot", 100)])
def test_connections_beyond_weex_limit_are_a_config_error(
    market: str, limit: int
) -> None:
    """More connections than WEEX allows per IP is a ConfigError naming the field."""
    assert WeexConfig(market=market, max_connections=limit)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as caught:
        WeexConfig(market=market, max_connections=limit + 1)  # type: ignore[arg-type]
    assert caught.value.name == "max_connections"
    assert str(limit) in str(caught.value)


def test_v2_warns_once_that_weex_sunset_it(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """protocol="v2" logs one warning per process that WEEX has sunset V2."""
    monkeypatch.setattr(config_module, "_v2_warned", False)
    with caplog.at_level(logging.WARNING, logger="weex_events.config"):
        WeexConfig(protocol="v2")
        WeexConfig(protocol="v2")
        WeexConfig()
    warnings = [r for r in caplog.records if "sunset" in r.getMessage()]
    assert len(warnings) == 1
    assert WeexConfig(protocol="v2").public_url.endswith("/v2/ws/public")
