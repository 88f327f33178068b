"""One connection to a V2 endpoint (``/v2/ws/public``, ``/v2/ws/private``).

WEEX-WS.md §2: the connection rules of V3 (per-connection channel and operation
limits; close with 1007 after too many rejected commands, with 4000 after too many
unanswered pings; :class:`~weex_events.sim.connection.Connection`), but:

- no greeting on open (V2 documents none);
- commands carry one channel each, ``{"event":"subscribe"|"unsubscribe",
  "channel":..}``, and are answered by channel: ``{"event":"subscribed",..}``,
  ``{"event":"unsubscribed",..}`` or ``{"event":"error","channel":..,
  "code":"40020","msg":..}``; a frame that is no command gets the error without a
  channel;
- heartbeat: the server sends ``{"event":"ping","time":"<ms>"}`` every
  ``ping_interval`` (30 s by default for V2). Only a ``{"event":"pong","time":..}``
  echoing the time of a ping still outstanding answers; any other pong is ignored.
  A client's own ``{"event":"ping",..}`` gets ``{"event":"pong"}`` with its time
  echoed (the simulator's choice).

Public and private V2 connections differ only in their channels (``channels``).

Imports: stdlib and ``sim.connection``/``sim.subscriptions``/``sim.v2_frames``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from . import v2_frames
from .connection import ECHO, Connection
from .subscriptions import ChannelError

__all__ = ["UNRECOGNIZED", "V2Connection"]

#: Reply to a frame that is not a command (our words, V2 error shape).
UNRECOGNIZED = "unrecognized message : "


class V2Connection(Connection):
    """Server side of one V2 WebSocket, public or private."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Times of the pings still unanswered (the close comes before more pile up).
        self._ping_times: deque[str] = deque(
            maxlen=self._settings.max_unanswered_pings + 1
        )

    def _ping_frame(self) -> bytes:
        time = str(self._market.now_ms)
        self._ping_times.append(time)
        return v2_frames.ping(time)

    def _on_command(self, command: object, text: str) -> None:
        if not isinstance(command, dict) or not isinstance(command.get("event"), str):
            self._rejected(v2_frames.error(None, UNRECOGNIZED + text[:ECHO]))
            return
        event = command["event"]
        if event == "pong":
            self._pong(command.get("time"))
            return
        if event == "ping":
            self.send(v2_frames.pong(command.get("time")))
            return
        channel = command.get("channel")
        if event not in ("subscribe", "unsubscribe") or not isinstance(channel, str):
            named = channel if isinstance(channel, str) else None
            self._rejected(v2_frames.error(named, UNRECOGNIZED + text[:ECHO]))
            return
        try:
            subs = self._resolve([channel])
        except ChannelError as exc:
            self._rejected(v2_frames.error(channel, exc.msg))
            return
        subscribe = event == "subscribe"
        problem = self._over_limits(subscribe, subs)
        if problem:
            self._rejected(v2_frames.error(channel, problem))
            return
        if subscribe:
            self.send(v2_frames.subscribed(channel))
        else:
            self.send(v2_frames.unsubscribed(channel))
        self._apply(subscribe, subs)

    def _pong(self, time: object) -> None:
        # WEEX-WS.md §2: the pong echoes the ping's time (a string; ints tolerated).
        if isinstance(time, int) and not isinstance(time, bool):
            time = str(time)
        if isinstance(time, str) and time in self._ping_times:
            self._ping_times.clear()
            self.unanswered_pings = 0
