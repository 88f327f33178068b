"""One connection's outgoing frames: the writer task that sends them (keepalive
answers and subscription commands), and the server's answers to the commands.

:class:`Commands` owns the connection's
:class:`~weex_events.channel_table.ChannelTable` (the pure rules: one channel per
command, nothing the server would reject, WEEX's hourly operation budget), runs
the writer that sends what the table decides on, and turns replies into
``subscribed``/``subscription_failed`` events and into the answers that
``subscribe()`` and streams wait for.

The writer is the only code that sends on a connection's socket: the read loop
never awaits the peer. Keepalive answers (PONGs) wait in a bounded outbox and go
out before commands; every send has a deadline. A peer that does not take a
frame within that deadline, or lets the outbox fill, is not reading: the writer
reports it (``on_stall``) and the connection drops the socket and reconnects.

The channels a connection should carry (``desired``) survive reconnects: after a
reconnect every one the server did not reject is subscribed again; rejected ones
are never re-sent.

Imports: ``errors``, ``events``, ``protocol``, ``channel_table``, ``transport``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Any

from .channel_table import ChannelState, ChannelTable
from .errors import SubscriptionError
from .events import Channel, Endpoint, ErrorEvent, SubscriptionEvent
from .protocol import Codec, Reply
from .transport import Transport, TransportClosed

__all__ = ["OUTBOX_SIZE", "Commands"]

#: Keepalive answers that may wait for the writer. WEEX pings once a minute
#: (WEEX-WS.md §1.3): a full outbox means the peer has stopped reading.
OUTBOX_SIZE = 64

log = logging.getLogger("weex_events.connection")


class Commands:
    """Wanted channels of one connection, the commands that serve them, and
    the futures waiting for the server's answers.

    Args:
        codec: encodes commands and names channels.
        endpoint: for log lines.
        emit: where ``subscribed``, ``subscription_failed``… and protocol
            errors go.
        max_ops_per_hour: WEEX's per-connection operation budget (§1.1).
        monotonic: the clock of the hourly budget.
        send_timeout: seconds one frame may take to leave; past it the peer is
            not reading.
        on_stall: told why, once per socket, when the peer stopped reading.
    """

    def __init__(
        self,
        codec: Codec,
        *,
        endpoint: Endpoint,
        emit: Callable[[str, Any], None],
        max_ops_per_hour: int,
        monotonic: Callable[[], float],
        send_timeout: float = 15.0,
        on_stall: Callable[[str], None] = lambda reason: None,
    ) -> None:
        self._codec = codec
        self._send_timeout = send_timeout
        self._on_stall = on_stall
        self._outbox: collections.deque[str] = collections.deque()
        self._stalled = False
        self._socket = 0  # which socket the outbox and `_stalled` are about
        self._endpoint = endpoint
        self._emit = emit
        self._max_ops = max_ops_per_hour
        self._monotonic = monotonic
        self.table = ChannelTable(codec.channel_param, max_ops_per_hour)
        self._waiters: dict[Channel, list[asyncio.Future[None]]] = {}
        self._wake = asyncio.Event()

    # -- what is wanted --------------------------------------------------------------

    def add(self, channel: Channel) -> None:
        """Carry ``channel``: subscribe now, and again after reconnects."""
        if self.table.add(channel):
            self._wake.set()

    def remove(self, channel: Channel) -> None:
        """Stop carrying ``channel``; unsubscribes if the server had accepted it."""
        if self.table.remove(channel):
            self._wake.set()

    def resubscribe(self, channel: Channel) -> None:
        """Ask the server for a fresh snapshot of ``channel`` (book resync)."""
        if self.table.resubscribe(channel):
            self._wake.set()

    def new_socket(self) -> None:
        """A new socket: ask again for every channel the server did not reject."""
        self.table.new_socket()
        self._outbox.clear()  # answers to the old socket's pings
        self._stalled = False
        self._socket += 1
        self._wake.set()

    def send_soon(self, text: str) -> None:
        """Queue a keepalive answer; it goes out before any command. Never
        waits: a full outbox means the peer stopped reading (``on_stall``)."""
        if len(self._outbox) >= OUTBOX_SIZE:
            self._stall(f"peer not reading: {OUTBOX_SIZE} keepalive answers unsent")
            return
        self._outbox.append(text)
        self._wake.set()

    def _stall(self, reason: str) -> None:
        if not self._stalled:
            self._stalled = True
            self._outbox.clear()
            self._on_stall(reason)

    async def _send(self, transport: Transport, text: str) -> bool:
        """Send one frame within the deadline; ``False`` if the socket is gone
        or the peer did not take it in time."""
        socket = self._socket
        try:
            async with asyncio.timeout(self._send_timeout):
                await transport.send(text)
        except TransportClosed:
            return False  # the reader reconnects and asks for everything again
        except TimeoutError:
            if socket != self._socket:
                return False  # an old socket, already replaced
            self._stall(
                f"peer not reading: a frame could not be sent within "
                f"{self._send_timeout:g} s"
            )
            return False
        return True

    async def wait_active(
        self, channel: Channel, timeout: float, fatal: BaseException | None
    ) -> None:
        """Wait until the server acknowledged ``channel``.

        Raises:
            SubscriptionError: the server rejected it.
            BaseException: ``fatal``, the error the connection gave up with.
            TimeoutError: no answer within ``timeout`` seconds.
        """
        table = self.table
        state = table.state.get(channel)
        if state is ChannelState.ACTIVE:
            return
        if state is ChannelState.FAILED:
            raise SubscriptionError(table.desired[channel], table.failures[channel])
        if fatal is not None:
            raise fatal
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(channel, []).append(fut)
        async with asyncio.timeout(timeout):
            await fut

    # -- the writer ------------------------------------------------------------------

    async def write(self, transport: Callable[[], Transport | None]) -> None:
        """The writer task: send keepalive answers, then what the table decides
        on, on the current socket (``transport()``), paced under the hourly
        budget. Runs until cancelled; a closed or stalled socket waits for the
        next one."""
        table = self.table
        codec = self._codec
        outbox = self._outbox
        while True:
            await self._wake.wait()
            self._wake.clear()
            while (
                (current := transport()) is not None
                and not current.closed
                and not self._stalled
            ):
                if outbox:
                    if not await self._send(current, outbox.popleft()):
                        break
                    continue
                step = table.next_command(self._monotonic())
                if step is None:
                    break
                if isinstance(step, float):
                    log.warning(
                        "%s: WEEX allows %d subscribe/unsubscribe operations an "
                        "hour per connection; waiting %.0f s",
                        self._endpoint,
                        self._max_ops,
                        step,
                    )
                    await self._pause(step)
                    continue
                encode = (
                    codec.encode_subscribe
                    if step.action == "subscribe"
                    else codec.encode_unsubscribe
                )
                if not await self._send(current, encode([step.param], step.req_id)):
                    break
                log.debug(
                    "%s %s %s (id %s)",
                    self._endpoint,
                    step.action,
                    step.param,
                    step.req_id,
                )

    async def _pause(self, seconds: float) -> None:
        """Wait out the hourly budget, still answering keepalive pings."""
        try:
            async with asyncio.timeout(seconds):
                while not self._outbox:
                    self._wake.clear()
                    await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.set()

    # -- what the server said ----------------------------------------------------------

    def reply(self, reply: Reply) -> None:
        """Apply a command reply: events, and the answers waiters get."""
        answer = self.table.answer(reply)
        if answer is None:
            return
        event, channel, param = answer.event, answer.channel, answer.param
        if event == "rejected":
            msg = f"server rejected a command: {answer.reason}"
            log.warning("%s: %s", self._endpoint, msg)
            self._emit("error", ErrorEvent("protocol", msg))
            return
        assert channel is not None and param is not None
        if event == "subscribed":
            self._resolve(channel, None)
        elif event == "subscription_failed":
            reason = answer.reason or "rejected"
            log.warning(
                "%s: subscription %s rejected: %s", self._endpoint, param, reason
            )
            self._resolve(channel, SubscriptionError(param, reason))
        self._emit(event, SubscriptionEvent(event, channel, param, answer.reason))

    def _resolve(self, channel: Channel, exc: BaseException | None) -> None:
        for fut in self._waiters.pop(channel, ()):
            if not fut.done():
                if exc is None:
                    fut.set_result(None)
                else:
                    fut.set_exception(exc)

    def fail_waiters(self, exc: BaseException) -> None:
        """Every pending wait raises ``exc``."""
        for channel in list(self._waiters):
            self._resolve(channel, exc)
