"""The one exception tree of ``weex_events``.

Every error the public API raises is a :class:`WeexError`. Third-party exceptions
(aiohttp, orjson, pyee) are translated at the edge with ``raise ... from exc`` so
callers never have to import those libraries to handle failures. Data lives in
attributes; each class builds its own message. Nothing here ever holds a secret.

Imports: nothing from ``weex_events``.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ClientClosedError",
    "ConfigError",
    "DecodeError",
    "ProtocolError",
    "RateLimitError",
    "RecordingError",
    "RestError",
    "SlowConsumerError",
    "SubscriptionError",
    "WeexConnectionError",
    "WeexError",
]

#: Longest excerpt of a bad frame kept in an exception or ``error`` event.
FRAME_EXCERPT = 200


def excerpt(frame: str | bytes | None, limit: int = FRAME_EXCERPT) -> str:
    """Return a printable, truncated view of a frame for messages and logs."""
    if frame is None:
        return ""
    if isinstance(frame, bytes | bytearray | memoryview):
        text = bytes(frame[: limit + 1]).decode("utf-8", "replace")
    else:
        text = frame[: limit + 1]
    if len(text) > limit:
        return text[:limit] + "…"
    return text


class WeexError(Exception):
    """Base class of every error raised by ``weex_events``."""


class ConfigError(WeexError, ValueError):
    """A configuration value or a call argument is invalid.

    Attributes:
        name: the field, argument or environment variable at fault.
        reason: what is wrong with it.
    """

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class AuthenticationError(WeexError):
    """The exchange refused the credentials. Never retried automatically.

    Attributes:
        status: HTTP status of the refused upgrade or request (``None`` if unknown).
        code: the exchange's error code, when it sent one.
        reason: the exchange's message (never contains a secret).
    """

    def __init__(
        self, reason: str, *, status: int | None = None, code: int | str | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.reason = reason
        parts = [reason]
        if status is not None:
            parts.append(f"HTTP {status}")
        if code is not None:
            parts.append(f"code {code}")
        super().__init__(" · ".join(parts) + "; " + CREDENTIAL_SETTINGS)


#: What an :class:`AuthenticationError` tells the user to check.
CREDENTIAL_SETTINGS = (
    "check the credentials: api_key (WEEX_API_KEY), secret_key "
    "(WEEX_SECRET_KEY), passphrase (WEEX_PASSPHRASE), that the key is enabled "
    "for this market, and the machine's clock (signatures are valid for 30 s)"
)


class WeexConnectionError(WeexError, ConnectionError):
    """A transport failure: connect refused, DNS, reset, abnormal close.

    The connection manager retries these on its own; they reach the caller only
    from an explicit :meth:`~weex_events.WeexWebSocketClient.connect` that could not
    establish the first connection.

    Attributes:
        endpoint: ``"public"`` or ``"private"`` (or a REST URL path).
        reason: what happened.
        close_code: WebSocket close code, when the server closed.
    """

    def __init__(
        self, endpoint: str, reason: str, *, close_code: int | None = None
    ) -> None:
        self.endpoint = endpoint
        self.reason = reason
        self.close_code = close_code
        msg = f"{endpoint}: {reason}"
        if close_code is not None:
            msg += f" (close code {close_code})"
        super().__init__(msg)


class SubscriptionError(WeexError):
    """The server rejected a channel. It is never re-sent automatically.

    Attributes:
        channel: the wire name of the channel (``"BTCUSDT@ticker"``).
        reason: the server's message.
    """

    def __init__(self, channel: str, reason: str) -> None:
        self.channel = channel
        self.reason = reason
        super().__init__(f"subscription to {channel!r} rejected: {reason}")


class ProtocolError(WeexError):
    """The server sent something the protocol does not allow."""


class DecodeError(ProtocolError):
    """A frame could not be decoded. The connection stays up.

    Attributes:
        reason: why the frame was refused.
        frame: a truncated, printable excerpt of the frame.
    """

    def __init__(self, reason: str, frame: str | bytes | None = None) -> None:
        self.reason = excerpt(reason, 2 * FRAME_EXCERPT)
        self.frame = excerpt(frame)
        msg = self.reason if not self.frame else f"{self.reason}: {self.frame}"
        super().__init__(msg)

    def detached(self) -> DecodeError:
        """Drop the traceback and the cause chain; return ``self``.

        An ``error`` event keeps its exception as long as a handler holds it;
        the traceback's frames and the parser's exception (``doc``) would keep
        the whole frame alive with it, so only the excerpt remains.
        """
        self.__traceback__ = None
        self.__cause__ = None
        self.__context__ = None
        return self


class ClientClosedError(WeexError):
    """The client was used after :meth:`disconnect` or outside ``async with``."""

    def __init__(self, reason: str = "the client is closed") -> None:
        self.reason = reason
        super().__init__(reason)


class SlowConsumerError(WeexError):
    """A private stream's consumer fell past its backlog limit (DESIGN §2).

    The backlog was dropped and the client recovers the account over REST
    (``client.account_state`` stays current); the stream ends with this error.

    Attributes:
        consumer: the stream's description, ``stream(order)``.
        pending: items that were waiting when the limit was passed.
        limit: the backlog limit (``WeexConfig.private_backlog``).
    """

    def __init__(self, consumer: str, pending: int, limit: int) -> None:
        self.consumer = consumer
        self.pending = pending
        self.limit = limit
        super().__init__(
            f"{consumer} fell {pending} private items behind (limit {limit}); "
            "its backlog was dropped and the account is recovered over REST"
        )


class RestError(WeexError):
    """A REST call failed with an exchange error body or an HTTP error.

    Attributes:
        status: HTTP status.
        code: the exchange's error code (int for V3, str for V2), if any.
        msg: the exchange's message.
        path: the request path (never the query of a signed request).
    """

    def __init__(
        self, status: int, code: int | str | None, msg: str, *, path: str = ""
    ) -> None:
        self.status = status
        self.code = code
        self.msg = msg
        self.path = path
        where = f"{path}: " if path else ""
        super().__init__(f"{where}HTTP {status}, code {code}: {msg}")


class RateLimitError(RestError):
    """HTTP 429: the exchange asks the client to slow down."""


class RecordingError(WeexError):
    """A recording cannot be read: bad header, unknown version, truncated or corrupt.

    Raised after every record before the bad one has been delivered.

    Attributes:
        path: the file at fault.
        line: the 1-based line where reading failed (0: the file could not be
            opened).
        reason: what is wrong there.
    """

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {reason}")
