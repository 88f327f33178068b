"""The recording writer: a cheap per-frame call on the read path, I/O on a thread.

A :class:`Recorder` is handed to a connection, which calls :meth:`Recorder.frame_in`
for every frame it receives, :meth:`Recorder.frame_out` for every frame it sends,
and :meth:`Recorder.opened`/:meth:`Recorder.closed` around each connection. Those
calls only append a tuple to a bounded in-memory buffer: they never block, never
do I/O and never raise. A writer thread (``weex_events: recorder``) drains the
buffer every ``poll_interval``, encodes the lines (DESIGN.md §6), compresses them
when the file name ends in ``.gz``, rotates to ``name.1.ext``, ``name.2.ext``…
when a file passes ``rotate_bytes``, and flushes to the OS at least every
``flush_interval`` seconds and on :meth:`Recorder.close`.

**Overflow policy**: past ``buffer_size`` records (or after :meth:`close`) a new
record is dropped, the queued ones kept (what is written stays in order), counted
in :attr:`RecorderStats.dropped`; the next record written carries ``"lost": n``.

It writes only what it is given (no place for handshake headers); URLs lose
user-info, query and fragment before they are queued.

Imports: ``config`` (the version in the header), ``errors``, ``recording.format``,
``recording.rotation``, stdlib.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ..config import __version__
from ..errors import ConfigError
from .buffer import FrameTap, Gap, Record, RecordBuffer
from .format import encode_frame_line, encode_header, encode_line, public_url
from .rotation import RotatingFile

__all__ = ["FrameTap", "Recorder", "RecorderStats"]

log = logging.getLogger("weex_events.recording")

#: Lines written at a time: small batches reuse the same memory (a drain of a
#: full buffer encoded in one piece costs twice the CPU in fresh pages).
_CHUNK = 256


@dataclass(frozen=True, slots=True)
class RecorderStats:
    """Counters of a :class:`Recorder` (a snapshot).

    Attributes:
        recorded: records accepted into the buffer.
        written: records written to a file.
        dropped: records dropped because the buffer was full or the recorder
            closed.
        pending: records waiting in the buffer.
        files: files opened so far (1 + rotations).
        bytes: bytes written to the files (compressed size for ``.gz``).
        error: why the writer stopped, if a write failed (then nothing more is
            written and everything after is counted as dropped).
    """

    recorded: int
    written: int
    dropped: int
    pending: int
    files: int
    bytes: int
    error: str | None


class Recorder:
    """Records frames to ``path`` (NDJSON; gzip if it ends in ``.gz``).

    Args:
        path: the file to write; rotated files get a number before the extension.
        protocol: WEEX generation, for the header.
        market: ``"contract"`` or ``"spot"``, for the header.
        rotate_bytes: start a new file once the current one holds this many
            bytes (``None``: never).
        buffer_size: records held in memory before new ones are dropped.
        flush_interval: longest time, in seconds, a written record may stay in
            Python or zlib buffers before it reaches the OS.
        poll_interval: how often the writer thread wakes to drain the buffer.
        compresslevel: gzip level for ``.gz`` files (1, the default, is several
            times cheaper than 9 for about 1.5 times the size).

    Use it as a context manager (``with Recorder(path) as rec:``), or call
    :meth:`start` and :meth:`close`. Records given before :meth:`start` wait in
    the buffer.

    Raises:
        ConfigError: a bad argument.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        protocol: str = "v3",
        market: str = "contract",
        rotate_bytes: int | None = None,
        buffer_size: int = 100_000,
        flush_interval: float = 1.0,
        poll_interval: float = 0.05,
        compresslevel: int = 1,
    ) -> None:
        if rotate_bytes is not None and rotate_bytes <= 0:
            raise ConfigError("rotate_bytes", "must be positive")
        if not 0 <= compresslevel <= 9:
            raise ConfigError("compresslevel", "must be 0 to 9")
        if buffer_size < 1:
            raise ConfigError("buffer_size", "must be at least 1")
        if not 0 < poll_interval <= flush_interval:
            raise ConfigError(
                "poll_interval", "must be positive and at most flush_interval"
            )
        self.path = Path(path)
        self.protocol = protocol
        self.market = market
        self._rotate = rotate_bytes
        self._flush_interval = flush_interval
        self._poll = poll_interval
        self._level = compresslevel
        self._buf = RecordBuffer(buffer_size)
        self._written = 0
        self._error: str | None = None
        self._closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._file: RotatingFile | None = None
        self._dirty = False

    # -- the read path: append only ------------------------------------------------

    def frame_in(
        self, endpoint: str, conn: int, frame: str | bytes, wall: float, mono: float
    ) -> None:
        """Record a frame received on connection ``conn`` of ``endpoint``.

        ``frame`` is the text as received (``bytes`` are UTF-8); ``wall`` is the
        receive time (``time.time()``), ``mono`` the same moment on
        ``time.monotonic()``. Never blocks, never raises.
        """
        self._buf.put((wall, mono, endpoint, conn, "in", frame))

    def frame_in_for(self, endpoint: str, conn: int) -> FrameTap:
        """The read loop's handle for frames received on ``conn`` of
        ``endpoint``: it appends each record itself (see :class:`FrameTap`)."""
        return self._buf.tap(endpoint, conn)

    def frame_out(
        self, endpoint: str, conn: int, frame: str | bytes, wall: float, mono: float
    ) -> None:
        """Record a frame sent on ``conn`` (as :meth:`frame_in`)."""
        self._buf.put((wall, mono, endpoint, conn, "out", frame))

    def opened(
        self, endpoint: str, conn: int, url: str, wall: float, mono: float
    ) -> None:
        """Record that ``conn`` of ``endpoint`` opened to ``url`` (stripped of
        user-info, query and fragment here)."""
        self._buf.put((wall, mono, endpoint, conn, "open", public_url(url)))

    def closed(
        self,
        endpoint: str,
        conn: int,
        code: int | None,
        reason: str,
        wall: float,
        mono: float,
    ) -> None:
        """Record that ``conn`` closed with WebSocket ``code`` (``None``: none)."""
        self._buf.put((wall, mono, endpoint, conn, "close", (code, reason)))

    # -- lifecycle --------------------------------------------------------------------

    @property
    def stats(self) -> RecorderStats:
        """Counters, read now."""
        buf = self._buf
        pending = buf.pending()
        return RecorderStats(
            recorded=buf.taken + pending,
            written=self._written,
            dropped=buf.dropped,
            pending=pending,
            files=self._file.files if self._file else 0,
            bytes=self._file.size if self._file else 0,
            error=self._error,
        )

    @property
    def running(self) -> bool:
        """Whether the writer thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, *, protocol: str | None = None, market: str | None = None) -> None:
        """Open the first file, write the header, start the writer thread.

        ``protocol``/``market`` override the constructor's (the client passes its
        configuration's). Starting a started recorder does nothing.

        Raises:
            ConfigError: the recorder is closed, or the file cannot be created.
        """
        if self._closed:
            raise ConfigError("recorder", "this recorder is closed")
        if self._thread is not None:
            return
        self.protocol = protocol or self.protocol
        self.market = market or self.market
        try:
            self._file = RotatingFile(
                self.path, self._header, self._rotate, self._level
            )
        except OSError as exc:
            raise ConfigError(
                "recorder", f"cannot write {self.path}: {exc.strerror or exc}"
            ) from None
        self._thread = threading.Thread(
            target=self._run, name="weex_events: recorder", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Write everything buffered, flush, close the file, stop the thread.

        Blocks until done (call it from a thread, or use :meth:`aclose`, in an
        event loop). Closing twice does nothing.
        """
        if self._closed:
            return
        self._closed = True
        self._buf.refuse(closed=True)  # from now on every record is dropped, counted
        thread = self._thread
        if thread is not None:
            self._stop.set()
            thread.join()
        else:
            self._buf.discard()

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Recorder {str(self.path)!r} written={self._written}>"

    # -- the writer thread ------------------------------------------------------------

    def _header(self) -> bytes:
        created = round(time.time(), 3)
        return encode_header(
            sdk=__version__, protocol=self.protocol, market=self.market, created=created
        )

    def _run(self) -> None:
        last_flush = time.monotonic()
        try:
            while True:
                stopping = self._stop.wait(self._poll)
                self._drain()
                now = time.monotonic()
                if self._dirty and (
                    stopping or now - last_flush >= self._flush_interval
                ):
                    assert self._file is not None
                    self._file.flush()
                    self._dirty = False
                    last_flush = now
                if stopping:
                    return
        except (OSError, ValueError) as exc:
            self._error = str(exc)
            log.error("recording to %s stopped: %s", self.path, exc)
            buf = self._buf
            buf.refuse(closed=False)
            # everything accepted and not written is lost, in flight included
            buf.dropped += buf.taken - self._written
            buf.discard()
        finally:
            with contextlib.suppress(OSError, ValueError):
                assert self._file is not None
                self._file.close()

    def _drain(self) -> None:
        buf = self._buf.items
        lines: list[bytes] = []
        # Gaps are summed only when the record after them is encoded: that record
        # was queued after the producer's last increment of them.
        gaps: list[Gap] = []
        for _ in range(len(buf)):
            item = buf.popleft()
            if isinstance(item, Gap):
                gaps.append(item)
                continue
            lost = sum(g.count for g in gaps) if gaps else 0
            gaps = []
            self._buf.taken += 1
            lines.append(_encode(item, lost))
            if len(lines) >= _CHUNK:
                self._write(lines)
                lines = []
        buf.extendleft(reversed(gaps))  # drops at the very end: say so later
        self._write(lines)

    def _write(self, lines: list[bytes]) -> None:
        if lines:
            assert self._file is not None
            self._file.write(b"".join(lines))
            self._written += len(lines)
            self._dirty = True


def _encode(item: Record, lost: int) -> bytes:
    wall, mono, endpoint, conn, direction, payload = item
    fields: dict[str, Any]
    if direction == "in" or direction == "out":
        if not isinstance(payload, str):
            payload = bytes(payload).decode("utf-8", "replace")
        if not lost:
            return encode_frame_line(wall, mono, endpoint, conn, direction, payload)
        fields = {"frame": payload}
    elif direction == "open":
        fields = {"url": payload}
    else:
        fields = {"code": payload[0], "reason": payload[1]}
    return encode_line(wall, mono, endpoint, conn, direction, fields, lost)
