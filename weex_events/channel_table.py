"""One connection's subscription bookkeeping: what is wanted, what was sent on the
current socket, and what the server answered.

Pure (no asyncio, no clock: callers pass ``now``), so the rules that keep the SDK
out of trouble with WEEX are decided here and tested without a socket:

* one channel per command, so a rejection always names exactly one channel;
* an UNSUBSCRIBE only for a channel subscribed on the current socket, so the SDK
  never sends a command the server would reject;
* a rejected channel is never sent again (WEEX-WS.md §1.4: six rejected commands
  close the socket with 1007);
* at most ``max_ops_per_hour`` commands per rolling hour and socket (§1.1).

Imports: ``events``, ``protocol``.
"""

from __future__ import annotations

import collections
import enum
from collections.abc import Callable
from dataclasses import dataclass

from .events import Channel
from .protocol import Reply

__all__ = ["Answer", "ChannelState", "ChannelTable", "Command"]

HOUR = 3600.0


class ChannelState(enum.Enum):
    """The server-side state of one wanted channel on one connection."""

    PENDING = "pending"
    ACTIVE = "active"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Command:
    """A SUBSCRIBE or UNSUBSCRIBE to send now."""

    action: str  # "subscribe" or "unsubscribe"
    channel: Channel
    param: str
    req_id: int


@dataclass(frozen=True, slots=True)
class Answer:
    """What a server reply meant.

    ``event`` is ``subscribed``, ``unsubscribed``, ``subscription_failed``, or
    ``rejected`` for a reject that matches no command of ours (``channel`` and
    ``param`` are then ``None``).
    """

    event: str
    channel: Channel | None = None
    param: str | None = None
    reason: str | None = None


class ChannelTable:
    """Wanted channels of one connection and the commands that serve them."""

    def __init__(
        self, param_of: Callable[[Channel], str], max_ops_per_hour: int
    ) -> None:
        self._param_of = param_of
        self._max_ops = max_ops_per_hour
        self.desired: dict[Channel, str] = {}
        self.state: dict[Channel, ChannelState] = {}
        self.failures: dict[Channel, str] = {}
        self.rejections = 0
        self._req_id = 0
        self._outbox: collections.deque[tuple[str, Channel]] = collections.deque()
        self._pending: dict[int | str, tuple[str, Channel]] = {}
        self._on_server: set[Channel] = set()
        self._ops: collections.deque[float] = collections.deque()

    def next_id(self) -> int:
        """A fresh request id (commands, pings and pongs share the sequence)."""
        self._req_id += 1
        return self._req_id

    # -- what the client wants -------------------------------------------------------

    def add(self, channel: Channel) -> bool:
        """Want ``channel``; ``True`` if a command was queued."""
        if channel in self.desired:
            return False
        self.desired[channel] = self._param_of(channel)
        self.state[channel] = ChannelState.PENDING
        self._outbox.append(("subscribe", channel))
        return True

    def remove(self, channel: Channel) -> bool:
        """Stop wanting ``channel``; ``True`` if an unsubscribe may be needed."""
        self.desired.pop(channel, None)
        state = self.state.pop(channel, None)
        self.failures.pop(channel, None)
        if state is None or state is ChannelState.FAILED:
            return False
        self._outbox.append(("unsubscribe", channel))  # dropped if never sent
        return True

    def resubscribe(self, channel: Channel) -> bool:
        """Ask again for an active channel (a fresh book snapshot)."""
        if self.state.get(channel) is not ChannelState.ACTIVE:
            return False
        self.state[channel] = ChannelState.PENDING
        self._outbox.append(("unsubscribe", channel))
        self._outbox.append(("subscribe", channel))
        return True

    def new_socket(self) -> None:
        """A new socket: nothing is subscribed on it, its budget is fresh, and
        every wanted channel the server did not reject is asked for again."""
        self._outbox.clear()
        self._pending.clear()
        self._on_server.clear()
        self._ops.clear()
        for channel in self.desired:
            if self.state.get(channel) is not ChannelState.FAILED:
                self.state[channel] = ChannelState.PENDING
                self._outbox.append(("subscribe", channel))

    # -- what to send ------------------------------------------------------------------

    def next_command(self, now: float) -> Command | float | None:
        """The next command to send (counted as sent), the seconds to wait
        before the hourly budget allows one, or ``None`` when there is nothing."""
        while self._outbox:
            ops = self._ops
            while ops and now - ops[0] >= HOUR:
                ops.popleft()
            if len(ops) >= self._max_ops:
                return HOUR - (now - ops[0])
            action, channel = self._outbox.popleft()
            if action == "subscribe":
                if channel not in self.desired or channel in self._on_server:
                    continue  # released before its turn, or a duplicate
                self._on_server.add(channel)
            elif channel in self._on_server:
                self._on_server.discard(channel)
            else:
                continue  # never subscribed on this socket: nothing to undo
            req_id = self.next_id()
            self._pending[req_id] = (action, channel)
            ops.append(now)
            return Command(action, channel, self._param_of(channel), req_id)
        return None

    # -- what the server said --------------------------------------------------------

    def answer(self, reply: Reply) -> Answer | None:
        """Apply a command reply; ``None`` when it needs no reaction."""
        pending = self._pending.pop(reply.id, None) if reply.id is not None else None
        if pending is None and reply.channel is not None:
            pending = self._pending_by_param(reply)
        if pending is None:
            if reply.ok:
                return None  # a PING/PONG ack, or a reply to a forgotten socket
            return Answer("rejected", reason=reply.message)
        action, channel = pending
        param = self._param_of(channel)
        if not reply.ok:
            self.rejections += 1
            self._on_server.discard(channel)
        if action == "unsubscribe":
            return Answer("unsubscribed", channel, param) if reply.ok else None
        if channel not in self.desired:
            return None  # released while the command was in flight
        if reply.ok:
            self.state[channel] = ChannelState.ACTIVE
            return Answer("subscribed", channel, param)
        reason = reply.message or "rejected"
        self.state[channel] = ChannelState.FAILED
        self.failures[channel] = reason
        return Answer("subscription_failed", channel, param, reason)

    def _pending_by_param(self, reply: Reply) -> tuple[str, Channel] | None:
        # V2 replies name the channel instead of echoing an id; the channel may
        # already be gone from `desired` (the reply to an unsubscribe).
        for req_id, (action, channel) in self._pending.items():
            if self._param_of(channel) == reply.channel and (
                reply.action is None or reply.action == action
            ):
                del self._pending[req_id]
                return action, channel
        return None
