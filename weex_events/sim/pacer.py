"""The pacer: the task that steps the simulator's market in real time.

While it runs and is not paused, a :class:`Pacer` calls ``advance(1)`` every
``period`` real seconds (``step_ms / speed``), on a schedule that does not drift; a
pacer that falls far behind (slow machine, debugger, a very high speed) slows down
instead of bursting, and it yields to the event loop before every step whatever the
speed, so the simulator can always be stopped.
Pausing freezes the market; server pings and everything else go on.

Imports: stdlib only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

__all__ = ["Pacer"]

log = logging.getLogger("weex_events.sim")


class Pacer:
    """Calls ``advance(1)`` every period while started and not paused."""

    def __init__(self, advance: Callable[[int], None]) -> None:
        self._advance = advance
        self._task: asyncio.Task[None] | None = None
        self._paused = False
        self._resumed = asyncio.Event()
        self._resumed.set()

    @property
    def paused(self) -> bool:
        """Whether the market is frozen."""
        return self._paused

    def pause(self) -> None:
        """Stop stepping until :meth:`resume`."""
        self._paused = True
        self._resumed.clear()

    def resume(self) -> None:
        """Step again."""
        self._paused = False
        self._resumed.set()

    def start(self, period: float) -> None:
        """Start stepping every ``period`` real seconds (task ``sim market``)."""
        self._task = asyncio.create_task(
            self._run(period), name="weex_events: sim market"
        )

    async def stop(self) -> BaseException | None:
        """Stop the task; return the exception that crashed it, if one did."""
        task, self._task = self._task, None
        crash: BaseException | None = None
        if task is not None:
            if task.done() and not task.cancelled():
                crash = task.exception()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return crash

    async def _run(self, period: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + period
        try:
            while True:
                if self._paused:
                    await self._resumed.wait()
                    due = loop.time() + period
                # Always await, even when behind: at a high speed the step is
                # due at once, and a loop that never yields ignores signals,
                # timeouts and every other task (``--speed 1e9`` ran for good).
                await asyncio.sleep(max(due - loop.time(), 0.0))
                if self._paused:
                    continue
                self._advance(1)
                due += period
                now = loop.time()
                if now - due > 5 * period:
                    # Fell behind (slow machine, debugger): slow down, never burst.
                    due = now
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sim: the market task crashed")
            raise
