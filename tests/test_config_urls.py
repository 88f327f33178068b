"""WeexConfig URL checks and the endpoint set: errors name field, value and form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events import ConfigError, WeexConfig, WeexWebSocketClient
from weex_events.config import check_url

BAD_WS = ["wss://", "ws://127.0.0.1:99999/x", "http://host/x", "ws:///x", "host/x"]
BAD_REST = ["ftp://x", "https://", "http://h:0", "wss://api.example", "x"]


@pytest.mark.parametrize("value", BAD_WS)
@pytest.mark.parametrize("field", ["ws_public_url", "ws_private_url"])
def test_bad_websocket_url_names_field_value_and_form(field: str, value: str) -> None:
    """A bad WebSocket URL fails at construction naming field, value and ws(s)://."""
    with pytest.raises(ConfigError) as info:
        WeexConfig(**{field: value})
    assert info.value.name == field
    assert repr(value) in str(info.value)
    assert "expected ws://HOST[:PORT]/PATH or wss://HOST[:PORT]/PATH" in str(info.value)


@pytest.mark.parametrize("value", BAD_REST)
def test_bad_rest_url_names_field_value_and_form(value: str) -> None:
    """A bad rest_url fails at construction naming the field and http(s)://."""
    with pytest.raises(ConfigError) as info:
        WeexConfig(rest_url=value)
    assert info.value.name == "rest_url"
    assert repr(value) in str(info.value)
    assert "expected http://HOST[:PORT] or https://HOST[:PORT]" in str(info.value)


def test_from_env_names_the_variable_of_a_bad_url() -> None:
    """from_env reports a bad URL under its WEEX_* variable, with the value."""
    with pytest.raises(ConfigError) as info:
        WeexConfig.from_env({"WEEX_WS_PUBLIC_URL": "wss://"})
    assert info.value.name == "WEEX_WS_PUBLIC_URL"
    assert "'wss://'" in str(info.value)


def test_good_urls_are_kept_as_given() -> None:
    """Valid ws/wss/http/https URLs with ports pass unchanged."""
    config = WeexConfig(
        ws_public_url="ws://127.0.0.1:8080/v3/ws/public",
        ws_private_url="wss://example.com/v3/ws/private",
        rest_url="http://[::1]:65535/",
    )
    assert config.public_url == "ws://127.0.0.1:8080/v3/ws/public"
    assert config.rest_base == "http://[::1]:65535"


@given(st.text(max_size=40))
def test_check_url_accepts_or_raises_config_error(text: str) -> None:
    """Any text is either accepted as a ws URL or refused with ConfigError."""
    try:
        assert check_url("ws_public_url", text) == text
    except ConfigError as exc:
        assert exc.name == "ws_public_url"


def test_a_partly_given_set_is_not_completed_with_production() -> None:
    """Given WebSocket URLs, rest_url stays unset and using it names the field."""
    config = WeexConfig(
        ws_public_url="ws://127.0.0.1:1/v3/ws/public",
        ws_private_url="ws://127.0.0.1:1/v3/ws/private",
    )
    assert config.rest_url is None
    with pytest.raises(ConfigError) as info:
        _ = config.rest_base
    assert info.value.name == "rest_url" and "WEEX_REST_URL" in str(info.value)
    only_rest = WeexConfig(rest_url="http://127.0.0.1:1")
    assert only_rest.ws_public_url is None and only_rest.ws_private_url is None
    with pytest.raises(ConfigError) as info:
        _ = only_rest.public_url
    assert info.value.name == "ws_public_url"
    assert "weex.com" not in repr(only_rest)


async def test_client_without_public_url_refuses_to_connect() -> None:
    """A client with only rest_url fails with ConfigError instead of dialing WEEX."""
    client = WeexWebSocketClient(WeexConfig(rest_url="http://127.0.0.1:1"))
    assert "weex.com" not in repr(client)
    with pytest.raises(ConfigError) as info:
        await client.connect()
    assert info.value.name == "ws_public_url"
    await client.disconnect()


def test_missing_credentials_error_names_fields_and_variables() -> None:
    """Incomplete credentials name the fields and the WEEX_* variables."""
    with pytest.raises(ConfigError) as info:
        WeexConfig(api_key="only-a-key")
    for name in ("api_key", "secret_key", "passphrase", "WEEX_API_KEY"):
        assert name in str(info.value)
    assert "WEEX_SECRET_KEY" in str(info.value)
    assert "WEEX_PASSPHRASE" in str(info.value)


async def test_private_subscription_without_credentials_names_variables() -> None:
    """Asking for a private channel without credentials names the WEEX_* variables."""
    client = WeexWebSocketClient(WeexConfig())
    with pytest.raises(ConfigError) as info:
        client.on("order", lambda msg: None)
    assert "WEEX_API_KEY" in str(info.value) and "secret_key" in str(info.value)
