"""What ``weex-events tail`` prints, and the errors a command reports.

:func:`check_events` validates event names; :func:`json_line` turns a message or
a lifecycle payload into one JSON line; :class:`CommandError` is a failure that
:func:`weex_events.cli.main` prints as one line with an exit status.

Imports: ``errors``, ``events``, orjson.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ..errors import ConfigError
from ..events import (
    LIFECYCLE_EVENTS,
    MARKET_KINDS,
    PRIVATE_KINDS,
    ErrorEvent,
    ResyncEvent,
    SlowConsumerEvent,
    StaleEvent,
    StreamMessage,
    split_event,
)

__all__ = ["CommandError", "check_events", "json_line"]

_LIFECYCLE_TYPES: Mapping[type, str] = {
    ErrorEvent: "error",
    ResyncEvent: "resync",
    SlowConsumerEvent: "slow_consumer",
    StaleEvent: "stale",
}


class CommandError(Exception):
    """A failure reported as one line on stderr with exit status ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def check_events(events: Sequence[str]) -> list[str]:
    """Validate ``tail`` event names; market kinds must name a symbol.

    Raises:
        ConfigError: an unknown kind, a bad name, or a bare market kind.
    """
    known = sorted(MARKET_KINDS | PRIVATE_KINDS | LIFECYCLE_EVENTS)
    for event in events:
        kind, symbol = split_event(event)
        if kind not in known:
            raise ConfigError("event", f"unknown event {event!r}; known: {known}")
        if kind in MARKET_KINDS and symbol is None:
            raise ConfigError("event", f"{kind!r} needs a symbol, e.g. {kind}:BTCUSDT")
        if kind in LIFECYCLE_EVENTS and symbol is not None:
            raise ConfigError("event", f"{kind!r} takes no symbol")
    return list(events)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, BaseException):
        return f"{type(obj).__name__}: {obj}"
    return str(obj)  # Decimal, Channel (a NamedTuple orjson refuses), anything else


def _payload_data(payload: Any) -> Any:
    if not dataclasses.is_dataclass(payload):
        return payload
    # Shallow on purpose: asdict() would deep-copy exceptions (ErrorEvent).
    data = {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}
    return {k: str(v) if isinstance(v, tuple) else v for k, v in data.items()}


def json_line(item: Any, now: float) -> bytes:
    """One JSON line for a :class:`StreamMessage` or a lifecycle payload.

    Keys: ``event kind symbol timestamp received_at data``. Lifecycle payloads
    are timestamped ``now`` and their fields become ``data``.
    """
    if isinstance(item, StreamMessage):
        record = {
            "event": item.event,
            "kind": item.kind,
            "symbol": item.symbol,
            "timestamp": item.timestamp,
            "received_at": item.received_at,
            "data": item.data,
        }
    else:
        # ConnectionEvent and SubscriptionEvent say which event they are; the
        # others are one event per payload type.
        name = _LIFECYCLE_TYPES.get(type(item)) or getattr(item, "event", "?")
        channel = getattr(item, "channel", None)
        symbol = getattr(item, "symbol", None) or getattr(channel, "symbol", None)
        record = {
            "event": name,
            "kind": name,
            "symbol": symbol,
            "timestamp": now,
            "received_at": now,
            "data": _payload_data(item),
        }
    return orjson.dumps(record, default=_json_default) + b"\n"
