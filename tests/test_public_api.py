"""The flat public namespace (STYLE.md rule 5) and the config contract."""

from __future__ import annotations

import decimal

import pytest

import weex_events
from weex_events import ConfigError, WeexConfig


def test_all_is_sorted_and_importable() -> None:
    """__all__ is sorted, has no duplicates and every name resolves."""
    names = weex_events.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(weex_events, name) is not None


def test_config_defaults_to_v3_production() -> None:
    """Endpoints default to WEEX production V3 contract URLs."""
    config = WeexConfig()
    assert config.public_url == "wss://ws-contract.weex.com/v3/ws/public"
    assert config.private_url == "wss://ws-contract.weex.com/v3/ws/private"
    assert config.rest_base == "https://api-contract.weex.com"
    assert WeexConfig(protocol="v2").public_url.endswith("/v2/ws/public")


def test_config_repr_hides_secrets() -> None:
    """repr/str never show the secret, the passphrase or the full key."""
    config = WeexConfig(
        api_key="AKEY-1234567890", secret_key="S3CR3T!!", passphrase="pp-word"
    )
    for text in (repr(config), str(config)):
        assert "S3CR3T" not in text and "pp-word" not in text
        assert "1234567890" not in text


def test_from_env_reads_variables_and_names_bad_ones() -> None:
    """from_env reads WEEX_* and a bad value raises ConfigError naming the variable."""
    env = {
        "WEEX_API_KEY": "k" * 12,
        "WEEX_SECRET_KEY": "s",
        "WEEX_PASSPHRASE": "p",
        "WEEX_WS_PUBLIC_URL": "ws://127.0.0.1:1/v3/ws/public",
        "WEEX_NUMBER_TYPE": "decimal",
    }
    config = WeexConfig.from_env(env)
    assert config.has_credentials
    assert config.public_url == "ws://127.0.0.1:1/v3/ws/public"
    assert config.number_type is decimal.Decimal
    assert not WeexConfig.from_env({}).has_credentials
    with pytest.raises(ConfigError) as info:
        WeexConfig.from_env({"WEEX_PROTOCOL": "v9"})
    assert info.value.name == "WEEX_PROTOCOL"
    with pytest.raises(ConfigError) as info:
        WeexConfig.from_env({"WEEX_REST_URL": "nope"})
    assert info.value.name == "WEEX_REST_URL"
    with pytest.raises(ConfigError):
        WeexConfig(api_key="only-a-key")


def test_config_is_frozen() -> None:
    """WeexConfig cannot be mutated after creation."""
    config = WeexConfig()
    with pytest.raises(AttributeError):
        config.protocol = "v2"  # type: ignore[misc]
