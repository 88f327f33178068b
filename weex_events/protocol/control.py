"""Control frames: the greeting, server pings and command replies.

Everything a server sends that is not data, for both generations: V3 answers
commands by id and pings in two shapes (WEEX-WS.md §1.1, §1.3, §1.4); V2 answers
by channel and action (§2). Data pushes are decoded by the codecs themselves.

Every function raises only ``LookupError``, ``TypeError`` or ``ValueError`` on
bad input; the codecs turn those into :class:`~weex_events.errors.DecodeError`.

Imports: ``protocol`` (its control types), ``.numbers``.
"""

from __future__ import annotations

from typing import Any

from . import Decoded, Greeting, Reply, ServerPing, UnknownPush
from .numbers import to_int, to_text

__all__ = ["reply_id", "v2_control", "v3_control"]

# WEEX-WS.md §2: V2 acks name what they acknowledge.
_V2_ACTIONS = {"subscribed": "subscribe", "unsubscribed": "unsubscribe"}


def v3_control(msg: dict[str, Any]) -> Decoded:
    """A V3 object with no known push type ``e``.

    A reply, ping or greeting; an :class:`UnknownPush` for anything else (an
    unknown ``e`` gives its type, when it is a string).
    """
    kind = msg.get("e")
    if kind is not None:
        return UnknownPush(kind if type(kind) is str else "unknown", msg)
    if "result" in msg:
        return _v3_reply(msg)
    event = msg.get("event")
    if event == "ping":
        # WEEX-WS.md §1.3: public ping {"event":"ping","time":"<ms>"}.
        return ServerPing(_v3_ping_time(msg.get("time")), private=False)
    if event == "connected":
        # WEEX-WS.md §1.1: greeting {"cid":..,"event":"connected","time":"<ms>"}.
        cid, time = msg.get("cid"), msg.get("time")
        return Greeting(
            None if cid is None else str(cid),
            None if time is None else to_int(time),
        )
    if msg.get("type") == "ping":
        # WEEX-WS.md §1.3: private ping {"type":"ping","time":"<ms>"}.
        return ServerPing(_v3_ping_time(msg.get("time")), private=True)
    return UnknownPush("unknown", msg)


def _v3_reply(msg: dict[str, Any]) -> Reply:
    # WEEX-WS.md §1.4: ids are echoed as sent (int or numeric string); a
    # reject of an unparseable message has no id.
    ok = msg["result"]
    if type(ok) is not bool:
        raise TypeError("'result' is not a boolean")
    return Reply(reply_id(msg.get("id")), ok, _reply_text(msg))


def reply_id(value: Any) -> int | str | None:
    """A reply's id, matched by value: ``1`` and ``"1"`` are the same id.

    WEEX-WS.md §1.4: ids may come back as strings. The client sends integers,
    so a decimal-integer string is read as its integer; any other string is
    kept as it is (it matches nothing the client sent).
    """
    if value is None or type(value) is int:
        return value
    if type(value) is not str:
        raise TypeError("'id' is neither an integer nor a string")
    text = value.strip()
    if 0 < len(text) <= 20 and text.isascii() and text.isdigit():
        return int(text)
    return value


def _v3_ping_time(value: Any) -> str | None:
    """A ping's time as text; V3 never echoes it (§1.3)."""
    if value is None or type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise TypeError("ping 'time' is neither a string nor an integer")


def v2_control(event: Any, msg: dict[str, Any]) -> Decoded:
    """A V2 object whose ``event`` is not ``"payload"``.

    Acks become ``Reply(None, True, channel=.., action="subscribe"|"unsubscribe")``,
    errors ``Reply(None, False, msg, channel=..)``; anything else unknown is an
    :class:`UnknownPush`.
    """
    if event == "ping":
        # WEEX-WS.md §2: {"event":"ping","time":"<ms>"}, echoed in the pong.
        time = msg.get("time")
        if time is not None and type(time) is not str:
            time = str(to_int(time))
        return ServerPing(time, private=False)
    channel = msg.get("channel")
    if channel is not None:
        to_text(channel)
    action = _V2_ACTIONS.get(event) if type(event) is str else None
    if action is not None:
        return Reply(None, True, channel=channel, action=action)
    if event == "error":
        # WEEX-WS.md §2 [open]: {"event":"error","channel":..,"code":..,"msg":..}.
        return Reply(None, False, _reply_text(msg), channel)
    if event == "pong":
        # An answer to a client ping; it matches no pending command.
        return Reply(None, True, action="pong")
    return UnknownPush(event if type(event) is str else "unknown", msg)


def _reply_text(msg: dict[str, Any]) -> str | None:
    """A reply's ``msg`` as text, if any (both generations)."""
    text = msg.get("msg")
    return None if text is None else str(text)
