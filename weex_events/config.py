"""``WeexConfig``: everything a client needs to know, frozen and validated.

Endpoints default to WEEX production for the chosen protocol generation and market
(WEEX-WS.md §1.1, §2). Secrets are held but never shown: ``repr()``/``str()`` mask
the key and hide the secret and passphrase.

Imports: ``errors``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import decimal
import importlib.metadata
import logging
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ConfigError

__all__ = ["CREDENTIALS", "WeexConfig", "__version__", "check_url"]

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
#: The endpoint fields, their URL schemes and the form an error asks for.
_URL_FORMS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "ws_public_url": (("ws", "wss"), "ws://HOST[:PORT]/PATH or wss://HOST[:PORT]/PATH"),
    "ws_private_url": (
        ("ws", "wss"),
        "ws://HOST[:PORT]/PATH or wss://HOST[:PORT]/PATH",
    ),
    "rest_url": (("http", "https"), "http://HOST[:PORT] or https://HOST[:PORT]"),
}
#: How a missing-credentials error names what to set.
CREDENTIALS = (
    "api_key, secret_key and passphrase "
    "(environment: WEEX_API_KEY, WEEX_SECRET_KEY, WEEX_PASSPHRASE)"
)
# WEEX-WS.md §1.1: open connections per IP. The defaults stay well below, so
# that a second process on the same machine still fits.
CONNECTION_LIMITS = {"contract": 20, "spot": 100}
DEFAULT_CONNECTIONS = {"contract": 10, "spot": 50}

log = logging.getLogger("weex_events.config")
_v2_warned = False


def _warn_v2_sunset() -> None:
    """Say once per process that WEEX has sunset V2 (WEEX-WS.md, introduction)."""
    global _v2_warned
    if not _v2_warned:
        _v2_warned = True
        log.warning(
            "protocol='v2': WEEX has sunset its V2 API (\"V2 (Sunsets Sep 30)\"); "
            "it is kept for recorded data and old deployments, use protocol='v3'"
        )


_POSITIVE_SECONDS = ("keepalive_interval", "connect_timeout", "reconnect_max_delay",
                     "slow_handler", "snapshot_timeout")  # fmt: skip
_NUMBER_TYPES: dict[str, type] = {
    "str": str,
    "decimal": decimal.Decimal,
    "float": float,
}


def check_url(name: str, value: object) -> str:
    """Return ``value`` if it is a valid URL for the endpoint field ``name``.

    WebSocket fields take ``ws://``/``wss://``, ``rest_url`` takes
    ``http://``/``https://``; either needs a host and, if given, a port in
    1–65535.

    Raises:
        ConfigError: naming the field, the value and the expected form.
    """
    schemes, form = _URL_FORMS[name]
    problem = None
    if not isinstance(value, str):
        problem = "is not a string"
    else:
        parts = urllib.parse.urlsplit(value.strip())
        try:
            port = parts.port
        except ValueError:
            problem = "has an invalid port"
        else:
            if parts.scheme.lower() not in schemes:
                problem = (
                    f"does not start with {' or '.join(s + '://' for s in schemes)}"
                )
            elif not parts.hostname:
                problem = "has no host"
            elif port == 0:
                problem = "has an invalid port"
    if problem is not None:
        raise ConfigError(name, f"{value!r} {problem}; expected {form}")
    assert isinstance(value, str)
    return value


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
        ws_public_url: public WebSocket URL (``ws://`` or ``wss://``).
        ws_private_url: private WebSocket URL (``ws://`` or ``wss://``).
        rest_url: REST base URL (``http://`` or ``https://``). The three URLs
            default to WEEX production *as a set*, only when none is given:
            give one and the others stay unset (``None``), so the SDK never
            contacts a host you did not name. A client without ``rest_url``
            takes the server clock from the V3 greeting instead of REST.
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
        max_connections: open WebSocket connections the client may hold,
            public and private together. WEEX allows 20 per IP on contract and
            100 on spot (WEEX-WS.md §1.1); the default is 10 on contract and 50
            on spot, and a value above WEEX's limit is a
            :class:`~weex_events.ConfigError`.
        private_backlog: how many private items (orders, fills, positions,
            balances) a stream or async handler may fall behind before its
            backlog is dropped (``slow_consumer``, policy ``"recover"``; a
            stream raises ``SlowConsumerError``) and the account is recovered
            over REST instead.
        seed_private_state: read the account over REST when the first private
            subscription opens, so that ``client.account_state`` starts
            complete (V3 contract, with credentials and ``rest_url``).
        reconcile_interval: seconds between periodic comparisons of the
            delivered state with REST while the private socket is up (finds
            pushes WEEX dropped); ``None`` (default) turns it off.
        slow_handler: seconds a sync handler may hold the read loop unreported.
        snapshot_timeout: seconds a book may wait for its snapshot (then resync).
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
    max_connections: int | None = None
    private_backlog: int = 10_000
    seed_private_state: bool = True
    reconcile_interval: float | None = None
    slow_handler: float = 0.1
    snapshot_timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.protocol not in ("v3", "v2"):
            raise ConfigError(
                "protocol", f"must be 'v3' or 'v2', not {self.protocol!r}"
            )
        if self.market not in _HOSTS:
            raise ConfigError(
                "market", f"must be 'contract' or 'spot', not {self.market!r}"
            )
        if self.market == "spot" and self.protocol != "v3":
            # WEEX-WS.md §1.7: the SDK speaks spot in V3 only.
            raise ConfigError("protocol", "the spot market is served in V3 only")
        if self.number_type not in _NUMBER_TYPES.values():
            raise ConfigError("number_type", "must be str, decimal.Decimal or float")
        for name in _POSITIVE_SECONDS:
            if not getattr(self, name) > 0:
                raise ConfigError(name, "must be a positive number of seconds")
        if self.reconnect_initial_delay < 0:
            raise ConfigError("reconnect_initial_delay", "must not be negative")
        if self.reconnect_factor < 1:
            raise ConfigError("reconnect_factor", "must be at least 1")
        if self.max_connections is None:
            object.__setattr__(
                self, "max_connections", DEFAULT_CONNECTIONS[self.market]
            )
        for name in (
            "queue_size",
            "max_frame_size",
            "max_channels_per_connection",
            "max_ops_per_hour",
            "max_connections",
            "private_backlog",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(name, "must be a positive integer")
        limit = CONNECTION_LIMITS[self.market]
        if self.max_connections > limit:  # type: ignore[operator]
            raise ConfigError(
                "max_connections",
                f"WEEX allows at most {limit} open connections per IP on "
                f"{self.market} (WEEX-WS.md §1.1), not {self.max_connections}",
            )
        if self.protocol == "v2":
            _warn_v2_sunset()
        if not isinstance(self.seed_private_state, bool):
            raise ConfigError("seed_private_state", "must be True or False")
        interval = self.reconcile_interval
        if interval is not None and not (
            type(interval) in (int, float) and interval > 0
        ):
            raise ConfigError(
                "reconcile_interval", f"must be seconds (> 0) or None, not {interval!r}"
            )
        for kind, seconds in self.stale_after.items():
            if not seconds > 0:
                raise ConfigError(f"stale_after[{kind!r}]", "must be positive")
        if not self.user_agent:
            raise ConfigError("user_agent", "WEEX requires a non-empty User-Agent")
        creds = (self.api_key, self.secret_key, self.passphrase)
        if any(creds) and not all(creds):
            raise ConfigError("api_key", f"give {CREDENTIALS} together")
        for name in _URL_FORMS:
            value = getattr(self, name)
            if value is not None:
                check_url(name, value)
        if all(getattr(self, name) is None for name in _URL_FORMS):
            # Production as a set. A partly configured set is never completed
            # with production hosts: that would send traffic (and, for the
            # clock, requests) somewhere the user did not choose.
            base = f"wss://{_HOSTS[self.market]}/{self.protocol}/ws"
            object.__setattr__(self, "ws_public_url", f"{base}/public")
            object.__setattr__(self, "ws_private_url", f"{base}/private")
            object.__setattr__(self, "rest_url", _REST[self.market])
        object.__setattr__(self, "stale_after", dict(self.stale_after))

    @property
    def has_credentials(self) -> bool:
        """Whether the private endpoint can be used."""
        return bool(self.api_key and self.secret_key and self.passphrase)

    @property
    def public_url(self) -> str:
        """The public WebSocket URL.

        Raises:
            ConfigError: other URLs were given but not this one.
        """
        return self._url("ws_public_url")

    @property
    def private_url(self) -> str:
        """The private WebSocket URL.

        Raises:
            ConfigError: other URLs were given but not this one.
        """
        return self._url("ws_private_url")

    @property
    def rest_base(self) -> str:
        """The REST base URL, without a trailing slash.

        Raises:
            ConfigError: other URLs were given but not this one.
        """
        return self._url("rest_url").rstrip("/")

    def _url(self, name: str) -> str:
        value = getattr(self, name)
        if value is None:
            given = [n for n in _URL_FORMS if getattr(self, n) is not None]
            raise ConfigError(
                name,
                f"not set; {' and '.join(given)} given, so WEEX production is "
                f"not assumed: set {name} (WEEX_{name.upper()}) too, expected "
                f"{_URL_FORMS[name][1]}",
            )
        assert isinstance(value, str)
        return value

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
        (``str``, ``decimal`` or ``float``) and ``WEEX_RECONCILE_INTERVAL``
        (seconds). Missing credentials are fine (public data only); empty
        variables count as unset.

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
            "reconcile_interval": "WEEX_RECONCILE_INTERVAL",
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
        with contextlib.suppress(KeyError, ValueError):  # else refused below
            kwargs["reconcile_interval"] = float(kwargs["reconcile_interval"])
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
