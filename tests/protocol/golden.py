"""WEEX's golden frames and the decode helpers the codec tests share.

The frames are WEEX's published examples, copied to ``tests/frames/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from weex_events.events import StreamMessage
from weex_events.protocol import Codec

FRAMES = Path(__file__).resolve().parent.parent / "frames"
#: The receive time the tests decode with.
NOW = 1_700_000_000.5

# What a client sends or reads over REST, not what a WebSocket server pushes.
_NOT_SERVER_FRAMES = ("-request", "-pong", "-rest-")


def server_frames(generation: str) -> list[str]:
    """Names of the ``"v3"`` or ``"v2"`` frames a server sends, sorted."""
    return sorted(
        p.name
        for p in FRAMES.glob(f"*{generation}-*.json")
        if not any(part in p.name for part in _NOT_SERVER_FRAMES)
    )


def load(name: str) -> bytes:
    """A golden frame's bytes."""
    return (FRAMES / name).read_bytes()


def golden(generation: str) -> list[Any]:
    """The ``"v3"`` or ``"v2"`` server frames, parsed."""
    return [orjson.loads(load(name)) for name in server_frames(generation)]


def dumps(obj: Any) -> bytes:
    """A frame built in a test, as the bytes a server would send."""
    return orjson.dumps(obj)


def messages(codec: Codec, frame: str | bytes) -> list[StreamMessage]:
    """The messages ``frame`` decodes to (it must decode to messages)."""
    result = codec.decode(frame, NOW)
    assert isinstance(result, list)
    return result


def one(codec: Codec, frame: str | bytes) -> StreamMessage:
    """The one message ``frame`` decodes to."""
    result = messages(codec, frame)
    assert len(result) == 1
    return result[0]
