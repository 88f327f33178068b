"""Tests for weex_events.auth: signatures, credentials and the server clock."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events.auth import (
    WS_PRIVATE_PATH_V2,
    Credentials,
    ServerClock,
    rest_signature,
    sign,
    ws_auth_headers,
)
from weex_events.config import WeexConfig
from weex_events.errors import ConfigError

SECRET = "s3cr3t"
TS = 1700000000000
ORDER_BODY = (
    '{"symbol":"BTCUSDT","side":"BUY","type":"MARKET",'
    '"quantity":"0.010","reduceOnly":false}'
)


def _reference(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_ws_signature_matches_documented_example() -> None:
    """The WEEX-WS.md §1.2 example signs "1700000000000/v3/ws/private"."""
    expected = _reference(SECRET, "1700000000000/v3/ws/private")
    assert expected == "yf2Wvd2En9ULMV/0FVm9eypiUawZGba5ZQEQQG6lfJQ="
    assert sign(SECRET, "1700000000000/v3/ws/private") == expected
    headers = ws_auth_headers("key-1234567890", SECRET, "pass", TS)
    assert headers["ACCESS-SIGN"] == expected


def test_ws_headers_v2_sign_the_v2_path() -> None:
    """The legacy handshake signs timestamp + "/v2/ws/private"."""
    headers = ws_auth_headers("k", SECRET, "p", TS, WS_PRIVATE_PATH_V2)
    expected = _reference(SECRET, "1700000000000/v2/ws/private")
    assert expected == "Yjs4RB1NbWYXMJV9RgQgzXVDhF02bWOhjux/DbxmUnU="
    assert headers["ACCESS-SIGN"] == expected


def test_ws_header_set() -> None:
    """The handshake carries exactly the four ACCESS-* headers, timestamp in ms."""
    headers = ws_auth_headers("my-key", SECRET, "my-pass", TS)
    assert headers == {
        "ACCESS-KEY": "my-key",
        "ACCESS-PASSPHRASE": "my-pass",
        "ACCESS-TIMESTAMP": "1700000000000",
        "ACCESS-SIGN": _reference(SECRET, "1700000000000/v3/ws/private"),
    }


def test_rest_signature_post_with_body() -> None:
    """A POST signs timestamp + "POST" + path + the exact body text."""
    message = "1700000000000POST/capi/v3/order" + ORDER_BODY
    expected = _reference(SECRET, message)
    assert expected == "rhnj1CWdeTccaqwSxgGezq6REEMp9oPvN70WLAGdyC8="
    assert rest_signature(SECRET, TS, "post", "/capi/v3/order", "", ORDER_BODY) == (
        expected
    )


def test_rest_signature_get_with_query() -> None:
    """A GET signs timestamp + "GET" + path + "?" + query, with no body."""
    message = "1700000000000GET/capi/v3/openOrders?symbol=BTCUSDT"
    expected = _reference(SECRET, message)
    assert expected == "z1T5XG9h/vw2zgauvXppcqg5M713ZiHPax3uQx1NW80="
    assert (
        rest_signature(SECRET, TS, "GET", "/capi/v3/openOrders", "symbol=BTCUSDT")
        == expected
    )


def test_rest_signature_without_query_has_no_question_mark() -> None:
    """An empty query adds no "?" to the signed message."""
    expected = _reference(SECRET, "1700000000000GET/capi/v3/account/balance")
    assert rest_signature(SECRET, TS, "GET", "/capi/v3/account/balance") == expected


@given(
    secret=st.text(min_size=1),
    ts=st.integers(min_value=0, max_value=2**53),
    method=st.sampled_from(["get", "POST", "Delete"]),
    path=st.from_regex(r"/[a-z0-9/]{0,30}", fullmatch=True),
    query=st.from_regex(r"([a-z]{1,8}=[A-Z0-9]{1,8})?", fullmatch=True),
    body=st.text(),
)
def test_rest_signature_matches_reference_for_any_input(
    secret: str, ts: int, method: str, path: str, query: str, body: str
) -> None:
    """rest_signature equals the §3 formula computed independently."""
    message = f"{ts}{method.upper()}{path}" + (f"?{query}" if query else "") + body
    assert rest_signature(secret, ts, method, path, query, body) == _reference(
        secret, message
    )


def test_credentials_rest_headers() -> None:
    """Signed REST headers carry key, passphrase, timestamp, signature, JSON type."""
    creds = Credentials("my-api-key-123", SECRET, "my-pass")
    headers = creds.rest_headers(TS, "POST", "/capi/v3/order", "", ORDER_BODY)
    assert headers == {
        "ACCESS-KEY": "my-api-key-123",
        "ACCESS-PASSPHRASE": "my-pass",
        "ACCESS-TIMESTAMP": "1700000000000",
        "ACCESS-SIGN": "rhnj1CWdeTccaqwSxgGezq6REEMp9oPvN70WLAGdyC8=",
        "Content-Type": "application/json",
    }


def test_credentials_ws_headers() -> None:
    """Credentials.ws_headers equals ws_auth_headers with the same inputs."""
    creds = Credentials("my-api-key-123", SECRET, "my-pass")
    assert creds.ws_headers(TS) == ws_auth_headers(
        "my-api-key-123", SECRET, "my-pass", TS
    )
    assert creds.ws_headers(TS, WS_PRIVATE_PATH_V2)["ACCESS-SIGN"] == _reference(
        SECRET, "1700000000000/v2/ws/private"
    )


def test_credentials_repr_hides_secrets() -> None:
    """repr/str mask the key and never show the secret or passphrase."""
    creds = Credentials("ABCDsecretkeytail", "very-secret-value", "pass-phrase-x")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "ABCD…" in text
        assert "secretkeytail" not in text
        assert "very-secret-value" not in text
        assert "pass-phrase-x" not in text


def test_credentials_repr_hides_short_key_entirely() -> None:
    """A short key is not half revealed by its first four characters."""
    creds = Credentials("abcdefg", "s", "p")
    assert "abcd" not in repr(creds)


def test_credentials_from_config() -> None:
    """from_config takes the three values of a config that has them."""
    config = WeexConfig(api_key="key", secret_key="sec", passphrase="pp")
    creds = Credentials.from_config(config)
    assert (creds.api_key, creds.secret, creds.passphrase) == ("key", "sec", "pp")


def test_credentials_from_config_without_credentials() -> None:
    """from_config raises ConfigError for a public-only config."""
    with pytest.raises(ConfigError) as info:
        Credentials.from_config(WeexConfig())
    assert info.value.name == "api_key"


def test_credentials_refuse_empty_values() -> None:
    """An empty secret is a ConfigError naming the field."""
    with pytest.raises(ConfigError) as info:
        Credentials("key", "", "pp")
    assert info.value.name == "secret"


def test_server_clock_starts_unsynced_at_zero() -> None:
    """Before any round trip the offset is 0 and now_ms is the local time."""
    clock = ServerClock()
    assert not clock.synced
    assert clock.offset_ms == 0
    assert clock.now_ms(1700000000.1234) == 1700000000123


def test_server_clock_offset_uses_round_trip_midpoint() -> None:
    """The offset is server time minus the midpoint of the round trip."""
    clock = ServerClock()
    # Sent at ...000.000, answered at ...000.200: midpoint ...000.100.
    clock.update(1700000010000, 1700000000.0, 1700000000.2)
    assert clock.synced
    assert clock.offset_ms == 9900
    assert clock.now_ms(1700000001.0) == 1700000010900


def test_server_clock_negative_offset() -> None:
    """A server behind the local clock gives a negative offset."""
    clock = ServerClock()
    clock.update(1699999995000, 1700000000.0, 1700000000.0)
    assert clock.offset_ms == -5000
    assert clock.now_ms(1700000000.0) == 1699999995000


def test_server_clock_latest_update_wins() -> None:
    """Each update replaces the previous offset."""
    clock = ServerClock()
    clock.update(1700000010000, 1700000000.0, 1700000000.0)
    clock.update(1700000000500, 1700000000.0, 1700000000.0)
    assert clock.offset_ms == 500


@given(
    offset=st.integers(min_value=-(10**8), max_value=10**8),
    local_ms=st.integers(min_value=10**12, max_value=2 * 10**12),
    rtt_ms=st.integers(min_value=0, max_value=10_000),
)
def test_server_clock_recovers_offset(offset: int, local_ms: int, rtt_ms: int) -> None:
    """A server stamping the round-trip midpoint yields its true offset within 1 ms."""
    clock = ServerClock()
    sent = local_ms / 1000
    received = (local_ms + rtt_ms) / 1000
    clock.update(local_ms + rtt_ms // 2 + offset, sent, received)
    assert abs(clock.offset_ms - offset) <= 1
    assert abs(clock.now_ms(received) - (local_ms + rtt_ms + offset)) <= 1
