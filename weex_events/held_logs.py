"""Log records held while a full-screen view owns the terminal, then printed.

A live view on the terminal's alternate screen (``weex-events demo``) is
redrawn several times a second: a log line written to the same terminal lands
in the middle of it and is gone at the next redraw. :func:`hold_terminal_logs`
puts a holding handler in the place of each handler that writes to a terminal
(on the given logger and the ancestors its records propagate to, and
``logging.lastResort``), so that while the view is up records are kept instead
of written. :class:`HeldLogs` keeps them in two ways: the last few as short
lines for the view to show (a bounded deque), and every one, formatted by the
handler it was meant for, in a spool that stays in memory up to a size and
then moves to an unnamed temporary file. When the view is gone the handlers are
put back and each one's spool is written to its stream, in order: nothing is
lost, and memory stays bounded however long the view runs.

Handlers that write elsewhere (a file, a pipe, ``2>demo.log``) are left alone.

Imports: the standard library only.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

__all__ = ["MEMORY", "TAIL", "HeldLine", "HeldLogs", "hold_terminal_logs"]

#: Short lines kept for the view (the newest; older ones are only spooled).
TAIL = 50
#: Bytes of formatted records a spool keeps in memory before it moves to disk.
MEMORY = 1 << 20


@dataclass(frozen=True, slots=True)
class HeldLine:
    """One held record as the view shows it.

    Attributes:
        level: the record's level number (``logging.INFO``, ...).
        text: ``HH:MM:SS LEVEL logger: message``, the message's first line.
    """

    level: int
    text: str


class HeldLogs:
    """Records held while the view is up: a bounded tail, and a spool per
    destination (a channel number) that keeps every formatted record in order."""

    def __init__(self, tail: int = TAIL, memory: int = MEMORY) -> None:
        self._tail: deque[HeldLine] = deque(maxlen=tail)
        self._memory = memory
        self._spools: dict[int, tempfile.SpooledTemporaryFile[str]] = {}
        # A record may be logged from another thread while the view reads.
        self._lock = threading.Lock()
        self.count = 0

    def show(self, line: HeldLine) -> None:
        """Count a held record and keep its line among the newest :data:`TAIL`."""
        with self._lock:
            self.count += 1
            self._tail.append(line)

    def keep(self, channel: int, text: str) -> None:
        """Spool ``text`` (a formatted record with its terminator) for ``channel``."""
        with self._lock:
            self._spool(channel).write(text)

    def _spool(self, channel: int) -> tempfile.SpooledTemporaryFile[str]:
        spool = self._spools.get(channel)
        if spool is None:
            # Closed by release() or close(), not here.
            spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=self._memory,
                mode="w+",
                encoding="utf-8",
                errors="backslashreplace",
                newline="",  # records keep their own line ends, "\r" included
            )
            self._spools[channel] = spool
        return spool

    def recent(self, rows: int) -> list[HeldLine]:
        """The newest ``rows`` lines (at most the tail's size), oldest first."""
        if rows <= 0:
            return []
        with self._lock:
            return list(self._tail)[-rows:]

    def release(self, channel: int, out: TextIO) -> None:
        """Write what ``channel`` spooled to ``out``, in order, and free it."""
        with self._lock:
            spool = self._spools.pop(channel, None)
        if spool is None:
            return
        with spool:
            spool.seek(0)
            shutil.copyfileobj(spool, out)
        out.flush()

    def close(self) -> None:
        """Drop whatever is still spooled (its temporary file is deleted)."""
        with self._lock:
            spools, self._spools = list(self._spools.values()), {}
        for spool in spools:
            spool.close()


def _short_line(record: logging.LogRecord) -> HeldLine:
    """``record`` as one short line: its time, level, logger and first line."""
    clock = time.strftime("%H:%M:%S", time.localtime(record.created))
    name = record.name.removeprefix("weex_events.")
    message = record.getMessage().partition("\n")[0]
    return HeldLine(record.levelno, f"{clock} {record.levelname} {name}: {message}")


class _Holding(logging.Handler):
    """Stands in for ``target``: same level and filters, its format, held."""

    def __init__(
        self, target: logging.StreamHandler[TextIO], channel: int, hold: _Hold
    ) -> None:
        super().__init__(target.level)
        self.target = target
        self.channel = channel
        self.hold = hold

    def filter(self, record: logging.LogRecord) -> bool:
        return bool(self.target.filter(record))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.target.format(record) + self.target.terminator
            self.hold.keep(self.channel, record, text)
        except Exception:  # as StreamHandler.emit: logging never raises
            self.handleError(record)


class _Hold:
    """The shared side of the holding handlers: one line per record shown."""

    def __init__(self, held: HeldLogs) -> None:
        self.held = held
        self._last: logging.LogRecord | None = None

    def keep(self, channel: int, record: logging.LogRecord, text: str) -> None:
        if record is not self._last:  # two terminal handlers: one line shown
            self._last = record
            self.held.show(_short_line(record))
        self.held.keep(channel, text)


def _on_terminal(handler: logging.Handler | None) -> bool:
    if not isinstance(handler, logging.StreamHandler):
        return False
    try:
        return bool(handler.stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or closed
        return False


@contextlib.contextmanager
def hold_terminal_logs(
    logger: logging.Logger, *, tail: int = TAIL, memory: int = MEMORY
) -> Iterator[HeldLogs]:
    """Hold the records that would be written to a terminal until the block ends.

    Each handler of ``logger`` and of the ancestors its records propagate to
    whose stream is a terminal, and ``logging.lastResort`` if it writes to one,
    is replaced (in place) by a holding handler with the same level and
    filters. On exit, however the block ends, the handlers are put back and
    each one's held records are written to its stream, formatted as it would
    have, in the order they were logged.

    Yields:
        The :class:`HeldLogs`, for the view to show the newest lines.
    """
    held = HeldLogs(tail, memory)
    hold = _Hold(held)
    swapped: list[tuple[list[logging.Handler], _Holding]] = []
    channel = 0
    node: logging.Logger | None = logger
    while node is not None:
        for i, handler in enumerate(node.handlers):
            if isinstance(handler, logging.StreamHandler) and _on_terminal(handler):
                holding = _Holding(handler, channel, hold)
                node.handlers[i] = holding
                swapped.append((node.handlers, holding))
                channel += 1
        node = node.parent if node.propagate else None
    last_resort = logging.lastResort
    holding_last: _Holding | None = None
    if isinstance(last_resort, logging.StreamHandler) and _on_terminal(last_resort):
        holding_last = _Holding(last_resort, channel, hold)
        logging.lastResort = holding_last
    try:
        yield held
    finally:
        for handlers, holding in swapped:
            with contextlib.suppress(ValueError):  # removed by someone else
                handlers[handlers.index(holding)] = holding.target
        if holding_last is not None and logging.lastResort is holding_last:
            logging.lastResort = holding_last.target
        released = [h for _, h in swapped]
        if holding_last is not None:
            released.append(holding_last)
        for holding in released:
            _release(held, holding)
        held.close()


def _release(held: HeldLogs, holding: _Holding) -> None:
    target = holding.target
    target.acquire()
    try:
        held.release(holding.channel, target.stream)
    except (OSError, ValueError):  # the terminal is gone: nowhere to write
        pass
    finally:
        target.release()
