"""Reading recordings: one file or a rotated set, plain or gzip, validated.

:class:`RecordingReader` yields the :class:`~weex_events.recording.format.Record`
of a recording in file order. A file whose name ends in ``.gz`` is read as gzip.
Given the first file of a rotated set (``rec.ndjson.gz``), it goes on with
``rec.1.ndjson.gz``, ``rec.2.ndjson.gz``… for as long as they exist. Every file
starts with a header of the same format version; an unknown version, a truncated
or corrupted file (cut mid-line, bad gzip data or tail, a line that is not JSON or
not a record) raises :class:`~weex_events.RecordingError` naming the file and the
line, after every record before it has been yielded. gzip, zlib and orjson
exceptions never escape.

Imports: ``errors``, ``recording.format``, stdlib.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO

from ..errors import RecordingError
from .format import Header, Record, parse_header, parse_record, rotated_path

__all__ = ["MAX_LINE", "RecordingReader", "read_records", "rotation_set"]

#: What reading a damaged file can raise underneath (gzip's BadGzipFile is an
#: OSError; a stream cut short is an EOFError).
_READ_ERRORS = (OSError, EOFError, zlib.error)
#: Longest line read: a 64 MiB frame (the client's hard cap) escaped as JSON, with
#: room to spare. A longer "line" is damage, not something to hold in memory.
MAX_LINE = 256 * 1024 * 1024


def rotation_set(path: str | Path) -> list[Path]:
    """``path`` followed by its rotated files that exist, in order."""
    files = [Path(path)]
    while (nxt := rotated_path(path, len(files))).exists():
        files.append(nxt)
    return files


def _open(path: Path) -> gzip.GzipFile | IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _lines(
    path: Path, max_line: int = MAX_LINE
) -> Generator[tuple[int, bytes], None, None]:
    """``(number, line)`` of ``path``; a read failure is a RecordingError."""
    number = 0
    try:
        stream = _open(path)
    except OSError as exc:
        raise RecordingError(str(path), 0, exc.strerror or str(exc)) from None
    with stream:
        while True:
            try:
                line = stream.readline(max_line + 1)
            except _READ_ERRORS as exc:
                reason = _damage(exc)
                raise RecordingError(str(path), number + 1, reason) from None
            if not line:
                return
            if len(line) > max_line:
                reason = f"line longer than {max_line} bytes"
                raise RecordingError(str(path), number + 1, reason)
            number += 1
            yield number, line


def _damage(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "the compressed file ends early (truncated gzip)"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"corrupted gzip data ({exc})"
    return f"cannot read: {exc}"


class RecordingReader:
    """The records of one recording, in file order (iterate it).

    Args:
        path: the recording, or the first file of a rotated set.
        rotated: also read ``path``'s rotated files (``rec.1.ndjson``…) after it.

    Iterating again reads the files again. :attr:`header` is the first file's
    header (read on first access).
    """

    def __init__(self, path: str | Path, *, rotated: bool = True) -> None:
        self.path = Path(path)
        self.rotated = rotated
        self._header: Header | None = None

    @property
    def files(self) -> list[Path]:
        """The files read, in order."""
        return rotation_set(self.path) if self.rotated else [self.path]

    @property
    def header(self) -> Header:
        """The header of the first file.

        Raises:
            RecordingError: the file cannot be read or has no valid header.
        """
        if self._header is None:
            lines = _lines(self.path)
            try:
                first = next(lines, None)
            finally:
                lines.close()
            self._header = _header(self.path, first)
        return self._header

    def __iter__(self) -> Iterator[Record]:
        for path in self.files:
            yield from _records(path)

    def __repr__(self) -> str:
        return f"<RecordingReader {str(self.path)!r}>"


def _header(path: Path, first: tuple[int, bytes] | None) -> Header:
    if first is None:
        raise RecordingError(str(path), 1, "empty file (no header)")
    try:
        return parse_header(first[1])
    except ValueError as exc:
        raise RecordingError(str(path), 1, str(exc)) from None


def _records(path: Path) -> Iterator[Record]:
    lines = _lines(path)
    _header(path, next(lines, None))
    for number, line in lines:
        try:
            record = parse_record(line)
        except ValueError as exc:
            raise RecordingError(str(path), number, str(exc)) from None
        yield record


def read_records(path: str | Path, *, rotated: bool = True) -> Iterator[Record]:
    """Shorthand for ``iter(RecordingReader(path, rotated=rotated))``."""
    return iter(RecordingReader(path, rotated=rotated))
