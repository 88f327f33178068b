"""Recording a client's sockets: a :class:`~weex_events.transport.Transport` that
copies every frame to a :class:`~weex_events.recording.Recorder`.

:func:`recording_transports` wraps the client's transport factory; each socket it
opens becomes a :class:`TapTransport` with its own connection number (1, 2, 3…
across both endpoints, a reconnect being a new number). The tap writes:

- ``open`` with the URL (the recorder strips user-info, query and fragment),
  once the socket is open: the handshake headers (where the private signature,
  key and passphrase travel, WEEX-WS.md §1.2) are never handed to the recorder;
- ``in`` for every text frame received, with its receive wall time (the one the
  connection stamps ``received_at`` with) and monotonic time: the connection's
  read loop appends each through :attr:`TapTransport.tap`;
- ``out`` for every text frame sent (subscribe commands, pongs);
- ``close`` once per socket: the peer's close code and reason when the socket
  drops, or the code the client closed it with.

When recording is off there is no tap, and the read loop's only cost is one
``is not None`` check per frame; when it is on, one tuple and one
``deque.append`` per frame, no call of ours (the recorder bounds its buffer
when the loop trims it, and writes on its own thread).

Imports: ``errors``, ``events``, ``transport``, ``recording``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable, Mapping

from .events import Endpoint
from .recording import Recorder
from .recording.buffer import FrameTap
from .transport import BinaryFrame, RawMessage, Transport, TransportClosed

__all__ = ["CLOSED_BY_CLIENT", "TapTransport", "recording_transports"]

#: The ``reason`` of a ``close`` record for a socket the client closed itself
#: (a replay does not drop the socket there: the client did not reconnect).
CLOSED_BY_CLIENT = "closed by client"

Clock = Callable[[], float]
Factory = Callable[[str, Endpoint, Mapping[str, str]], Awaitable[Transport]]


class TapTransport:
    """One socket whose frames are copied to a recorder (a ``Transport``).

    Args:
        inner: the real socket.
        recorder: where the frames go.
        endpoint: ``"public"`` or ``"private"``.
        conn: this socket's number in the recording.
        wall: the receive wall clock.
        mono: the monotonic clock.
    """

    __slots__ = ("_closed", "_conn", "_ep", "_inner", "_mono", "_rec", "_wall")

    def __init__(
        self,
        inner: Transport,
        recorder: Recorder,
        *,
        endpoint: str,
        conn: int,
        wall: Clock = time.time,
        mono: Clock = time.monotonic,
    ) -> None:
        self._inner = inner
        self._rec = recorder
        self._ep = endpoint
        self._conn = conn
        self._wall = wall
        self._mono = mono
        self._closed = False

    def receiver(self) -> Callable[[], Awaitable[RawMessage]]:
        """The inner receive, untouched: the read loop records each text frame
        it takes from it through :attr:`tap`."""
        return self._inner.receiver()

    @property
    def tap(self) -> FrameTap:
        """The read loop's handle on the recorder for this socket: it appends
        each text frame with its receive time (the one it stamps
        ``received_at`` with) and monotonic time itself (see
        :class:`~weex_events.recording.buffer.FrameTap`)."""
        return self._rec.frame_in_for(self._ep, self._conn)

    def other(self, msg: RawMessage) -> BinaryFrame:
        """The inner translation; a socket that ended is recorded as closed.

        Raises:
            TransportClosed: the socket closed, dropped or missed its keepalive.
        """
        try:
            return self._inner.other(msg)
        except TransportClosed as exc:
            self._mark_closed(exc.code, exc.reason)
            raise

    async def send(self, text: str) -> None:
        """Send through the inner socket, then record the frame.

        Raises:
            TransportClosed: the socket is already closed (nothing recorded).
        """
        await self._inner.send(text)
        self._rec.frame_out(self._ep, self._conn, text, self._wall(), self._mono())

    @property
    def closed(self) -> bool:
        """Whether the socket is closed or closing."""
        return self._inner.closed

    def abort(self) -> None:
        """Drop the inner socket at once; the reader's receive reports (and
        this records) the loss."""
        self._inner.abort()

    async def close(self, code: int = 1000) -> None:
        """Close the inner socket (recorded, if the peer did not end it first)."""
        self._mark_closed(code, CLOSED_BY_CLIENT)
        await self._inner.close(code)

    def _mark_closed(self, code: int | None, reason: str) -> None:
        if not self._closed:
            self._closed = True
            self._rec.closed(
                self._ep, self._conn, code, reason, self._wall(), self._mono()
            )


def recording_transports(
    inner: Factory,
    recorder: Recorder,
    *,
    wall: Clock = time.time,
    mono: Clock = time.monotonic,
) -> Factory:
    """A transport factory opening ``inner``'s sockets, each behind a tap."""
    numbers = itertools.count(1)

    async def open_tapped(
        url: str, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> Transport:
        transport = await inner(url, endpoint, headers)
        conn = next(numbers)
        recorder.opened(endpoint.value, conn, url, wall(), mono())
        return TapTransport(
            transport,
            recorder,
            endpoint=endpoint.value,
            conn=conn,
            wall=wall,
            mono=mono,
        )

    return open_tapped
