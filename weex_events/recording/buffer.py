"""The recorder's buffer: bounded, filled by the event loop, drained by the writer.

The read loop is the hot path. For each frame it appends the record tuple itself
through a :class:`FrameTap` (``deque.append``: a C call, no Python function of
ours per frame) and calls :attr:`FrameTap.trim` at least every few milliseconds,
which drops the newest records past the limit. Every other record (frames sent,
open, close) goes through :meth:`RecordBuffer.put`, which checks the limit first.
Either way the policy is the one :class:`~weex_events.recording.Recorder`
documents: past ``limit`` records a new record is dropped and the queued ones are
kept (what is written stays in order); drops are counted, and a :class:`Gap`
tells the writer how many were lost at that point. Between two trims the buffer
may exceed the limit by the frames of those few milliseconds.

The event loop appends and trims; the writer thread pops from the left (a
deque's appends and pops are atomic).

Imports: the standard library only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

__all__ = ["FrameTap", "Gap", "Record", "RecordBuffer", "records"]

#: ``(wall, mono, endpoint, conn, direction, payload)``: one record, as queued.
Record = tuple[Any, ...]


class Gap:
    """A buffer entry standing for records dropped at this point."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class FrameTap(NamedTuple):
    """The read loop's handle on recording one socket's received frames.

    The loop appends ``(wall, mono, endpoint, conn, "in", frame)`` with
    ``append`` and calls ``trim`` at least every few milliseconds.
    """

    append: Callable[[Record], None]
    endpoint: str
    conn: int
    trim: Callable[[], None]


def records(items: Iterable[Record | Gap]) -> int:
    """How many of ``items`` are records (not drop markers)."""
    return sum(1 for item in items if not isinstance(item, Gap))


class RecordBuffer:
    """The queue between the event loop and the writer thread.

    Attributes:
        items: records and drop markers, oldest first.
        limit: records held before new ones are dropped (0 once closed).
        dropped: records dropped (full buffer, closed, or discarded unwritten).
        taken: records taken out by the writer or discarded: with those in
            ``items``, every record accepted.
    """

    def __init__(self, limit: int) -> None:
        self.items: deque[Record | Gap] = deque()
        self.limit = limit
        self.dropped = 0
        self.taken = 0
        self._closed = False

    def put(self, record: Record) -> None:
        """Queue ``record``, or drop it (counted) if the buffer is full."""
        if len(self.items) < self.limit:
            self.items.append(record)
        else:
            self._dropped(1, 0)

    def tap(self, endpoint: str, conn: int) -> FrameTap:
        """The read loop's handle for frames received on ``conn``."""
        return FrameTap(self.items.append, endpoint, conn, self.trim)

    def trim(self) -> None:
        """Drop the newest records past the limit (appended unchecked by a
        :class:`FrameTap`), as if each had been refused when it came."""
        items = self.items
        lost = carried = 0
        for _ in range(len(items) - self.limit):
            if not items:
                break  # the writer took the rest meanwhile
            item = items.pop()
            if isinstance(item, Gap):
                carried += item.count  # already counted: merged into one gap
            else:
                lost += 1
        if lost or carried:
            self._dropped(lost, carried)

    def _dropped(self, lost: int, carried: int) -> None:
        self.dropped += lost
        if self._closed:
            return
        items = self.items
        # One marker per run of drops, so the writer can say where they were.
        last = items[-1] if items else None
        if not isinstance(last, Gap):
            last = Gap()
            items.append(last)
        last.count += lost + carried

    def pending(self) -> int:
        """Records waiting to be written."""
        return records(tuple(self.items))

    def refuse(self, *, closed: bool) -> None:
        """Accept nothing more: every later record is dropped and counted
        (``closed``: the recorder is closed, no drop markers either)."""
        self.limit = 0
        self._closed = self._closed or closed

    def discard(self) -> None:
        """Drop what the buffer holds, counted (no writer will take it)."""
        lost = records(self.items)
        self.items.clear()
        self.dropped += lost
        self.taken += lost
