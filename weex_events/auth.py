"""Request signing and the server-clock offset.

WEEX authenticates private WebSocket handshakes (WEEX-WS.md §1.2) and signed REST
calls (§3) with the same scheme: four ``ACCESS-*`` headers whose ``ACCESS-SIGN`` is
Base64(HMAC-SHA256(secret, message)). Everything here is pure: callers pass the
timestamp or the local time, nothing reads a clock or touches the network.

Secrets held here never appear in ``repr()``/``str()``.

Imports: ``errors``, ``config``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from .config import CREDENTIALS, WeexConfig
from .errors import ConfigError

__all__ = [
    "WS_PRIVATE_PATH_V2",
    "WS_PRIVATE_PATH_V3",
    "Credentials",
    "ServerClock",
    "SignedHeaders",
    "rest_signature",
    "sign",
    "ws_auth_headers",
]

#: Path signed for the V3 private WebSocket handshake (WEEX-WS.md §1.2).
WS_PRIVATE_PATH_V3 = "/v3/ws/private"
#: Path signed for the V2 private WebSocket handshake (WEEX-WS.md §2).
WS_PRIVATE_PATH_V2 = "/v2/ws/private"


class SignedHeaders(dict[str, str]):
    """Request headers that may hold credentials; ``repr()`` shows names only.

    Tracebacks printed with local variables (Sentry, rich) and exception
    reprs show the headers of a failed request; the values of the
    ``ACCESS-*`` headers must never appear there (DESIGN §2 *Secrets*).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name!r}: {'***' if name.upper().startswith('ACCESS-') else value!r}"
            for name, value in self.items()
        )
        return f"SignedHeaders({{{shown}}})"

    __str__ = __repr__


