"""One endpoint's life: reader, writer, reconnect, resubscribe.

A :class:`Connection` owns one :class:`~weex_events.transport.Transport` at a time
and two tasks: the *reader* (:class:`~weex_events.reader.Reader`: decodes frames
and hands them to a :class:`Sink`, never awaiting user code nor the peer;
reconnects on any transport failure) and the *writer*
(:class:`~weex_events.commands.Commands`: the only code that sends, keepalive
answers first, then what its :class:`~weex_events.channel_table.ChannelTable`
decides on, one channel per command, paced under WEEX's per-connection operation
limit, each frame under a send deadline).

Whether to reconnect, and after which delay, is one pure decision
(:class:`~weex_events.reconnect.ReconnectPolicy`) for failed opens and drops alike.

Imports: ``errors``, ``events``, ``protocol``, ``channel_table``, ``transport``,
``commands``, ``backoff``, ``reconnect``, ``reader``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from .backoff import Backoff, is_retryable
from .channel_table import ChannelState
from .commands import Commands
from .errors import (
    AuthenticationError,
    ClientClosedError,
    WeexConnectionError,
    WeexError,
)
from .events import Channel, ConnectionEvent, Endpoint, ErrorEvent
from .protocol import Codec
from .reader import Reader, Sink
from .reconnect import GiveUp, ReconnectPolicy
from .transport import Transport, TransportClosed

__all__ = ["ChannelState", "Connection", "Sink"]

log = logging.getLogger("weex_events.connection")

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
        send_timeout: float = 15.0,
        slow_handler: float = 0.1,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        on_greeting: Callable[[int, float], None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.url = url
        self._opener = opener
        self._sink = sink
        self._policy = ReconnectPolicy(
            backoff_factory, retryable=retryable, reset_after=reset_after
        )
        # The socket this connection dropped on purpose, and why.
        self._dropped: tuple[Transport, str] | None = None
        self._sleep = sleep
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
            send_timeout=send_timeout,
            on_stall=self.restart,
        )
        self._table = self._commands.table
        self._frames = Reader(
            endpoint=endpoint,
            codec=codec,
            sink=sink,
            commands=self._commands,
            clock=clock,
            monotonic=monotonic,
            max_frame_size=max_frame_size,
            slow_handler=slow_handler,
            on_greeting=on_greeting,
        )
        self.reconnects = 0
        self._connected_at = 0.0
        self._attempt = 0

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
        return self._frames.latency

    @property
    def frames(self) -> int:
        """Frames received on this connection (all sockets)."""
        return self._frames.frames

    @property
    def decode_errors(self) -> int:
        """Frames refused as undecodable (all sockets)."""
        return self._frames.decode_errors

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
            if not await self._reconnect(exc, event="connected"):
                return
        else:
            self._connected_at = self._monotonic()
            self._emit_lifecycle("connected")
            self._commands.new_socket()
        await self._run()

    def _give_up(self, exc: BaseException) -> None:
        if not isinstance(exc, WeexError):
            exc = WeexConnectionError(self.endpoint.value, str(exc))
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

    def restart(self, reason: str) -> None:
        """Drop the current socket now and reconnect; ``disconnected`` gives
        ``reason``. Used when the peer stopped reading, or a book never got
        its snapshot."""
        transport = self._transport
        if transport is None or transport.closed or self._closing:
            return
        self._dropped = (transport, reason)
        log.warning("%s: %s; dropping the connection", self.endpoint, reason)
        transport.abort()

    async def _run(self) -> None:
        while not self._closing:
            transport = self._transport
            assert transport is not None
            try:
                await self._frames.read(transport)
            except TransportClosed as closed:
                code, reason = closed.code, closed.reason
                if closed.oversized:
                    self._frames.oversized(reason)
            if self._closing:
                return
            dropped = self._dropped
            if dropped is not None and dropped[0] is transport:
                code, reason = 1006, dropped[1]
            self._dropped = None
            await transport.close()
            self._transport = None
            self._sink.connection_reset(list(self._table.desired))
            self._emit_lifecycle("disconnected", reason=reason, close_code=code)
            failure = WeexConnectionError(self.endpoint.value, reason, close_code=code)
            up_for = self._monotonic() - self._connected_at
            if not await self._reconnect(failure, up_for=up_for):
                return

    async def _reconnect(
        self,
        failure: BaseException,
        *,
        event: str = "reconnected",
        up_for: float | None = None,
    ) -> bool:
        """Retry until a socket opens (``True``) or the policy gives up."""
        policy = self._policy
        if up_for is not None:
            decision = policy.after_drop(failure, up_for)
        else:
            decision = policy.after_failure(failure)
        while not self._closing:
            if isinstance(decision, GiveUp):
                self._give_up(decision.failure)
                return False
            reason = getattr(failure, "reason", None) or str(failure)
            self._attempt = decision.attempt
            delay = decision.delay
            self._emit_lifecycle("reconnecting", reason=reason, delay=delay)
            await self._sleep(delay)
            try:
                self._transport = await self._opener()
            except (AuthenticationError, WeexConnectionError) as exc:
                failure = exc
                failed = "%s: reconnect attempt %d failed: %s"
                log.info(failed, self.endpoint, self._attempt, exc)
                decision = policy.after_failure(exc)
                continue
            self._connected_at = self._monotonic()
            if event == "reconnected":
                self.reconnects += 1
            self._emit_lifecycle(event, reason=reason)
            self._commands.new_socket()
            return True
        return False

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
