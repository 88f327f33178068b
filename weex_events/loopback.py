"""An in-memory :class:`~weex_events.transport.Transport`, for tests and replay.

The fake implements the production interface (STYLE §13, httpx's
``MockTransport``): a connection reads, writes and closes a
:class:`LoopbackTransport` exactly as it would an aiohttp socket, while the test
holds the other end and decides every frame, every drop and every refused
handshake. No socket, no wall clock: connection logic (reconnect, keepalive
answers, pacing) runs deterministically on a busy machine.

* :class:`LoopbackTransport`: one socket. The client side is the
  :class:`~weex_events.transport.Transport` interface; the peer side is
  :meth:`~LoopbackTransport.push`, :meth:`~LoopbackTransport.push_binary`,
  :meth:`~LoopbackTransport.drop`, :meth:`~LoopbackTransport.stall` and
  :meth:`~LoopbackTransport.next_sent`.
* :class:`Loopback`: the endpoint. Called like a transport factory, it opens a
  new :class:`LoopbackTransport` per connect (or raises what the test queued
  with :meth:`~Loopback.refuse`) and lets the test wait for the next one.

Imports: ``errors``, ``events``, ``transport``.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Mapping

from .events import Endpoint
from .transport import TEXT, BinaryFrame, RawMessage, TransportClosed

__all__ = ["Loopback", "LoopbackTransport"]

# Message types of the peer side; only TEXT is shared with aiohttp's.
_BINARY = object()
_CLOSE = object()


class LoopbackTransport:
    """One in-memory socket: the connection's side and the test's (peer) side.

    Attributes:
        url: the URL it was opened for.
        endpoint: the endpoint it was opened for.
        headers: the handshake headers it was opened with.
        sent: every text frame the connection sent, in order.
    """

    def __init__(
        self,
        url: str = "memory://",
        endpoint: Endpoint = Endpoint.PUBLIC,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.url = url
        self.endpoint = endpoint
        self.headers = dict(headers or {})
        self.sent: list[str] = []
        self._inbox: collections.deque[RawMessage] = collections.deque()
        self._arrived = asyncio.Event()
        self._sent_event = asyncio.Event()
        self._read = 0
        self._closed = False
        self._stalled = False
        self._released = asyncio.Event()  # a stalled send may end
        self.close_code: int | None = None

    # -- the connection's side (the Transport interface) ---------------------------

    def receiver(self) -> Callable[[], Awaitable[RawMessage]]:
        """The receive coroutine; see :class:`~weex_events.transport.Transport`."""
        return self._receive

    async def _receive(self) -> RawMessage:
        while not self._inbox:
            if self._closed:
                return _CLOSE, self.close_code or 1000, "closed locally"
            self._arrived.clear()
            await self._arrived.wait()
        return self._inbox.popleft()

    def other(self, msg: RawMessage) -> BinaryFrame:
        """A non-text message, translated like the aiohttp transport does.

        Raises:
            TransportClosed: the peer dropped or closed the socket.
        """
        if msg[0] is _BINARY:
            return BinaryFrame(msg[1])
        self._closed = True
        self._released.set()
        raise TransportClosed(msg[1], msg[2])

    async def send(self, text: str) -> None:
        """Record one text frame for the peer.

        Raises:
            TransportClosed: the socket is closed.
        """
        if self._stalled:
            await self._released.wait()
        if self._closed:
            raise TransportClosed(1006, "send failed: socket closed")
        self.sent.append(text)
        self._sent_event.set()

    @property
    def closed(self) -> bool:
        """Whether the socket is closed (by either side)."""
        return self._closed

    async def close(self, code: int = 1000) -> None:
        """Close from the connection's side; never raises."""
        if not self._closed:
            self._closed = True
            self.close_code = code
        self._arrived.set()
        self._released.set()

    def abort(self) -> None:
        """Drop from the connection's side: frames not yet read are lost and
        the next receive reports the loss."""
        self._inbox.clear()
        self._put((_CLOSE, 1006, "aborted locally"))
        self._closed = True
        self._released.set()

    def stall(self) -> None:
        """The peer stops reading: every later send waits until the socket
        closes (then raises :class:`TransportClosed`)."""
        self._stalled = True

    # -- the peer's side -------------------------------------------------------------

    def push(self, frame: str | bytes) -> None:
        """Deliver a text frame to the connection."""
        data = frame.encode() if isinstance(frame, str) else frame
        self._put((TEXT, data, None))

    def push_binary(self, data: bytes) -> None:
        """Deliver a binary frame (WEEX never sends one)."""
        self._put((_BINARY, data, None))

    def drop(self, code: int = 1006, reason: str = "connection lost") -> None:
        """End the socket from the peer's side, after what was pushed before."""
        self._put((_CLOSE, code, reason))

    def _put(self, msg: RawMessage) -> None:
        self._inbox.append(msg)
        self._arrived.set()

    async def next_sent(self) -> str:
        """The next frame the connection sends (in order), waiting for it."""
        while self._read >= len(self.sent):
            self._sent_event.clear()
            await self._sent_event.wait()
        self._read += 1
        return self.sent[self._read - 1]


class Loopback:
    """An in-memory endpoint: a transport factory whose sockets the test drives.

    Attributes:
        transports: every transport opened, oldest first.
    """

    def __init__(self) -> None:
        self.transports: list[LoopbackTransport] = []
        self._refusals: collections.deque[BaseException] = collections.deque()
        self._opened = asyncio.Event()
        self._taken = 0

    def refuse(self, *errors: BaseException) -> None:
        """Make the next opens raise ``errors``, one per attempt."""
        self._refusals.extend(errors)

    async def __call__(
        self, url: str, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> LoopbackTransport:
        """Open a transport (the :class:`~weex_events.dialer.TransportFactory`).

        Raises:
            BaseException: what :meth:`refuse` queued, first.
        """
        if self._refusals:
            raise self._refusals.popleft()
        transport = LoopbackTransport(url, endpoint, headers)
        self.transports.append(transport)
        self._opened.set()
        return transport

    async def accept(self) -> LoopbackTransport:
        """The next transport opened (in order), waiting for it."""
        while self._taken >= len(self.transports):
            self._opened.clear()
            await self._opened.wait()
        self._taken += 1
        return self.transports[self._taken - 1]
