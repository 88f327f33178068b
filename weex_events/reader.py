"""The read loop of one socket: frames in, decoded items out.

:class:`Reader` turns each text frame into data for the :class:`Sink` and control
frames into work for the connection's writer
(:class:`~weex_events.commands.Commands`): it never awaits user code nor the
peer. It yields to the event loop once it has worked :data:`YIELD_AFTER`
seconds without the loop turning, and reports a frame whose handlers held it
longer than ``slow_handler`` seconds (:meth:`Sink.blocked`). Both use the clock
reading every frame takes anyway (``received_at``): the per-frame cost is one
comparison.

Imports: ``errors``, ``events``, ``protocol``, ``transport``, ``commands``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .commands import Commands
from .errors import DecodeError, WeexError, excerpt
from .events import Channel, Endpoint, ErrorEvent, StreamMessage
from .protocol import (
    Codec,
    Decoded,
    DeferredMessage,
    DepthUpdate,
    Greeting,
    Reply,
    ServerPing,
    UnknownPush,
)
from .transport import TEXT, BinaryFrame, Transport

__all__ = ["YIELD_AFTER", "Reader", "Sink"]

log = logging.getLogger("weex_events.connection")

#: Seconds of work after which the reader lets the event loop run other tasks
#: while frames are buffered (at most twice this passes between two turns of the
#: loop). Checked only when the time is up, so a frame costs one comparison.
YIELD_AFTER = 0.005


class Sink(Protocol):
    """What a connection hands its output to (the client)."""

    def deliver(self, msg: StreamMessage | DeferredMessage) -> None:
        """A normalized data message, or one built when read (hot path)."""

    def deliver_depth(self, update: DepthUpdate) -> None:
        """A depth frame for the local order book."""

    def emit(self, event: str, payload: Any) -> None:
        """A lifecycle, subscription or error event."""

    def connection_reset(self, channels: Iterable[Channel]) -> None:
        """The socket carrying ``channels`` was lost."""

    def connection_failed(self, channels: Iterable[Channel], exc: WeexError) -> None:
        """The connection carrying ``channels`` gave up for good (``exc``)."""

    def blocked(self, item: Decoded, seconds: float) -> None:
        """Delivering ``item`` held the read loop for ``seconds`` (a slow handler)."""


class _Turn:
    """Notes when the event loop next runs a callback: proof that other tasks
    had their turn since the reader armed it."""

    __slots__ = ("at", "clock")

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.at: float | None = None

    def arm(self) -> None:
        self.at = None
        asyncio.get_running_loop().call_soon(self._ran)

    def _ran(self) -> None:
        self.at = self.clock()


class Reader:
    """Reads one connection's sockets, one at a time; keeps its counters.

    Args:
        endpoint: for log lines.
        codec: decodes frames, encodes keepalive answers.
        sink: where data, depth frames and events go.
        commands: the writer (keepalive answers) and the command replies.
        clock: the wall clock of ``received_at`` (injectable).
        monotonic: the monotonic clock a recording tap stamps frames with.
        max_frame_size: frames longer than this are refused (``error``).
        slow_handler: seconds a frame's handlers may hold the loop unreported.
        on_greeting: told (server ms, local receive s) of each V3 greeting.
    """

    def __init__(
        self,
        *,
        endpoint: Endpoint,
        codec: Codec,
        sink: Sink,
        commands: Commands,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
        max_frame_size: int,
        slow_handler: float,
        on_greeting: Callable[[int, float], None] | None,
    ) -> None:
        self.endpoint = endpoint
        self._codec = codec
        self._sink = sink
        self._commands = commands
        self._table = commands.table
        self._clock = clock
        self._monotonic = monotonic
        self._max_frame_size = max_frame_size
        self._slow_handler = slow_handler
        self._on_greeting = on_greeting
        self._reported_unknown: set[str] = set()
        self.frames = 0
        self.decode_errors = 0
        self._latency = 0.0
        self._latency_n = 0

    @property
    def latency(self) -> float | None:
        """Recent mean of receive time minus exchange time, in seconds (sampled:
        at most one data frame every few milliseconds)."""
        return self._latency if self._latency_n else None

    async def read(self, transport: Transport) -> None:
        """Read ``transport`` until it closes.

        Raises:
            TransportClosed: the socket closed, dropped or missed its keepalive.
        """
        # The per-frame path: everything it touches is a local. aiohttp's own
        # receive (transport.receiver) saves a coroutine per frame; the transport
        # still translates every non-text message (binary, close, error).
        receive = transport.receiver()
        other = transport.other
        text = TEXT
        decode = self._codec.decode
        sink = self._sink
        deliver = sink.deliver
        deliver_depth = sink.deliver_depth
        clock = self._clock
        limit = self._max_frame_size
        control = self._control
        # Recording on (weex_events.tap): the loop appends each frame's record
        # itself and trims the recorder's buffer when it yields. A record needs
        # the monotonic time as well as the wall time; to read one clock per
        # frame, the wall time is then the monotonic time plus the wall clock's
        # offset, read again at every yield check (a step of the wall clock
        # shows within YIELD_AFTER). received_at and the record's time agree.
        tap = getattr(transport, "tap", None)
        monotonic = self._monotonic
        offset = mono = 0.0
        if tap is not None:
            tap_append, tap_ep, tap_conn, tap_trim = tap
            offset = clock() - monotonic()
        slow = self._slow_handler
        turn = _Turn(clock)
        turn.arm()
        mark = prev = clock()
        deadline = mark + YIELD_AFTER
        last: Decoded | None = None
        while True:
            msg = await receive()
            self.frames += 1
            if tap is None:
                now = clock()
            else:
                mono = monotonic()
                now = mono + offset
            if not mark <= now < deadline:
                # YIELD_AFTER is up (or the clock went back). If the loop has
                # not turned since `mark`, everything since was work: the
                # previous frame took now - prev, and other tasks are starving.
                if turn.at is None:
                    if now - prev > slow and last is not None:
                        sink.blocked(last, now - prev)
                    await asyncio.sleep(0)
                # else the loop turned since `mark`: other tasks had their
                # turn, so work since then is under 2 × YIELD_AFTER.
                if tap is not None:
                    tap_trim()
                    offset = clock() - monotonic()
                if last.__class__ is list and last:
                    self._sample(prev - last[0].timestamp)  # the previous frame
                turn.arm()
                mark = prev = clock()
                deadline = mark + YIELD_AFTER
            else:
                prev = now
            if msg[0] is not text:
                self._bad_frame(other(msg))  # or raises TransportClosed
                continue
            data = msg[1]
            if tap is not None:
                tap_append((now, mono, tap_ep, tap_conn, "in", data))
            if len(data) > limit:
                self._bad_frame(data)
                continue
            try:
                result = decode(data, now)
            except DecodeError as exc:
                self.decode_errors += 1
                sink.emit(
                    "error",
                    ErrorEvent(
                        "decode", exc.reason, exception=exc.detached(), frame=exc.frame
                    ),
                )
                log.warning("%s: undecodable frame: %s", self.endpoint, exc)
                continue
            last = result
            if result.__class__ is list:
                for item in result:
                    deliver(item)
            elif result.__class__ is DepthUpdate:
                deliver_depth(result)
            else:
                control(result)

    def _sample(self, latency: float) -> None:
        """Add one frame's receive time minus exchange time to stats.latency:
        a running mean, exact over the first 1,000 samples, then weighted 1/1000
        (n stops there). The loop samples the frame before each YIELD_AFTER
        check: at most one frame per YIELD_AFTER, nothing per frame."""
        n = self._latency_n
        if n < 1000:
            self._latency_n = n = n + 1
        self._latency += (latency - self._latency) / n

    def _bad_frame(self, data: bytes | BinaryFrame) -> None:
        self.decode_errors += 1
        if isinstance(data, BinaryFrame):
            reason, raw = "binary frame (WEEX sends text only)", data.data
        else:
            reason, raw = f"frame of {len(data)} bytes exceeds max_frame_size", data
        exc = DecodeError(reason, raw)
        self._sink.emit(
            "error", ErrorEvent("decode", reason, exception=exc, frame=exc.frame)
        )
        log.warning("%s: %s", self.endpoint, reason)

    def oversized(self, reason: str) -> None:
        """The transport refused a frame from its header (nothing buffered);
        the socket is lost with it, so a reconnect follows."""
        self.decode_errors += 1
        self._sink.emit("error", ErrorEvent("decode", reason))
        log.warning("%s: %s; reconnecting", self.endpoint, reason)

    def _control(self, item: object) -> None:
        if isinstance(item, ServerPing):
            # WEEX-WS.md §1.3: answer every server ping in the protocol's format,
            # through the writer: the reader never waits for the peer.
            self._commands.send_soon(
                self._codec.encode_pong(item, self._table.next_id())
            )
        elif isinstance(item, Reply):
            self._commands.reply(item)
        elif isinstance(item, Greeting):
            log.debug("%s greeting (cid %s)", self.endpoint, item.cid)
            if item.time is not None and self._on_greeting is not None:
                self._on_greeting(item.time, self._clock())
        elif isinstance(item, UnknownPush):
            self.decode_errors += 1
            if item.type not in self._reported_unknown:
                self._reported_unknown.add(item.type)
                msg = f"unknown push type {item.type!r} (reported once)"
                log.warning("%s: %s", self.endpoint, msg)
                self._sink.emit(
                    "error",
                    ErrorEvent("protocol", msg, frame=excerpt(repr(item.raw))),
                )
