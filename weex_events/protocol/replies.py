"""What a WEEX server answers to the client's commands, and which received frames
are such answers (WEEX-WS.md §1.4 for V3, §2 for V2). Pure: text in, text out.

A replay (:mod:`weex_events.replay`) answers the replaying client's commands
itself and skips the recorded answers, which answered the recorded client's
commands (whose ids may differ).

Imports: stdlib only.
"""

from __future__ import annotations

import json

__all__ = ["answer", "is_reply", "is_subscribe"]


def _object(text: str) -> dict[str, object] | None:
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def is_reply(frame: str, protocol: str) -> bool:
    """Whether a received ``frame`` answers a command (WEEX-WS.md §1.4, §2)."""
    if protocol == "v2":
        if '"event"' not in frame:
            return False
        doc = _object(frame)
        return doc is not None and doc.get("event") in (
            "subscribed",
            "unsubscribed",
            "error",
        )
    if '"result"' not in frame:
        return False
    doc = _object(frame)
    return doc is not None and "result" in doc and "e" not in doc


def is_subscribe(frame: str, protocol: str) -> bool:
    """Whether a sent ``frame`` is a subscribe command."""
    if "ubscribe" not in frame and "UBSCRIBE" not in frame:
        return False
    doc = _object(frame)
    if doc is None:
        return False
    if protocol == "v2":
        return doc.get("event") == "subscribe"
    return doc.get("method") == "SUBSCRIBE"


def answer(command: str, protocol: str) -> str | None:
    """The server's acknowledgement of a sent ``command`` (``None``: none due)."""
    doc = _object(command)
    if doc is None:
        return None
    if protocol == "v2":
        event = doc.get("event")
        if event not in ("subscribe", "unsubscribe"):
            return None
        return json.dumps({"event": f"{event}d", "channel": doc.get("channel")})
    if doc.get("method") not in ("SUBSCRIBE", "UNSUBSCRIBE"):
        return None
    return json.dumps({"result": True, "id": doc.get("id")})
