"""The client's background upkeep: the tasks that watch an open client, and its
reaction to a broken order book.

:class:`Upkeep` owns two tasks, started when the client opens and cancelled
when it closes: the staleness watch (``stale`` events for active channels
silent past their limit) and the snapshot-deadline watch
(:func:`~weex_events.deadlines.watch_snapshots`). Its :meth:`Upkeep.gap` is
the book-gap reaction: a ``resync`` event (and an ``error`` for a bad level),
then a fresh subscription for the book.

Imports: ``events``, ``kinds``, ``liveness``, ``connection``, ``hub``,
``bookkeeper``, ``deadlines``, ``dispatch``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .bookkeeper import BookKeeper
from .connection import ChannelState
from .deadlines import watch_snapshots
from .dispatch import Dispatcher
from .events import Channel, ErrorEvent, ResyncEvent
from .hub import Hub
from .kinds import depth_of
from .liveness import Liveness

__all__ = ["Upkeep"]

# The client's logger: these warnings were always filed under its name.
log = logging.getLogger("weex_events.client")


class Upkeep:
    """The watches of an open client and its reaction to book gaps.

    Args:
        hub: the channels wanted and the connections carrying them.
        books: the order books (asked which ones are past their deadline).
        liveness: silence per channel.
        dispatcher: where ``stale``, ``resync`` and ``error`` events go.
        clock: the local wall clock, in seconds since the epoch.
        snapshot_timeout: seconds a subscribed book may wait for its snapshot.
    """

    def __init__(
        self,
        hub: Hub,
        books: BookKeeper,
        liveness: Liveness,
        dispatcher: Dispatcher,
        *,
        clock: Callable[[], float],
        snapshot_timeout: float,
    ) -> None:
        self._hub = hub
        self._books = books
        self._liveness = liveness
        self._dispatcher = dispatcher
        self._now = clock
        self._snapshot_timeout = snapshot_timeout
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start the watches: staleness (only if the liveness has a limit) and
        snapshot deadlines. Needs a running event loop."""
        if self._liveness.limits:
            self._tasks.append(
                asyncio.create_task(
                    self._watch_staleness(), name="weex_events: staleness watch"
                )
            )
        self._tasks.append(
            asyncio.create_task(
                watch_snapshots(
                    self._hub,
                    self._books,
                    timeout=self._snapshot_timeout,
                    clock=self._now,
                    resync=self.gap,
                ),
                name="weex_events: snapshot deadlines",
            )
        )

    async def close(self) -> None:
        """Cancel the watches and wait until they have ended. Idempotent."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _watch_staleness(self) -> None:
        """Emit ``stale`` for active channels silent longer than their limit."""
        liveness, hub = self._liveness, self._hub
        while True:
            await asyncio.sleep(liveness.period)
            active = [c for c in hub if hub.state(c) is ChannelState.ACTIVE]
            for event in liveness.silent(active, self._now()):
                log.warning("%s silent for %.1f s", event.channel, event.silent_for)
                self._dispatcher.emit("stale", event)

    def gap(self, channel: Channel, reason: str, detail: str) -> None:
        """React to a book that needs a fresh snapshot: log, an ``error`` event
        for a bad level, a ``resync`` event, and (unless the socket was lost,
        which resubscribes anyway) a fresh subscription."""
        symbol = channel.symbol or ""
        log.warning(
            "book %s: %s (%s); a fresh snapshot follows", symbol, reason, detail
        )
        level = depth_of(channel.arg)
        if reason == "bad_level":
            # A bad price or size is bad input from the server, never published.
            error = ErrorEvent("protocol", f"book {symbol}: {detail}")
            self._dispatcher.emit("error", error)
        self._dispatcher.emit("resync", ResyncEvent(symbol, reason, detail, level))
        if reason != "reconnect":
            self._hub.resubscribe(channel)
