"""The transport interface, and the only aiohttp WebSocket code of the client.

:class:`Transport` is what a connection needs from a socket: receive, send,
close. :class:`AiohttpTransport` implements it over one ``aiohttp`` WebSocket;
:mod:`weex_events.loopback` implements it in memory for tests (the fake
implements the production interface, STYLE §13).

:class:`AiohttpTransport` wraps one ``aiohttp`` WebSocket and translates everything
aiohttp can raise into the :mod:`weex_events.errors` tree. Text frames are returned
as the raw UTF-8 ``bytes`` (``orjson`` parses bytes directly, which saves a decode
per frame); binary frames come back wrapped in :class:`BinaryFrame` because WEEX
never sends them. The read loop's per-frame path is :meth:`Transport.receiver`:
aiohttp's own receive, whose non-text results still come back here
(:meth:`Transport.other`) to be translated. The client-side keepalive is aiohttp's
WebSocket heartbeat: a PING every ``keepalive_interval`` seconds on an idle link and
the connection declared dead when no PONG comes back within half that interval
(WEEX-WS.md §1.3: server pings come only once a minute, so the client must not wait
for them).

Imports: ``errors``, aiohttp.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp

from .errors import AuthenticationError, WeexConnectionError

__all__ = [
    "TEXT",
    "AiohttpTransport",
    "BinaryFrame",
    "RawMessage",
    "Session",
    "Transport",
    "TransportClosed",
    "fetch",
    "new_session",
]

log = logging.getLogger("weex_events.transport")

# Hard cap handed to aiohttp; the soft, configurable limit is checked by the
# connection so that an oversized frame is reported without losing the socket.
_HARD_FRAME_CAP = 64 * 1024 * 1024


#: The message type of a text frame in the tuples :meth:`Transport.receiver`
#: returns; compare with ``is``.
TEXT: Final[int] = aiohttp.WSMsgType.TEXT

RawMessage = tuple[object, Any, Any]
"""What :meth:`Transport.receiver` yields: ``(type, data, extra)``; for
:data:`TEXT`, ``data`` is the frame's UTF-8 ``bytes``."""


@dataclass(frozen=True, slots=True)
class BinaryFrame:
    """A binary frame (WEEX sends only text; reported as bad input)."""

    data: bytes


class TransportClosed(Exception):
    """The socket is gone. Internal: the connection turns it into lifecycle events.

    Attributes:
        code: WebSocket close code, if the peer sent one (1006 for a drop).
        reason: what happened.
    """

    def __init__(self, code: int | None, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"{reason} (close code {code})")


Session = aiohttp.ClientSession
"""The HTTP session transports and :func:`fetch` share (named here so that
callers need not import aiohttp)."""


