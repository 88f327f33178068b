"""Tests for weex_events.upkeep: the book-gap reaction and the owned watch tasks."""

from __future__ import annotations

import asyncio
from typing import Any

from weex_events.bookkeeper import BookKeeper
from weex_events.connection import Connection
from weex_events.dispatch import Dispatcher
from weex_events.events import Channel, Endpoint, ErrorEvent, ResyncEvent
from weex_events.hub import Hub
from weex_events.liveness import Liveness
from weex_events.upkeep import Upkeep

BOOK15 = Channel("book", "BTCUSDT", "15")


def no_connection(endpoint: Endpoint) -> Connection:
    """A factory for a hub that is not placing: never called."""
    raise AssertionError(f"no connection expected for {endpoint}")


def upkeep(stale_after: dict[str, float]) -> tuple[Upkeep, list[tuple[str, Any]]]:
    """An upkeep over a hub that places nothing; its events are recorded."""
    dispatcher = Dispatcher()
    seen: list[tuple[str, Any]] = []
    for event in ("resync", "error", "stale"):
        dispatcher.observe([event], lambda p, e=event: seen.append((e, p)))
    books = BookKeeper(str, dispatcher.emit_message, lambda ch, why, detail: None)
    hub = Hub(no_connection, books, max_channels=100, max_connections=10)
    liveness = Liveness(stale_after)
    return Upkeep(
        hub, books, liveness, dispatcher, clock=lambda: 0.0, snapshot_timeout=10.0
    ), seen


def test_bad_level_is_an_error_and_a_resync() -> None:
    """A bad level emits a protocol error, then a resync at the book's depth."""
    keeper, seen = upkeep({})
    keeper.gap(BOOK15, "bad_level", "price 'x'")
    assert [e for e, _ in seen] == ["error", "resync"]
    error, resync = seen[0][1], seen[1][1]
    assert isinstance(error, ErrorEvent) and error.message == "book BTCUSDT: price 'x'"
    assert resync == ResyncEvent("BTCUSDT", "bad_level", "price 'x'", 15)


async def test_watches_are_named_owned_and_cancelled_on_close() -> None:
    """start() runs both named watches (staleness only with a limit); close()
    ends them and may be called again."""
    keeper, _ = upkeep({"ticker": 5.0})
    keeper.start()
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert {"weex_events: staleness watch", "weex_events: snapshot deadlines"} <= names
    await keeper.close()
    await keeper.close()
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert not {n for n in names if n.startswith("weex_events: ")}
    quiet, _ = upkeep({})
    quiet.start()
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert "weex_events: staleness watch" not in names
    await quiet.close()
