"""API keys the simulator knows and the checks of signed requests.

WEEX signs private WebSocket handshakes (WEEX-WS.md §1.2) and REST calls (§3) the same
way: headers ``ACCESS-KEY``, ``ACCESS-PASSPHRASE``, ``ACCESS-TIMESTAMP`` (ms) and
``ACCESS-SIGN`` = Base64(HMAC-SHA256(secret, timestamp + rest of the message)). This
module verifies them with its own code (never the client's ``auth`` module), so a
signing mistake shared by both sides cannot pass unnoticed.

A refused request is an :class:`AuthFailure` (HTTP 401) with one of these codes,
inside WEEX's documented range -1040..-1047 (the split is the simulator's):

- ``-1040`` a required ``ACCESS-*`` header is missing or empty;
- ``-1046`` ``ACCESS-TIMESTAMP`` is not a ms integer or is more than 30 s away from
  the server clock;
- ``-1047`` unknown ``ACCESS-KEY``, wrong ``ACCESS-PASSPHRASE`` or wrong
  ``ACCESS-SIGN``.

Messages name the header at fault, never a value: secrets, passphrases and
signatures are not echoed, logged or shown by ``repr()``.

Pure: no I/O, no clock (callers pass the times). Imports: stdlib only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "BAD_CREDENTIALS",
    "BAD_TIMESTAMP",
    "HEADERS",
    "MISSING_HEADER",
    "WINDOW_MS",
    "ApiKey",
    "AuthFailure",
    "Keyring",
    "SignClock",
    "signature",
]

MISSING_HEADER = -1040
BAD_TIMESTAMP = -1046
BAD_CREDENTIALS = -1047
#: WEEX-WS.md §1.2/§3: a timestamp is valid for 30 s.
WINDOW_MS = 30_000
#: The four signing headers, in the order they are checked for presence.
HEADERS = ("ACCESS-KEY", "ACCESS-PASSPHRASE", "ACCESS-TIMESTAMP", "ACCESS-SIGN")


def signature(secret: str, message: str) -> str:
    """Base64(HMAC-SHA256(key=secret, msg=message)), WEEX-WS.md §1.2 and §3."""
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class AuthFailure(Exception):
    """A signed request refused; ``code``/``msg`` form WEEX's error body.

    Attributes:
        code: -1040, -1046 or -1047 (see the module docstring).
        msg: human-readable reason; it never contains a secret or a signature.
        status: the HTTP status to answer with (401).
    """

    status = 401

    def __init__(self, code: int, msg: str) -> None:
        self.code = code
        self.msg = msg
        super().__init__(f"{code}: {msg}")


@dataclass(frozen=True, slots=True, repr=False)
class ApiKey:
    """One API key with its secret and passphrase (never shown by ``repr()``)."""

    api_key: str
    secret: str
    passphrase: str

    def __post_init__(self) -> None:
        for name in ("api_key", "secret", "passphrase"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string")

    def __repr__(self) -> str:
        shown = self.api_key[:4] + "…" if len(self.api_key) > 8 else "…"
        return f"ApiKey(api_key={shown!r}, secret='***', passphrase='***')"


class SignClock:
    """Decides which ``ACCESS-TIMESTAMP`` values are fresh (within the window).

    The simulator's clock is simulated time, which runs ``speed`` times faster than
    real time and stands still while paused, whereas a client signs with its real
    clock plus the offset it measured once from ``GET /capi/v3/market/time``
    (WEEX-WS.md §3). So a timestamp is fresh if it is within the window of either
    the simulated time now, or of the clock a client derived from any server-time
    answer: that answer's time plus the real time elapsed since it was served.

    Args:
        window_ms: allowed distance, in ms (WEEX: 30 s).
        max_clocks: server-time answers remembered (oldest forgotten first).
    """

    __slots__ = ("_offsets", "window_ms")

    def __init__(self, window_ms: int = WINDOW_MS, max_clocks: int = 256) -> None:
        self.window_ms = window_ms
        self._offsets: deque[int] = deque(maxlen=max_clocks)

    def observe(self, server_ms: int, real_ms: int) -> None:
        """Record a server-time answer ``server_ms`` served at real time ``real_ms``."""
        offset = server_ms - real_ms
        # Answers a second apart describe the same clock for a 30 s window.
        if all(abs(offset - known) > 1000 for known in self._offsets):
            self._offsets.append(offset)

    def is_fresh(self, timestamp_ms: int, server_ms: int, real_ms: int) -> bool:
        """Whether ``timestamp_ms`` is within the window of a clock clients may use.

        Args:
            timestamp_ms: the request's ``ACCESS-TIMESTAMP``.
            server_ms: simulated time now.
            real_ms: the real (monotonic) time now, in the base given to
                :meth:`observe`.
        """
        window = self.window_ms
        if abs(timestamp_ms - server_ms) <= window:
            return True
        return any(abs(timestamp_ms - (real_ms + d)) <= window for d in self._offsets)


class Keyring:
    """The API keys the simulator accepts, and the signature check.

    Args:
        clock: decides which timestamps are fresh.
    """

    def __init__(self, clock: SignClock | None = None) -> None:
        self.clock = clock or SignClock()
        self._keys: dict[str, ApiKey] = {}

    def add(self, api_key: str, secret: str, passphrase: str) -> ApiKey:
        """Accept ``api_key`` (replacing its secret and passphrase if known)."""
        key = ApiKey(api_key, secret, passphrase)
        self._keys[api_key] = key
        return key

    def __contains__(self, api_key: object) -> bool:
        return api_key in self._keys

    @property
    def api_keys(self) -> tuple[str, ...]:
        """Known API keys, in the order they were added."""
        return tuple(self._keys)

    def verify(
        self,
        headers: Mapping[str, str],
        signed_rest: str,
        *,
        server_ms: int,
        real_ms: int,
    ) -> str:
        """Check the four ``ACCESS-*`` headers of one request; return its API key.

        Args:
            headers: the request headers (case-insensitive mapping).
            signed_rest: what follows the timestamp in the signed message:
                ``/v3/ws/private`` for the handshake (WEEX-WS.md §1.2), METHOD +
                path + ``?query`` + body for REST (§3).
            server_ms: simulated time now.
            real_ms: real monotonic time now (see :class:`SignClock`).

        Raises:
            AuthFailure: a header is missing, stale or wrong.
        """
        values = {}
        for name in HEADERS:
            value = headers.get(name, "")
            if not value:
                raise AuthFailure(MISSING_HEADER, f"Missing header {name}.")
            values[name] = value
        raw_time = values["ACCESS-TIMESTAMP"]
        if not raw_time.isdigit():
            raise AuthFailure(BAD_TIMESTAMP, "ACCESS-TIMESTAMP must be ms since epoch.")
        if not self.clock.is_fresh(int(raw_time), server_ms, real_ms):
            raise AuthFailure(
                BAD_TIMESTAMP,
                "Timestamp for this request is outside of the "
                f"{self.clock.window_ms} ms window.",
            )
        key = self._keys.get(values["ACCESS-KEY"])
        if key is None:
            raise AuthFailure(BAD_CREDENTIALS, "Invalid ACCESS-KEY.")
        if not hmac.compare_digest(
            key.passphrase.encode(), values["ACCESS-PASSPHRASE"].encode()
        ):
            raise AuthFailure(BAD_CREDENTIALS, "Invalid ACCESS-PASSPHRASE.")
        expected = signature(key.secret, raw_time + signed_rest)
        if not hmac.compare_digest(expected.encode(), values["ACCESS-SIGN"].encode()):
            raise AuthFailure(BAD_CREDENTIALS, "Invalid ACCESS-SIGN.")
        return key.api_key
