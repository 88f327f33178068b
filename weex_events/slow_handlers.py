"""Sync handlers that hold the read loop: which one, for how long, reported
once a minute per handler (a warning and ``slow_consumer`` with policy
``"report"`` and ``seconds``).

The read loop notices that a frame's delivery took too long
(:meth:`~weex_events.reader.Sink.blocked`); when one sync handler ran, it is
named at once, otherwise the next call of each suspect is timed.

Imports: ``events``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .events import SlowConsumerEvent

__all__ = ["SlowHandlers", "Suspect"]

log = logging.getLogger("weex_events.dispatch")


class Suspect(Protocol):
    """What is needed of a registered sync handler (a dispatch ``Listener``)."""

    name: str
    event: str
    handler: Callable[[Any], Any]
    once: bool
    inline: bool
    timed: bool


class SlowHandlers:
    """Reports sync handlers slower than ``threshold`` seconds.

    Args:
        threshold: seconds a handler may take unreported (``slow_handler``).
        clock: the client's wall clock (injectable).
        emit: where ``slow_consumer`` goes.
    """

    #: Seconds between two reports of the same handler.
    EVERY = 60.0

    def __init__(
        self,
        threshold: float,
        clock: Callable[[], float],
        emit: Callable[[str, Any], None],
    ) -> None:
        self.threshold = threshold
        self._clock = clock
        self._emit = emit
        self._reported: dict[str, float] = {}

    def blocked(self, suspects: Sequence[Suspect], seconds: float) -> None:
        """The sync handlers ``suspects`` ran for a message that held the loop
        ``seconds``: report the one, or time each one's next call."""
        if len(suspects) == 1:
            self.report(suspects[0], seconds)
            return
        for suspect in suspects:
            suspect.timed = True
            suspect.inline = False  # the dispatcher then calls it via timed_call

    def timed_call(
        self, suspect: Suspect, payload: Any, on_error: Callable[[Exception], None]
    ) -> None:
        """Run a suspect once under the clock (its errors go to ``on_error``)."""
        suspect.timed = False
        suspect.inline = not suspect.once
        clock = self._clock
        start = clock()
        try:
            suspect.handler(payload)
        except Exception as exc:
            on_error(exc)
        took = clock() - start
        if took > self.threshold:
            self.report(suspect, took)

    def report(self, suspect: Suspect, seconds: float) -> None:
        """Warn that ``suspect`` held the read loop (once a minute each)."""
        now = self._clock()
        last = self._reported.get(suspect.name)
        if last is not None and 0 <= now - last < self.EVERY:
            return
        self._reported[suspect.name] = now
        log.warning(
            "sync handler %s held the read loop for %.3f s on %s (slow_handler "
            "is %g s): every other task waited; make it async or faster",
            suspect.name,
            seconds,
            suspect.event,
            self.threshold,
        )
        self._emit(
            "slow_consumer",
            SlowConsumerEvent(suspect.name, suspect.event, 0, 0, "report", seconds),
        )