def new_session() -> aiohttp.ClientSession:
    """A session for WebSocket connections (no total timeout on long streams)."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))


class Transport(Protocol):
    """One open socket, used by one reader task and one writer."""

    def receiver(self) -> Callable[[], Awaitable[RawMessage]]:
        """The read loop's receive: awaiting it gives ``(type, data, extra)``;
        a type other than :data:`TEXT` must go through :meth:`other`."""

    def other(self, msg: RawMessage) -> BinaryFrame:
        """A received message that is not text, translated.

        Raises:
            TransportClosed: the socket closed, dropped or missed its keepalive.
        """

    async def send(self, text: str) -> None:
        """Send one text frame.

        Raises:
            TransportClosed: the socket is already closed.
        """

    @property
    def closed(self) -> bool:
        """Whether the socket is closed or closing."""

    async def close(self, code: int = 1000) -> None:
        """Close the socket politely; never raises."""


class AiohttpTransport:
    """One open aiohttp WebSocket. Created by :meth:`open`; a :class:`Transport`."""

    __slots__ = ("_ws", "endpoint")

    def __init__(
        self, ws: aiohttp.ClientWebSocketResponse[bool], endpoint: str
    ) -> None:
        self._ws = ws
        self.endpoint = endpoint

    @classmethod
    async def open(
        cls,
        session: aiohttp.ClientSession,
        url: str,
        *,
        endpoint: str,
        headers: Mapping[str, str],
        keepalive_interval: float,
        connect_timeout: float,
    ) -> AiohttpTransport:
        """Open a WebSocket to ``url``.

        Raises:
            AuthenticationError: the upgrade was refused with HTTP 401 or 403.
            WeexConnectionError: anything else went wrong (refused, DNS, timeout,
                another HTTP status).
        """
        try:
            ws = await asyncio.wait_for(
                session.ws_connect(
                    url,
                    headers=dict(headers),
                    heartbeat=keepalive_interval,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                    autoping=True,
                    max_msg_size=_HARD_FRAME_CAP,
                    decode_text=False,
                ),
                connect_timeout,
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in (401, 403):
                raise AuthenticationError(
                    "the server refused the WebSocket credentials", status=exc.status
                ) from None
            raise WeexConnectionError(
                endpoint, f"handshake refused with HTTP {exc.status}"
            ) from exc
        except TimeoutError as exc:
            raise WeexConnectionError(
                endpoint, f"no connection within {connect_timeout:g} s"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise WeexConnectionError(endpoint, f"cannot connect: {exc}") from exc
        return cls(ws, endpoint)

    def receiver(self) -> Callable[[], Awaitable[RawMessage]]:
        """The read loop's fast path: aiohttp's own ``receive``, unwrapped.

        Awaiting it gives ``(type, data, extra)`` tuples; a type other than
        :data:`TEXT` must go through :meth:`other`. This saves the reader a
        coroutine and frame of our own on every frame.
        """
        return self._ws.receive

    def other(self, msg: RawMessage) -> BinaryFrame:
        """A message from :meth:`receiver` that is not text, translated.

        Raises:
            TransportClosed: the socket closed, dropped or missed its keepalive.
        """
        if msg[0] is aiohttp.WSMsgType.BINARY:
            return BinaryFrame(msg[1])
        raise self._closed(msg)

    def _closed(self, msg: Any) -> TransportClosed:
        ws = self._ws
        if msg.type is aiohttp.WSMsgType.ERROR:
            exc = msg.data
            if isinstance(exc, aiohttp.ServerTimeoutError):
                return TransportClosed(1006, "keepalive: no pong from server")
            return TransportClosed(ws.close_code or 1006, f"socket error: {exc}")
        code = ws.close_code
        if msg.type is aiohttp.WSMsgType.CLOSE:
            code = msg.data
            extra = f": {msg.extra}" if msg.extra else ""
            return TransportClosed(code, f"closed by server{extra}")
        exc = ws.exception()
        if isinstance(exc, aiohttp.ServerTimeoutError):
            return TransportClosed(1006, "keepalive: no pong from server")
        if code in (None, 1006):
            return TransportClosed(1006, "connection lost")
        return TransportClosed(code, "closed by server")

    async def send(self, text: str) -> None:
        """Send one text frame.

        Raises:
            TransportClosed: the socket is already closed.
        """
        try:
            await self._ws.send_str(text)
        except (aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
            raise TransportClosed(
                self._ws.close_code or 1006, f"send failed: {exc}"
            ) from exc

    @property
    def closed(self) -> bool:
        """Whether the socket is closed or closing."""
        return self._ws.closed

    async def close(self, code: int = 1000) -> None:
        """Close the socket politely; never raises."""
        try:
            await asyncio.wait_for(self._ws.close(code=code), 2.0)
        except (TimeoutError, aiohttp.ClientError, OSError, RuntimeError) as exc:
            log.debug("closing %s socket: %s", self.endpoint, exc)


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
) -> bytes:
    """GET ``url`` and return its body (used for the server clock).

    Raises:
        WeexConnectionError: unreachable, timed out or answered non-2xx.
    """
    try:
        async with asyncio.timeout(timeout):
            async with session.get(url, headers=dict(headers)) as resp:
                body = await resp.read()
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise WeexConnectionError(url, f"cannot fetch: {exc}") from exc
    if resp.status >= 300:
        raise WeexConnectionError(url, f"HTTP {resp.status}")
    return body
