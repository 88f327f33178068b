"""The two WEEX generations the simulator speaks, V3 and V2, as data.

A :class:`Generation` names what differs between them on the WebSocket endpoints:
the paths, the connection class (greeting, heartbeat, command envelope), how channel
names read and pushes are spelled, and the body of a refused private handshake.
Everything else (handshake checks, registry, publishing, delivery) is the same code,
``sim.endpoint``, for both.

Imports: stdlib and ``sim.accounts``/``sim.channels``/``sim.connection``/
``sim.frames``/``sim.private_events``/``sim.private_frames``/``sim.subscriptions``/
``sim.v2_channels``/``sim.v2_connection``/``sim.v2_frames``/``sim.v3_connection``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from . import channels, frames, private_frames, v2_channels, v2_frames
from .accounts import BAD_CREDENTIALS, BAD_TIMESTAMP, MISSING_HEADER, AuthFailure
from .connection import Connection
from .private_events import CHANNELS, PrivateEvent
from .subscriptions import Pushes, Subscription, private_channel
from .v2_connection import V2Connection
from .v3_connection import V3Connection

__all__ = ["V2", "V3", "Generation"]


@dataclass(frozen=True, slots=True)
class Generation:
    """What one WEEX generation's WebSocket endpoints need to know.

    Attributes:
        public_path: route of the public endpoint.
        private_path: route of the private endpoint; the handshake signs it.
        connection: the server side of one connection.
        pushes: encoder of the market pushes.
        public_channel: the subscription a public param names, given the symbols.
        private_channel: the subscription a private param names.
        private_push: encoder of a paper-exchange event.
        auth_refusal: the HTTP body refusing a private handshake, given the
            failure and the simulated time in ms.
    """

    public_path: str
    private_path: str
    connection: type[Connection]
    pushes: Pushes
    public_channel: Callable[[str, Collection[str]], Subscription]
    private_channel: Callable[[str], Subscription]
    private_push: Callable[[PrivateEvent], bytes]
    auth_refusal: Callable[[AuthFailure, int], dict[str, Any]]


def _v3_private_channel(name: str) -> Subscription:
    # WEEX-WS.md §1.6: the bare names; §1.4: anything else rejects the command.
    return private_channel(name, CHANNELS, channels.INVALID_EVENT)


def _v3_refusal(exc: AuthFailure, now_ms: int) -> dict[str, Any]:
    # WEEX-WS.md §1.2 [open]: the simulator refuses with HTTP 401 + body.
    return frames.rest_error(exc.code, exc.msg)


def _v2_private_channel(name: str) -> Subscription:
    return private_channel(
        name, v2_channels.PRIVATE_CHANNELS, v2_channels.INVALID_CHANNEL
    )


#: V2's codes for the handshake failures of ``sim.accounts`` (inside WEEX-WS.md §3's
#: 40001..40012; the split is ours).
_V2_AUTH_CODES = {
    MISSING_HEADER: "40001",
    BAD_TIMESTAMP: "40008",
    BAD_CREDENTIALS: "40009",
}


def _v2_refusal(exc: AuthFailure, now_ms: int) -> dict[str, Any]:
    code = _V2_AUTH_CODES.get(exc.code, "40009")
    return v2_frames.rest_error(code, exc.msg, now_ms)


#: WEEX-WS.md §1: the current generation.
V3 = Generation(
    public_path="/v3/ws/public",
    private_path="/v3/ws/private",
    connection=V3Connection,
    pushes=channels.PUSHES,
    public_channel=channels.channel,
    private_channel=_v3_private_channel,
    private_push=private_frames.push,
    auth_refusal=_v3_refusal,
)

#: WEEX-WS.md §2: the legacy generation.
V2 = Generation(
    public_path="/v2/ws/public",
    private_path="/v2/ws/private",
    connection=V2Connection,
    pushes=v2_channels.PUSHES,
    public_channel=v2_channels.channel,
    private_channel=_v2_private_channel,
    private_push=v2_frames.private_push,
    auth_refusal=_v2_refusal,
)
