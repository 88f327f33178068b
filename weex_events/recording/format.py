"""The recording format of DESIGN.md §6, as pure data: lines in, records out.

A recording is NDJSON (UTF-8, one JSON object per line). Line 1 is the
:class:`Header`; every further line is one :class:`Record`: a frame received
(``in``) or sent (``out``) on one connection, or the connection's ``open``/``close``
marker. This module encodes and parses single lines and names rotated files; it
does no I/O and reads no clock (the writer passes ``created`` and the times in).
Parsing ignores unknown keys, as the contract requires, and refuses anything else
that is not a record with a :class:`ValueError` whose text says why; the reader
(``recording.reader``) turns that into a :class:`~weex_events.RecordingError`
naming the file and the line.

Imports: stdlib, orjson and ``jsontypes`` only (no client layer: the simulator
reads recordings with this module too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TypeGuard
from urllib.parse import urlsplit, urlunsplit

import orjson

from ..jsontypes import JSONObject, JSONValue

__all__ = [
    "DIRECTIONS",
    "ENDPOINTS",
    "FORMAT",
    "VERSION",
    "Direction",
    "Header",
    "Record",
    "encode_frame_line",
    "encode_header",
    "encode_line",
    "parse_header",
    "parse_record",
    "public_url",
    "rotated_path",
]

#: The ``format`` value of every header.
FORMAT: Final = "weex-events-recording"
#: The format version this code writes and reads; a new major change bumps it.
VERSION: Final = 1
#: What ``dir`` may say.
DIRECTIONS: Final = frozenset({"in", "out", "open", "close"})
#: What ``ep`` may say.
ENDPOINTS: Final = frozenset({"public", "private"})

Direction = Literal["in", "out", "open", "close"]

_NEWLINE = orjson.OPT_APPEND_NEWLINE


@dataclass(frozen=True, slots=True)
class Header:
    """Line 1 of a recording file.

    Attributes:
        version: the format version (:data:`VERSION`).
        sdk: version of the ``weex_events`` that wrote it.
        protocol: WEEX generation recorded, ``"v3"`` or ``"v2"``.
        market: ``"contract"`` or ``"spot"``.
        created: when the file was opened, Unix seconds.
    """

    version: int
    sdk: str
    protocol: str
    market: str
    created: float


@dataclass(frozen=True, slots=True)
class Record:
    """One record line.

    Attributes:
        t: wall time of the receive (``in``), send (``out``) or marker, Unix seconds.
        mono: monotonic time of the same moment, seconds (only differences mean
            anything; comparable within one recording session).
        ep: ``"public"`` or ``"private"``.
        conn: the connection's number within the session (a reconnect is a new
            number).
        dir: ``"in"``, ``"out"``, ``"open"`` or ``"close"``.
        frame: the text exactly as on the wire (``in``/``out``; else ``None``).
        url: the URL connected to, without credentials (``open``; else ``None``).
        code: the WebSocket close code (``close``; ``None`` when there was none).
        reason: why the connection closed (``close``; else ``None``).
        lost: records the writer had to drop just before this one (its buffer was
            full); 0 normally. Written as the extra key ``"lost"`` only when
            non-zero.
    """

    t: float
    mono: float
    ep: str
    conn: int
    dir: Direction
    frame: str | None = None
    url: str | None = None
    code: int | None = None
    reason: str | None = None
    lost: int = 0

    def encode(self) -> bytes:
        """The record as one line, newline included."""
        if self.dir in ("in", "out"):
            fields: JSONObject = {"frame": self.frame}
        elif self.dir == "open":
            fields = {"url": self.url}
        else:
            fields = {"code": self.code, "reason": self.reason}
        return encode_line(
            self.t, self.mono, self.ep, self.conn, self.dir, fields, self.lost
        )


def encode_line(
    t: float,
    mono: float,
    ep: str,
    conn: int,
    direction: str,
    fields: JSONObject,
    lost: int = 0,
) -> bytes:
    """One record line, newline included, from its parts (no :class:`Record`).

    ``fields`` are the direction's own keys (``frame``; ``url``; ``code`` and
    ``reason``). This is the writer's path: about three times cheaper than
    building a :class:`Record` first.
    """
    doc = {"t": t, "mono": mono, "ep": ep, "conn": conn, "dir": direction, **fields}
    if lost:
        doc["lost"] = lost
    return orjson.dumps(doc, option=_NEWLINE)


def encode_frame_line(
    t: float, mono: float, ep: str, conn: int, direction: str, frame: str
) -> bytes:
    """:func:`encode_line` of an ``in``/``out`` record with no loss: the hot case."""
    doc = {"t": t, "mono": mono, "ep": ep, "conn": conn, "dir": direction}
    doc["frame"] = frame
    return orjson.dumps(doc, option=_NEWLINE)


def encode_header(*, sdk: str, protocol: str, market: str, created: float) -> bytes:
    """Line 1, newline included, with the keys in the order of DESIGN.md §6."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "sdk": sdk,
        "protocol": protocol,
        "market": market,
        "created": created,
    }
    return orjson.dumps(doc) + b"\n"


