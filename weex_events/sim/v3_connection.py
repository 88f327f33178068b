"""One connection to a V3 endpoint (``/v3/ws/public``, ``/v3/ws/private``).

What V3 adds to :class:`~weex_events.sim.connection.Connection`: the greeting on
open (WEEX-WS.md §1.1 [live]) and the command envelope of §1.4,
``{"method":..,"params":[..],"id":..}``, answered ``{"result":true,"id":..}`` or
``{"result":false,"id":..,"msg":..}`` (a frame that is no command gets the reply
without an id). One bad param rejects the whole command; the ack comes before any
snapshot. Heartbeat (§1.3):

- public: server pings are ``{"event":"ping","time":"<ms>"}``; the client's
  ``PONG`` answers them and, like its ``PING``, is acknowledged;
- private: server pings are ``{"type":"ping","time":"<ms>"}`` and a ``PONG`` gets
  no reply (WEEX-WS.md §1.3 [code]); a ``PING`` is acknowledged.

Imports: stdlib and ``sim.connection``/``sim.frames``/``sim.private_frames``/
``sim.subscriptions``.
"""

from __future__ import annotations

from . import frames, private_frames
from .connection import ECHO, Connection
from .subscriptions import ChannelError

__all__ = ["V3Connection"]


class V3Connection(Connection):
    """Server side of one V3 WebSocket, public or private."""

    def _greeting_frame(self) -> bytes | None:
        # WEEX-WS.md §1.1 [live]: the V3 greeting comes unprompted on open.
        return frames.greeting(self.cid, self._market.now_ms)

    def _ping_frame(self) -> bytes:
        if self.api_key is None:
            return frames.ping(self._market.now_ms)
        return private_frames.ping(self._market.now_ms)

    def _on_command(self, command: object, text: str) -> None:
        if not isinstance(command, dict) or not isinstance(command.get("method"), str):
            self._rejected(frames.unrecognized(text[:ECHO]))
            return
        command_id = command.get("id")
        method = command["method"].upper()
        if method == "PONG":
            # WEEX-WS.md §1.3: the client's PONG answers our pings; the private
            # endpoint does not reply to it ([code]).
            self.unanswered_pings = 0
            if self.api_key is None:
                self.send(frames.ack(command_id))
            return
        if method == "PING":
            self.send(frames.ack(command_id))
            return
        params = command.get("params")
        if (
            method not in ("SUBSCRIBE", "UNSUBSCRIBE")
            or not isinstance(params, list)
            or not params
            or not all(isinstance(p, str) for p in params)
        ):
            self._rejected(frames.reject(command_id, frames.UNRECOGNIZED + text[:ECHO]))
            return
        try:
            subs = self._resolve(params)
        except ChannelError as exc:
            # WEEX-WS.md §1.4: one bad param rejects the whole command.
            self._rejected(frames.reject(command_id, exc.msg))
            return
        subscribe = method == "SUBSCRIBE"
        problem = self._over_limits(subscribe, subs)
        if problem:
            self._rejected(frames.reject(command_id, problem))
            return
        self.send(frames.ack(command_id))
        self._apply(subscribe, subs)
