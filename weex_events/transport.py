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
import contextvars
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp

from .errors import AuthenticationError, WeexConnectionError, WeexError

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

# Used when no max_frame_size is given. aiohttp checks the limit on each frame's
# header, before buffering any of its payload, so memory stays within the limit.
_HARD_FRAME_CAP = 64 * 1024 * 1024
# How much of a refused upgrade's body is kept (the exchange's code and message).
_REFUSAL_BODY = 4096
_FRAME_SIZE = re.compile(r"size (\d+)")

# Where _keep_refusal puts a refused upgrade's body: a list set by
# Transport.open (shared with the task asyncio.wait_for may run it in).
_refusal: contextvars.ContextVar[list[bytes] | None] = contextvars.ContextVar(
    "weex_events_refusal", default=None
)


async def _keep_refusal(
    session: aiohttp.ClientSession,
    ctx: Any,
    params: aiohttp.TraceRequestEndParams,
) -> None:
    """Keep the start of a refused upgrade's body: aiohttp drops it, and the
    exchange's ``{"code":..,"msg":..}`` is what tells a wrong passphrase from an
    unknown key (WEEX-WS.md §1.2)."""
    resp = params.response
    box = _refusal.get()
    if box is None or resp.status < 300:
        return
    try:
        body = await asyncio.wait_for(resp.content.read(_REFUSAL_BODY), 2.0)
    except (TimeoutError, aiohttp.ClientError, OSError):
        body = b""
    box.append(body)


def _server_answer(body: bytes | None) -> tuple[int | str | None, str | None]:
    """The exchange's ``code`` and ``msg`` from a refusal body, when it is JSON."""
    if not body:
        return None, None
    try:
        answer = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(answer, dict):
        return None, None
    code = answer.get("code")
    if not isinstance(code, int | str) or isinstance(code, bool):
        code = None
    msg = answer.get("msg")
    return code, None if msg is None else str(msg)[:200]


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

    def __init__(
        self, code: int | None, reason: str, *, oversized: bool = False
    ) -> None:
        self.code = code
        self.reason = reason
        #: Whether the socket was closed because a frame exceeded max_frame_size.
        self.oversized = oversized
        super().__init__(f"{reason} (close code {code})")


Session = aiohttp.ClientSession
"""The HTTP session transports and :func:`fetch` share (named here so that
callers need not import aiohttp)."""


def new_session() -> aiohttp.ClientSession:
    """A session for WebSocket connections (no total timeout on long streams)."""
    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(_keep_refusal)
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=None), trace_configs=[trace]
    )


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

    def abort(self) -> None:
        """Drop the socket at once, without a closing handshake (the peer is not
        reading, so nothing more can be sent); the reader's receive then
        reports the loss. Never raises, never waits."""


class AiohttpTransport:
    """One open aiohttp WebSocket. Created by :meth:`open`; a :class:`Transport`."""

    __slots__ = ("_max_frame_size", "_ws", "endpoint")

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse[bool],
        endpoint: str,
        max_frame_size: int = _HARD_FRAME_CAP,
    ) -> None:
        self._ws = ws
        self.endpoint = endpoint
        self._max_frame_size = max_frame_size

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
        max_frame_size: int = _HARD_FRAME_CAP,
    ) -> AiohttpTransport:
        """Open a WebSocket to ``url``.

        Frames larger than ``max_frame_size`` bytes are refused as their header
        arrives, before their payload is buffered; the socket then closes
        (:attr:`TransportClosed.oversized`).

        The errors raised carry no cause or context: aiohttp's exceptions and
        frames hold the request headers, which for the private endpoint are
        the credentials (DESIGN §2 *Secrets*).

        Raises:
            AuthenticationError: the upgrade was refused with HTTP 401 or 403;
                it carries the exchange's ``code`` and message when it sent them.
            WeexConnectionError: anything else went wrong (refused, DNS, timeout,
                another HTTP status).
        """
        failure: WeexError
        refusal: list[bytes] = []
        token = _refusal.set(refusal)
        try:
            # max_msg_size is exclusive in aiohttp: a frame of exactly
            # max_frame_size bytes is allowed.
            ws = await asyncio.wait_for(
                session.ws_connect(
                    url,
                    headers=headers,
                    heartbeat=keepalive_interval,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                    autoping=True,
                    max_msg_size=max_frame_size + 1,
                    decode_text=False,
                ),
                connect_timeout,
            )
        except aiohttp.WSServerHandshakeError as exc:
            failure = _refused(endpoint, exc.status, refusal[-1] if refusal else None)
        except TimeoutError:
            failure = WeexConnectionError(
                endpoint, f"no connection within {connect_timeout:g} s"
            )
        except (aiohttp.ClientError, OSError) as exc:
            failure = WeexConnectionError(
                endpoint, f"cannot connect: {type(exc).__name__}: {_describe(exc)}"
            )
        else:
            return cls(ws, endpoint, max_frame_size)
        finally:
            _refusal.reset(token)
        # Raised outside the except clauses, so that no aiohttp exception (and
        # none of its frames holding the headers) is chained as the context.
        raise failure

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
            if (
                isinstance(exc, aiohttp.WebSocketError)
                and exc.code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
            ):
                size = _FRAME_SIZE.search(str(exc))
                what = f"a frame of {size.group(1)} bytes" if size else "a frame"
                return TransportClosed(
                    1009,
                    f"{what} exceeds max_frame_size ({self._max_frame_size} bytes)",
                    oversized=True,
                )
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

    def abort(self) -> None:
        """Drop the TCP connection at once (see :meth:`Transport.abort`)."""
        # aiohttp has no public abort: its close() first sends a close frame,
        # which a peer that stopped reading never takes.
        conn = self._ws._response.connection
        transport = conn.transport if conn is not None else None
        if transport is not None:
            transport.abort()


def _refused(endpoint: str, status: int, body: bytes | None) -> WeexError:
    """The error for an upgrade refused with HTTP ``status``."""
    code, msg = _server_answer(body)
    if status in (401, 403):
        return AuthenticationError(
            msg or "the server refused the WebSocket credentials",
            status=status,
            code=code,
        )
    answer = f": code {code}, {msg}" if code is not None or msg else ""
    return WeexConnectionError(
        endpoint, f"handshake refused with HTTP {status}{answer}"
    )


def _describe(exc: BaseException) -> str:
    # aiohttp's connection errors name host and port; never headers.
    return str(exc)[:200]


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
