"""``WeexConfig``: everything a client needs to know, frozen and validated.

Endpoints default to WEEX production for the chosen protocol generation and market
(WEEX-WS.md §1.1, §2). Secrets are held but never shown: ``repr()``/``str()`` mask
the key and hide the secret and passphrase.

Imports: ``errors``.
"""

from __future__ import annotations

import dataclasses
import decimal
import importlib.metadata
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ConfigError

__all__ = ["WeexConfig", "__version__"]

try:
    #: The installed distribution's version: ``pyproject.toml`` is the one source.
    __version__ = importlib.metadata.version("weex_events")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "0+unknown"

Protocol = Literal["v3", "v2"]
Market = Literal["contract", "spot"]

_HOSTS = {"contract": "ws-contract.weex.com", "spot": "ws-spot.weex.com"}
_REST = {
    "contract": "https://api-contract.weex.com",
    "spot": "https://api-spot.weex.com",
}
_NUMBER_TYPES: dict[str, type] = {
    "str": str,
    "decimal": decimal.Decimal,
    "float": float,
}


def _mask(value: str | None) -> str:
    if not value:
        return "None"
    return repr(value[:4] + "…") if len(value) > 8 else "'…'"


@dataclass(frozen=True, repr=False)
class WeexConfig:
    """Connection settings for :class:`~weex_events.WeexWebSocketClient`.

    All fields are optional. Without credentials only public data is available.

    Attributes:
        api_key: WEEX API key.
        secret_key: WEEX API secret (used only to sign; never shown).
        passphrase: the passphrase chosen with the key (never shown).
        protocol: ``"v3"`` (default) or ``"v2"`` (legacy).
        market: ``"contract"`` (default) or ``"spot"``.
        ws_public_url: public WebSocket URL; defaults to WEEX production.
        ws_private_url: private WebSocket URL; defaults to WEEX production.
        rest_url: REST base URL; defaults to WEEX production.
        user_agent: the ``User-Agent`` sent on every handshake (WEEX requires one).
        number_type: type of prices and sizes in ``data``: ``str`` (exact text,
            default), ``decimal.Decimal`` or ``float``.
        keepalive_interval: seconds of silence after which the client sends a
            WebSocket ping; a pong missing for half this interval declares the
            link dead (so a dead link is noticed within 1.5 × the interval).
        connect_timeout: seconds allowed for one connection attempt.
        reconnect_initial_delay: first reconnect delay in seconds (jittered).
        reconnect_max_delay: cap of the exponential reconnect delay.
        reconnect_factor: growth of the delay per failed attempt.
        reconnect_reset_after: seconds a connection must stay healthy before the
            backoff starts again from ``reconnect_initial_delay``.
        queue_size: capacity of each stream queue and async-handler queue.
        max_frame_size: frames larger than this many bytes are refused
            (``error`` event) without being decoded.
        stale_after: per-kind data-liveness timeouts in seconds (for example
            ``{"ticker": 5.0}``); a channel silent for longer emits ``stale``.
            Empty by default, because quiet markets are not dead ones.
        max_channels_per_connection: WEEX allows 100 channels per connection.
        max_ops_per_hour: WEEX allows 240 subscribe/unsubscribe operations per
            connection and hour.
        max_connections: WEEX allows 100 open connections per IP.
    """

    api_key: str | None = None
    secret_key: str | None = None
    passphrase: str | None = None
    protocol: Protocol = "v3"
    market: Market = "contract"
    ws_public_url: str | None = None
    ws_private_url: str | None = None
    rest_url: str | None = None
    user_agent: str = f"weex-events/{__version__}"
    number_type: type = str
    keepalive_interval: float = 15.0
    connect_timeout: float = 10.0
    reconnect_initial_delay: float = 0.5
    reconnect_max_delay: float = 30.0
    reconnect_factor: float = 2.0
    reconnect_reset_after: float = 60.0
    queue_size: int = 1024
    max_frame_size: int = 4 * 1024 * 1024
    stale_after: Mapping[str, float] = field(default_factory=dict, hash=False)
    max_channels_per_connection: int = 100
    max_ops_per_hour: int = 240
    max_connections: int = 100

    def __post_init__(self) -> None:
        if self.protocol not in ("v3", "v2"):
            raise ConfigError(
                "protocol", f"must be 'v3' or 'v2', not {self.protocol!r}"
            )
        if self.market not in _HOSTS:
            raise ConfigError(
                "market", f"must be 'contract' or 'spot', not {self.market!r}"
            )
        if self.number_type not in _NUMBER_TYPES.values():
            raise ConfigError("number_type", "must be str, decimal.Decimal or float")
        for name in (
            "keepalive_interval",
            "connect_timeout",
            "reconnect_max_delay",
        ):
            if not getattr(self, name) > 0:
                raise ConfigError(name, "must be a positive number of seconds")
        if self.reconnect_initial_delay < 0:
            raise ConfigError("reconnect_initial_delay", "must not be negative")
        if self.reconnect_factor < 1:
            raise ConfigError("reconnect_factor", "must be at least 1")
        for name in (
            "queue_size",
            "max_frame_size",
            "max_channels_per_connection",
            "max_ops_per_hour",
            "max_connections",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(name, "must be a positive integer")
        for kind, seconds in self.stale_after.items():
            if not seconds > 0:
                raise ConfigError(f"stale_after[{kind!r}]", "must be positive")
        if not self.user_agent:
            raise ConfigError("user_agent", "WEEX requires a non-empty User-Agent")
        creds = (self.api_key, self.secret_key, self.passphrase)
        if any(creds) and not all(creds):
            raise ConfigError(
                "api_key",
                "api_key, secret_key and passphrase must be given together",
            )
        host = _HOSTS[self.market]
        base = f"wss://{host}/{self.protocol}/ws"
        defaults = {
            "ws_public_url": f"{base}/public",
            "ws_private_url": f"{base}/private",
            "rest_url": _REST[self.market],
        }
        for name, default in defaults.items():
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, default)
            elif not isinstance(value, str) or "://" not in value:
                raise ConfigError(name, f"not a URL: {value!r}")
        object.__setattr__(self, "stale_after", dict(self.stale_after))

    @property
    def has_credentials(self) -> bool:
        """Whether the private endpoint can be used."""
        return bool(self.api_key and self.secret_key and self.passphrase)

    @property
    def public_url(self) -> str:
        """The resolved public WebSocket URL."""
        assert self.ws_public_url is not None
        return self.ws_public_url

    @property
    def private_url(self) -> str:
        """The resolved private WebSocket URL."""
        assert self.ws_private_url is not None
        return self.ws_private_url

    @property
    def rest_base(self) -> str:
        """The resolved REST base URL, without a trailing slash."""
        assert self.rest_url is not None
        return self.rest_url.rstrip("/")

    def replace(self, **changes: Any) -> WeexConfig:
        """Return a copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> WeexConfig:
        """Build a config from ``WEEX_*`` environment variables.

        Reads ``WEEX_API_KEY``, ``WEEX_SECRET_KEY``, ``WEEX_PASSPHRASE``,
        ``WEEX_PROTOCOL``, ``WEEX_MARKET``, ``WEEX_WS_PUBLIC_URL``,
        ``WEEX_WS_PRIVATE_URL``, ``WEEX_REST_URL`` and ``WEEX_NUMBER_TYPE``
        (``str``, ``decimal`` or ``float``). Missing credentials are fine (public
        data only); empty variables count as unset.

        Raises:
            ConfigError: a variable holds a bad value; its ``name`` is the variable.
        """
        env = os.environ if environ is None else environ
        mapping = {
            "api_key": "WEEX_API_KEY",
            "secret_key": "WEEX_SECRET_KEY",
            "passphrase": "WEEX_PASSPHRASE",
            "protocol": "WEEX_PROTOCOL",
            "market": "WEEX_MARKET",
            "ws_public_url": "WEEX_WS_PUBLIC_URL",
            "ws_private_url": "WEEX_WS_PRIVATE_URL",
            "rest_url": "WEEX_REST_URL",
        }
        kwargs: dict[str, Any] = {}
        for name, var in mapping.items():
            value = env.get(var, "").strip()
            if value:
                kwargs[name] = (
                    value.lower() if name in ("protocol", "market") else value
                )
        number = env.get("WEEX_NUMBER_TYPE", "").strip().lower()
        if number:
            if number not in _NUMBER_TYPES:
                raise ConfigError(
                    "WEEX_NUMBER_TYPE", f"must be str, decimal or float, not {number!r}"
                )
            kwargs["number_type"] = _NUMBER_TYPES[number]
        kwargs.update(overrides)
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            var = mapping.get(exc.name, exc.name)
            raise ConfigError(var, exc.reason) from None

    def __repr__(self) -> str:
        return (
            f"WeexConfig(api_key={_mask(self.api_key)}, "
            f"secret_key={'***' if self.secret_key else None}, "
            f"passphrase={'***' if self.passphrase else None}, "
            f"protocol={self.protocol!r}, market={self.market!r}, "
            f"ws_public_url={self.ws_public_url!r}, "
            f"ws_private_url={self.ws_private_url!r}, rest_url={self.rest_url!r}, "
            f"number_type={self.number_type.__name__})"
        )

    __str__ = __repr__