def _object(line: bytes) -> JSONObject:
    if not line.endswith(b"\n"):
        raise ValueError("truncated line (no newline at the end of the file)")
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise ValueError("not JSON") from None
    if not isinstance(doc, dict):
        raise ValueError(f"a JSON {type(doc).__name__}, not an object")
    return doc


def _number(doc: JSONObject, key: str) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key!r} is not a number")
    return float(value)


def _int(doc: JSONObject, key: str, *, optional: bool = False) -> int | None:
    value = doc.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key!r} is not an integer")
    return value


def _text(doc: JSONObject, key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} is not a string")
    return value


def parse_header(line: bytes) -> Header:
    """Parse line 1.

    Raises:
        ValueError: not a header of this format, or a version this code cannot
            read (the text says which).
    """
    doc = _object(line)
    if doc.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file (no header)")
    version = doc.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ValueError(
            f"unsupported recording version {version!r} (this reader reads {VERSION})"
        )
    return Header(
        version=VERSION,
        sdk=_text(doc, "sdk"),
        protocol=_text(doc, "protocol"),
        market=_text(doc, "market"),
        created=_number(doc, "created"),
    )


def _is_direction(value: JSONValue) -> TypeGuard[Direction]:
    # Only a string is looked up: a JSON array or object is not hashable.
    return isinstance(value, str) and value in DIRECTIONS


def parse_record(line: bytes) -> Record:
    """Parse one record line (unknown keys are ignored).

    Raises:
        ValueError: the line is not JSON, or not a record (the text says why).
    """
    doc = _object(line)
    direction = doc.get("dir")
    if not _is_direction(direction):
        raise ValueError(f"not a record: 'dir' is {direction!r}")
    ep = _text(doc, "ep")
    if ep not in ENDPOINTS:
        raise ValueError(f"not a record: 'ep' is {ep!r}")
    conn = _int(doc, "conn")
    assert conn is not None
    lost = doc.get("lost", 0)
    if isinstance(lost, bool) or not isinstance(lost, int) or lost < 0:
        raise ValueError("'lost' is not a count")
    t, mono = _number(doc, "t"), _number(doc, "mono")
    if direction in ("in", "out"):
        return Record(
            t, mono, ep, conn, direction, frame=_text(doc, "frame"), lost=lost
        )
    if direction == "open":
        return Record(t, mono, ep, conn, direction, url=_text(doc, "url"), lost=lost)
    code = _int(doc, "code", optional=True)
    return Record(
        t, mono, ep, conn, direction, code=code, reason=_text(doc, "reason"), lost=lost
    )


def public_url(url: str) -> str:
    """``url`` without user, password, query or fragment: safe to write down.

    WEEX URLs carry no secret, but a user's proxy or test server might put one in
    the user-info or the query; neither is needed to tell endpoints apart.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _split_extension(path: Path) -> tuple[str, str]:
    """``(stem, extension)``; the extension of ``x.ndjson.gz`` is ``.ndjson.gz``."""
    name = path.name
    suffixes = path.suffixes
    count = 2 if suffixes and suffixes[-1] == ".gz" and len(suffixes) >= 2 else 1
    ext = "".join(suffixes[-count:]) if suffixes else ""
    if not ext or ext == name:
        return name, ""
    return name[: len(name) - len(ext)], ext


def rotated_path(path: str | Path, index: int) -> Path:
    """The ``index``-th file of a rotated set; index 0 is ``path`` itself.

    The number goes before the extension: ``rec.ndjson.gz`` → ``rec.1.ndjson.gz``,
    ``rec.2.ndjson.gz``…
    """
    path = Path(path)
    if index == 0:
        return path
    stem, ext = _split_extension(path)
    return path.with_name(f"{stem}.{index}{ext}")