def sign(secret: str, message: str) -> str:
    """Return Base64(HMAC-SHA256(key=secret, msg=message)) as text."""
    digest = hmac.new(
        secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def ws_auth_headers(
    api_key: str,
    secret: str,
    passphrase: str,
    timestamp_ms: int,
    path: str = WS_PRIVATE_PATH_V3,
) -> dict[str, str]:
    """Return the four handshake headers for a private WebSocket connection.

    The signed message is ``str(timestamp_ms) + path`` (WEEX-WS.md §1.2); use
    :data:`WS_PRIVATE_PATH_V2` for the legacy generation. The timestamp must be
    fresh (within 30 s of server time) on every connect.
    """
    timestamp = str(int(timestamp_ms))
    return SignedHeaders(
        {
            "ACCESS-KEY": api_key,
            "ACCESS-PASSPHRASE": passphrase,
            "ACCESS-TIMESTAMP": timestamp,
            "ACCESS-SIGN": sign(secret, timestamp + path),
        }
    )


def rest_signature(
    secret: str,
    timestamp_ms: int,
    method: str,
    path: str,
    query: str = "",
    body: str = "",
) -> str:
    """Return ``ACCESS-SIGN`` for one REST request.

    WEEX-WS.md §3: message = timestamp + METHOD (upper case) + path
    + (``"?" + query`` when there is a query) + body (the exact JSON text sent).
    """
    message = f"{int(timestamp_ms)}{method.upper()}{path}"
    if query:
        message += "?" + query
    return sign(secret, message + body)


def _mask_key(api_key: str) -> str:
    # Short keys would be half revealed by their first 4 characters.
    return api_key[:4] + "…" if len(api_key) > 8 else "…"


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """An API key with its secret and passphrase.

    ``repr()``/``str()`` show only the first 4 characters of the key and never
    the secret or passphrase.

    Raises:
        ConfigError: one of the three values is empty.
    """

    api_key: str
    secret: str
    passphrase: str

    def __post_init__(self) -> None:
        for name in ("api_key", "secret", "passphrase"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigError(name, "must be a non-empty string")

    @classmethod
    def from_config(cls, config: WeexConfig) -> Credentials:
        """Take the credentials of ``config``.

        Raises:
            ConfigError: the config holds no credentials.
        """
        if not config.has_credentials:
            raise ConfigError(
                "api_key",
                f"this call needs {CREDENTIALS} in WeexConfig",
            )
        assert config.api_key and config.secret_key and config.passphrase
        return cls(config.api_key, config.secret_key, config.passphrase)

    def ws_headers(
        self, timestamp_ms: int, path: str = WS_PRIVATE_PATH_V3
    ) -> dict[str, str]:
        """Return the private-handshake headers (see :func:`ws_auth_headers`)."""
        return ws_auth_headers(
            self.api_key, self.secret, self.passphrase, timestamp_ms, path
        )

    def rest_headers(
        self,
        timestamp_ms: int,
        method: str,
        path: str,
        query: str = "",
        body: str = "",
    ) -> dict[str, str]:
        """Return the signed-REST headers, ``Content-Type`` included (§3)."""
        return SignedHeaders(
            {
                "ACCESS-KEY": self.api_key,
                "ACCESS-PASSPHRASE": self.passphrase,
                "ACCESS-TIMESTAMP": str(int(timestamp_ms)),
                "ACCESS-SIGN": rest_signature(
                    self.secret, timestamp_ms, method, path, query, body
                ),
                "Content-Type": "application/json",
            }
        )

    def __repr__(self) -> str:
        return (
            f"Credentials(api_key={_mask_key(self.api_key)!r}, "
            "secret='***', passphrase='***')"
        )

    __str__ = __repr__


class ServerClock:
    """The offset between the local clock and the exchange's clock.

    Signed requests must carry a timestamp within 30 s of the server's clock
    (WEEX-WS.md §3). Feed :meth:`update` one server-time round trip; the server
    time is assumed to have been read halfway through it. Until then the offset
    is 0 and :attr:`synced` is false.

    Where no REST clock is available, the time of a V3 greeting (WEEX-WS.md
    §1.1: ``{"event":"connected","time":"<ms>"}``) serves instead: record it
    with :meth:`observe_greeting` and adopt it with :meth:`use_greeting`. Once
    adopted, later greetings keep the offset current.
    """

    __slots__ = ("_greeting_ms", "_offset_ms", "_source")

    def __init__(self) -> None:
        self._offset_ms = 0
        self._source: str | None = None
        self._greeting_ms: int | None = None

    @property
    def offset_ms(self) -> int:
        """Server time minus local time, in milliseconds."""
        return self._offset_ms

    @property
    def synced(self) -> bool:
        """Whether the offset comes from the server (REST or a greeting)."""
        return self._source is not None

    @property
    def source(self) -> str | None:
        """``"rest"``, ``"greeting"``, or ``None`` before any sync."""
        return self._source

    @property
    def has_greeting(self) -> bool:
        """Whether a greeting's time has been observed."""
        return self._greeting_ms is not None

    def update(self, server_ms: int, sent_at: float, received_at: float) -> None:
        """Record one round trip.

        Args:
            server_ms: the server's time in milliseconds.
            sent_at: local time (seconds since the epoch) the request was sent.
            received_at: local time (seconds) the answer arrived.
        """
        midpoint_ms = (sent_at + received_at) * 500.0
        self._offset_ms = round(server_ms - midpoint_ms)
        self._source = "rest"

    def observe_greeting(self, server_ms: int, received_at: float) -> None:
        """Record a greeting's ``time`` (ms), received at local ``received_at`` (s).

        The offset changes only if the greeting clock was adopted already.
        """
        # One-way: the greeting was sent before it arrived, so this offset is
        # early by the one-way latency, far inside the 30 s window.
        self._greeting_ms = round(server_ms - received_at * 1000.0)
        if self._source == "greeting":
            self._offset_ms = self._greeting_ms

    def use_greeting(self) -> bool:
        """Adopt the last greeting's time as the server clock, if one was seen."""
        if self._greeting_ms is None:
            return False
        self._offset_ms = self._greeting_ms
        self._source = "greeting"
        return True

    def now_ms(self, local_time: float) -> int:
        """Return the server time in ms for the local time ``local_time`` (s)."""
        return round(local_time * 1000.0) + self._offset_ms

    def __repr__(self) -> str:
        return f"ServerClock(offset_ms={self._offset_ms}, source={self._source!r})"
