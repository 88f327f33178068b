"""A recording's files on disk: header first, gzip by name, rotation by size.

:class:`RotatingFile` is the writer thread's end of a recording: it opens
``path`` (gzip-compressed when the name ends in ``.gz``), writes the header line,
appends what it is given and, once a file holds ``rotate_bytes`` (on disk, so
compressed for ``.gz``; zlib's internal buffer may add some tens of kilobytes),
closes it and opens the next of the set, ``name.1.ext``, ``name.2.ext``… (see
:func:`~weex_events.recording.format.rotated_path`), each with its own header.
Not thread-safe: one thread writes; :attr:`RotatingFile.size` may be read from
others.

Imports: ``recording.format``, stdlib.
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .format import rotated_path

__all__ = ["RotatingFile"]


class RotatingFile:
    """Appends bytes to ``path`` and its rotated successors.

    Args:
        path: the first file of the set.
        header: makes the header line of each new file.
        rotate_bytes: size after which the next file starts (``None``: never).
        compresslevel: gzip level for ``.gz`` names.

    Raises:
        OSError: the first file cannot be created.
    """

    def __init__(
        self,
        path: Path,
        header: Callable[[], bytes],
        rotate_bytes: int | None,
        compresslevel: int,
    ) -> None:
        self.path = path
        self.files = 0
        self._header = header
        self._rotate = rotate_bytes
        self._level = compresslevel
        self._closed_bytes = 0
        self._raw: IO[bytes] | None = None
        self._out: gzip.GzipFile | IO[bytes] | None = None
        self._open_next()

    @property
    def size(self) -> int:
        """Bytes on disk so far, all files together (gzip: compressed)."""
        current = 0
        with contextlib.suppress(OSError, ValueError, AttributeError):
            current = self._raw.tell() if self._raw is not None else 0
        return self._closed_bytes + current

    def write(self, data: bytes) -> None:
        """Append ``data`` (whole lines); rotate if the file is now full."""
        out, raw = self._out, self._raw
        assert out is not None and raw is not None, "the file is closed"
        out.write(data)
        if self._rotate is not None and raw.tell() >= self._rotate:
            self._close_current()
            self._open_next()

    def flush(self) -> None:
        """Hand everything written to the OS (gzip: a sync flush)."""
        if self._out is not None:
            self._out.flush()

    def close(self) -> None:
        """Finish the current file (the gzip trailer included)."""
        self._close_current()

    def _open_next(self) -> None:
        raw = rotated_path(self.path, self.files).open("wb")
        out: gzip.GzipFile | IO[bytes] = raw
        if self.path.name.endswith(".gz"):
            out = gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, compresslevel=self._level, mtime=0
            )
        self._raw, self._out = raw, out
        self.files += 1
        out.write(self._header())

    def _close_current(self) -> None:
        out, raw = self._out, self._raw
        self._out = self._raw = None
        if out is not None and out is not raw:
            out.close()  # writes the gzip trailer into raw
        if raw is not None:
            self._closed_bytes += raw.tell()
            raw.close()
