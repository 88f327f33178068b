"""One endpoint's life: read loop, keepalive answers, reconnect, resubscribe.

A :class:`Connection` owns one :class:`~weex_events.transport.Transport` at a time
and two tasks: the *reader* (decodes frames and hands them to a :class:`Sink`,
never awaiting user code; reconnects on any transport failure) and the *writer*
(:class:`~weex_events.commands.Commands`: sends what its
:class:`~weex_events.channel_table.ChannelTable` decides on, one channel per
command, paced under WEEX's per-connection operation limit).

Reconnect policy is data (:mod:`weex_events.backoff`), injected.

Imports: ``errors``, ``events``, ``protocol``, ``channel_table``, ``transport``,
``commands``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any, Protocol

from .backoff import Backoff, is_retryable
from .channel_table import ChannelState
from .commands import Commands
from .errors import (
    AuthenticationError,
    ClientClosedError,
    DecodeError,
    WeexConnectionError,
    WeexError,
    excerpt,
)
from .events import (
    Channel,
    ConnectionEvent,
    Endpoint,
    ErrorEvent,
    StreamMessage,
)
from .protocol import Codec, DepthUpdate, Greeting, Reply, ServerPing, UnknownPush
from .transport import TEXT, BinaryFrame, Transport, TransportClosed

__all__ = ["ChannelState", "Connection", "Sink"]

log = logging.getLogger("weex_events.connection")


class Sink(Protocol):
    """What a connection hands its output to (the client)."""

    def deliver(self, msg: StreamMessage) -> None:
        """A normalized data message (hot path)."""

    def deliver_depth(self, update: DepthUpdate) -> None:
        """A depth frame for the local order book."""

    def emit(self, event: str, payload: Any) -> None:
        """A lifecycle, subscription or error event."""

    def connection_reset(self, channels: Iterable[Channel]) -> None:
        """The socket carrying ``channels`` was lost."""

    def connection_failed(self, channels: Iterable[Channel], exc: WeexError) -> None:
        """The connection carrying ``channels`` gave up for good (``exc``)."""


Opener = Callable[[], Awaitable[Transport]]
Sleep = Callable[[float], Awaitable[None]]


class Connection:
    """One WebSocket endpoint kept alive, with its desired channels."""

    def __init__(
        self,
        *,
        endpoint: Endpoint,
        url: str,
        codec: Codec,
        opener: Opener,
        sink: Sink,
        backoff_factory: Backoff,
        retryable: Callable[[BaseException], bool] = is_retryable,
        max_frame_size: int,
        reset_after: float,
        max_ops_per_hour: int = 240,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        on_greeting: Callable[[int, float], None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._on_greeting = on_greeting  # told (server ms, local receive s)
        self.url = url
        self._codec = codec
        self._opener = opener
        self._sink = sink
        self._backoff_factory = backoff_factory
        self._retryable = retryable
        self._max_frame_size = max_frame_size
        self._reset_after = reset_after
        self._sleep = sleep
        self._clock = clock
        self._monotonic = monotonic
        self._transport: Transport | None = None
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._closing = False
        self._fatal: BaseException | None = None
        self._commands = Commands(
            codec,
            endpoint=endpoint,
            emit=sink.emit,
            max_ops_per_hour=max_ops_per_hour,
            monotonic=monotonic,
        )
        self._table = self._commands.table
        self._reported_unknown: set[str] = set()
        self.frames = 0
        self.reconnects = 0
        self.decode_errors = 0
        self._latency = 0.0
        self._latency_n = 0
        self._connected_at = 0.0
        self._attempt = 0
        self._delays: Iterator[float] | None = None

    # -- lifecycle -----------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a socket is open right now."""
        return self._transport is not None and not self._transport.closed

    @property
    def desired(self) -> dict[Channel, str]:
        """The channels this connection carries, with their wire names."""
        return self._table.desired

    @property
    def state(self) -> dict[Channel, ChannelState]:
        """The server-side state of each carried channel."""
        return self._table.state

    @property
    def rejections(self) -> int:
        """Commands the server rejected on this connection (all sockets)."""
        return self._table.rejections

    @property
    def latency(self) -> float | None:
        """Recent mean of receive time minus exchange time, in seconds."""
        return self._latency if self._latency_n else None

    async def start(self) -> None:
        """Open the first socket and start the reader and writer tasks.

        Raises:
            AuthenticationError: the credentials were refused.
            WeexConnectionError: the endpoint could not be reached.
        """
        self._transport = await self._opener()
        self._connected_at = self._monotonic()
        self._emit_lifecycle("connected")
        self._commands.new_socket()
        self._spawn(self._run())

    def start_background(self) -> None:
        """Connect in the background: transport failures are retried with
        backoff (``reconnecting`` events); an authentication failure is final and
        fails every waiting subscription."""
        self._spawn(self._connect_then_run())

    def _spawn(self, reader: Coroutine[Any, Any, None]) -> None:
        name = self.endpoint.value
        self._reader = asyncio.create_task(reader, name=f"weex_events: {name} reader")
        self._writer = asyncio.create_task(
            self._commands.write(lambda: self._transport),
            name=f"weex_events: {name} writer",
        )

    async def _connect_then_run(self) -> None:
        try:
            self._transport = await self._opener()
        except (AuthenticationError, WeexConnectionError) as exc:
            if not self._retryable(exc):
                self._give_up(exc)
                return
            if not await self._reconnect(exc.reason, event="connected"):
                return
        else:
            self._connected_at = self._monotonic()
            self._emit_lifecycle("connected")
            self._commands.new_socket()
        await self._run()

    def _give_up(self, exc: WeexError) -> None:
        self._fatal = exc
        self._sink.emit("error", ErrorEvent("connection", str(exc), exception=exc))
        self._commands.fail_waiters(exc)
        self._sink.connection_failed(list(self._table.desired), exc)
        log.error("%s: %s; not reconnecting", self.endpoint, exc)

    async def close(self) -> None:
        """Close the socket and end both tasks; idempotent, never raises."""
        self._closing = True
        tasks = [t for t in (self._reader, self._writer) if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._transport is not None:
            await self._transport.close()
            self._transport = None
        self._commands.fail_waiters(ClientClosedError())

    # -- channels ------------------------------------------------------------------

    def add(self, channel: Channel) -> None:
        """Carry ``channel`` here: subscribe now, and again after reconnects."""
        self._commands.add(channel)

    def remove(self, channel: Channel) -> None:
        """Stop carrying ``channel``; unsubscribes if the server had accepted it."""
        self._commands.remove(channel)

    def resubscribe(self, channel: Channel) -> None:
        """Ask the server for a fresh snapshot of ``channel`` (book resync)."""
        self._commands.resubscribe(channel)

    async def wait_active(self, channel: Channel, timeout: float) -> None:
        """Wait until the server acknowledged ``channel``.

        Raises:
            SubscriptionError: the server rejected it.
            AuthenticationError: the endpoint's credentials were refused.
            TimeoutError: no answer within ``timeout`` seconds (the channel stays
                desired and is retried on reconnect).
        """
        await self._commands.wait_active(channel, timeout, self._fatal)

    # -- reader --------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._closing:
            transport = self._transport
            assert transport is not None
            try:
                await self._read(transport)
            except TransportClosed as closed:
                code, reason = closed.code, closed.reason
                if closed.oversized:
                    self._oversized(reason)
            if self._closing:
                return
            await transport.close()
            self._transport = None
            self._sink.connection_reset(list(self._table.desired))
            self._emit_lifecycle("disconnected", reason=reason, close_code=code)
            if not await self._reconnect(reason):
                return

    async def _reconnect(self, reason: str, *, event: str = "reconnected") -> bool:
        healthy = self._monotonic() - self._connected_at >= self._reset_after
        if healthy or self._delays is None:
            self._delays = self._backoff_factory()
            self._attempt = 0
        while not self._closing:
            self._attempt += 1
            delay = next(self._delays)
            self._emit_lifecycle("reconnecting", reason=reason, delay=delay)
            await self._sleep(delay)
            try:
                self._transport = await self._opener()
            except (AuthenticationError, WeexConnectionError) as exc:
                if not self._retryable(exc):
                    self._give_up(exc)
                    return False
                reason = exc.reason
                failed = "%s: reconnect attempt %d failed: %s"
                log.info(failed, self.endpoint, self._attempt, reason)
                continue
            self._connected_at = self._monotonic()
            if event == "reconnected":
                self.reconnects += 1
            self._emit_lifecycle(event, reason=reason)
            self._commands.new_socket()
            return True
        return False

    async def _read(self, transport: Transport) -> None:
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
        tap = getattr(transport, "tap", None)  # recording on (weex_events.tap)
        while True:
            msg = await receive()
            self.frames += 1
            if msg[0] is not text:
                self._bad_frame(other(msg))  # or raises TransportClosed
                continue
            data = msg[1]
            now = clock()
            if tap is not None:
                tap(data, now, self._monotonic())  # the recorder's append
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
            if result.__class__ is list:
                if result:
                    # A cheap running mean for stats.latency: exact over the
                    # first 1,000 frames, then weighted 1/1000 (n stops there).
                    n = self._latency_n
                    if n < 1000:
                        self._latency_n = n = n + 1
                    self._latency += (now - result[0].timestamp - self._latency) / n
                for item in result:
                    deliver(item)
            elif result.__class__ is DepthUpdate:
                deliver_depth(result)
            else:
                await self._control(result, transport)

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

    def _oversized(self, reason: str) -> None:
        # The transport refused the frame from its header (nothing buffered);
        # the socket is lost with it, so a reconnect follows.
        self.decode_errors += 1
        self._sink.emit("error", ErrorEvent("decode", reason))
        log.warning("%s: %s; reconnecting", self.endpoint, reason)

    async def _control(self, item: object, transport: Transport) -> None:
        if isinstance(item, ServerPing):
            # WEEX-WS.md §1.3: answer every server ping in the protocol's format.
            pong = self._codec.encode_pong(item, self._table.next_id())
            with contextlib.suppress(TransportClosed):  # receive() reports the loss
                await transport.send(pong)
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

    def _emit_lifecycle(
        self,
        event: str,
        *,
        reason: str | None = None,
        delay: float | None = None,
        close_code: int | None = None,
    ) -> None:
        attempt = self._attempt if event != "connected" else 0
        log.info(
            "%s %s%s%s",
            self.endpoint,
            event,
            f": {reason}" if reason else "",
            f" (next attempt in {delay:.2f} s)" if delay is not None else "",
        )
        self._sink.emit(
            event,
            ConnectionEvent(
                event, self.endpoint, self.url, reason, delay, attempt, close_code
            ),
        )
