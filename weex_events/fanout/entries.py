"""Stream entries: key names, entry fields and entry ids of DESIGN §7 (pure).

Everything the publisher and the subscriber must agree on lives here: where an
event goes (:func:`market_key`, :func:`private_key`, :func:`events_key`), how a
:class:`~weex_events.StreamMessage` becomes entry fields and back
(:func:`encode`, :func:`decode`), and the arithmetic of Redis entry ids
(``"<ms>-<seq>"``) used to start reading from an id or a time and to number
private entries. Nothing here does I/O or reads the clock: callers pass ``now``.

Imports: ``errors``, ``events``, orjson.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from ..errors import ConfigError
from ..events import PRIVATE_KINDS, Channel, StreamMessage, split_event

__all__ = [
    "MAX_SEQ",
    "EntryId",
    "account_id",
    "channel_key",
    "decode",
    "encode",
    "entry_id",
    "events_key",
    "format_id",
    "id_before",
    "lifecycle_fields",
    "market_key",
    "parse_id",
    "private_key",
    "start_id",
]

#: The largest sequence number of a Redis entry id (an unsigned 64-bit integer).
MAX_SEQ = 2**64 - 1

EntryId = tuple[int, int]
"""A parsed entry id: ``(milliseconds, sequence)``."""


def account_id(api_key: str) -> str:
    """A short, stable name for an account: 12 hex digits of SHA-256 of the key.

    The API key itself never appears in a key name (it would be readable by
    anyone who can list the server's keys).
    """
    return hashlib.sha256(api_key.encode()).hexdigest()[:12]


def market_key(prefix: str, market: str, kind: str, symbol: str) -> str:
    """``weex:contract:ticker:BTCUSDT``: one stream per market kind and symbol."""
    return f"{prefix}:{market}:{kind}:{symbol}"


def private_key(prefix: str, market: str, account: str) -> str:
    """``weex:contract:private:<account>``: every private event of one account."""
    return f"{prefix}:{market}:private:{account}"


def events_key(prefix: str, market: str) -> str:
    """``weex:contract:events``: the publishing client's lifecycle events."""
    return f"{prefix}:{market}:events"


def channel_key(channel: Channel, prefix: str, market: str, account: str | None) -> str:
    """The stream a subscriber reads for ``channel``.

    Raises:
        ConfigError: a private channel and no ``account``.
    """
    if channel.kind in PRIVATE_KINDS:
        if account is None:
            raise ConfigError(
                "account", f"private event {channel.kind!r} needs an account"
            )
        return private_key(prefix, market, account)
    return market_key(prefix, market, channel.kind, channel.symbol or "")


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    raise TypeError(f"cannot encode {type(obj).__name__}")


def encode(msg: StreamMessage, *, private: bool = False) -> dict[str, bytes]:
    """The entry fields of ``msg``: ``event ts recv data`` (+ ``recovered``).

    ``data`` is the normalized ``data`` as JSON; ``Decimal`` numbers become
    their exact text, as with the default ``number_type``.
    """
    fields = {
        "event": msg.event.encode(),
        "ts": repr(msg.timestamp).encode(),
        "recv": repr(msg.received_at).encode(),
        "data": orjson.dumps(msg.data, default=_default),
    }
    if private:
        fields["recovered"] = b"1" if getattr(msg, "recovered", False) else b"0"
    return fields


def lifecycle_fields(event: str, payload: Any, now: float) -> dict[str, bytes]:
    """The entry fields of a lifecycle event (``connected``, ``resync``…).

    ``data`` holds the payload's fields as JSON (enums and exceptions as text;
    tracebacks left out); ``ts`` and ``recv`` are both ``now``.
    """
    data = (
        {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}
        if dataclasses.is_dataclass(payload)
        else {"value": payload}
    )
    data.pop("traceback", None)
    text = orjson.dumps(data, default=str)
    stamp = repr(now).encode()
    return {"event": event.encode(), "ts": stamp, "recv": stamp, "data": text}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def decode(fields: Mapping[Any, Any]) -> StreamMessage:
    """A :class:`StreamMessage` from entry fields (``raw`` is ``None``).

    Book levels come back as ``(price, size)`` tuples, as the client delivers
    them.

    Raises:
        ValueError: a field is missing or malformed.
    """
    try:
        get = {_text(k): v for k, v in fields.items()}
        event = _text(get["event"])
        kind, symbol = split_event(event)
        data = orjson.loads(get["data"])
        ts = float(get["ts"])
        recv = float(get["recv"])
    except (KeyError, ConfigError, orjson.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"not a weex_events entry: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("not a weex_events entry: data is not an object")
    if kind == "book":
        for side in ("bids", "asks"):
            levels = data.get(side)
            if isinstance(levels, list):
                if not all(isinstance(level, list) for level in levels):
                    raise ValueError(f"not a weex_events entry: bad {side} levels")
                data[side] = [tuple(level) for level in levels]
    return StreamMessage(event, kind, symbol, data, ts, recv, None)


def parse_id(text: str) -> EntryId:
    """``"1700000000000-3"`` → ``(1700000000000, 3)``; a bare ``"5"`` is ``(5, 0)``.

    Raises:
        ValueError: not an entry id.
    """
    ms, sep, seq = text.partition("-")
    if not ms.isdigit() or (sep and not seq.isdigit()):
        raise ValueError(f"not a stream entry id: {text!r}")
    return int(ms), int(seq) if sep else 0


def format_id(entry: EntryId) -> str:
    """``(ms, seq)`` → ``"ms-seq"``."""
    return f"{entry[0]}-{entry[1]}"


def id_before(entry: EntryId) -> str:
    """The largest id smaller than ``entry`` (reading after it includes ``entry``)."""
    ms, seq = entry
    if seq:
        return f"{ms}-{seq - 1}"
    if ms:
        return f"{ms - 1}-{MAX_SEQ}"
    return "0-0"


def start_id(start: str | float, last: str | None, *, include_last: bool) -> str:
    """The id to read after, for a subscriber's ``start``.

    Args:
        start: ``"$"`` (the live end), ``"0"`` (the beginning), an entry id
            (entries after it) or a time in seconds since the epoch (entries
            published at or after it).
        last: the stream's last entry id now, ``None`` when it is empty.
        include_last: at the live end, deliver the last entry too (books: the
            last entry is the current book).

    Raises:
        ValueError: ``start`` is none of these.
    """
    if isinstance(start, int | float):
        if start < 0:
            raise ValueError(f"not a start time: {start!r}")
        # round() first: 1700000000.436 * 1000 is 1700000000435.9998.
        return id_before((math.ceil(round(start * 1000, 3)), 0))
    if start == "$":
        if last is None:
            return "0-0"
        return id_before(parse_id(last)) if include_last else last
    return format_id(parse_id(start))


def entry_id(now_ms: int, previous: EntryId | None) -> EntryId:
    """The next id for an entry numbered by its publisher (private streams).

    Ids follow the clock but never go backwards: a clock step back reuses the
    previous millisecond with the next sequence number.
    """
    if previous is None or now_ms > previous[0]:
        return (now_ms, 0)
    return (previous[0], previous[1] + 1)
