"""The snapshot-deadline watch: a task that asks
:meth:`~weex_events.bookkeeper.BookKeeper.overdue` which subscribed books are
still without a snapshot past their deadline, and acts on its answer: a fresh
snapshot is asked for (a ``resync`` event), or the connection carrying the
book is replaced.

Imports: ``events``, ``bookkeeper``, ``connection``, ``hub``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .bookkeeper import BookKeeper
from .connection import ChannelState
from .events import Channel
from .hub import Hub

__all__ = ["watch_snapshots"]

Resync = Callable[[Channel, str, str], None]


async def watch_snapshots(
    hub: Hub,
    books: BookKeeper,
    *,
    timeout: float,
    clock: Callable[[], float],
    resync: Resync,
) -> None:
    """Every quarter of ``timeout`` seconds, until cancelled: ask again for
    books past their snapshot deadline (``resync(channel, reason, detail)``),
    then replace their connection."""
    while True:
        await asyncio.sleep(timeout / 4)
        subscribed = [
            c for c in hub if c.kind == "book" and hub.state(c) is ChannelState.ACTIVE
        ]
        for channel, action, asked in books.overdue(subscribed, clock(), timeout):
            why = f"no snapshot within the deadline (attempt {asked})"
            if action == "resync":
                books.resyncs += 1
                resync(channel, "snapshot_timeout", why)
            elif (conn := hub.conn_of(channel)) is not None:
                conn.restart(f"book {channel.symbol}: {why}")
