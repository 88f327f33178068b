"""Tests for weex_events.hub: one reference count per channel, book views."""

from __future__ import annotations

from weex_events.bookkeeper import BookKeeper
from weex_events.connection import Connection
from weex_events.events import Channel, Endpoint, StreamMessage
from weex_events.hub import Hub
from weex_events.protocol import DepthUpdate

BOOK15 = Channel("book", "BTCUSDT", "15")


def no_connection(endpoint: Endpoint) -> Connection:
    """A factory for a hub that is not placing: never called."""
    raise AssertionError(f"no connection expected for {endpoint}")


def hub_with_books() -> tuple[Hub, list[StreamMessage]]:
    """A hub (not placing) whose books record the messages they emit."""
    out: list[StreamMessage] = []
    books = BookKeeper(str, out.append, lambda ch, why, detail: None)
    hub = Hub(no_connection, books, max_channels=100, max_connections=10)
    return hub, out


def snapshot() -> DepthUpdate:
    """A 20-level snapshot of BTCUSDT at version 1."""
    bids = [(str(100 - i), "1") for i in range(20)]
    asks = [(str(200 + i), "1") for i in range(20)]
    return DepthUpdate("BTCUSDT", 15, True, 1, 1, bids, asks, 5.0, 6.0, {})


def test_book_publishes_the_widest_view_held() -> None:
    """Consumers at 3 and 10 levels get 10; once the 10 goes, 3."""
    hub, out = hub_with_books()
    hub.acquire([BOOK15], book_level=3)
    hub.acquire([BOOK15], book_level=10)
    hub._books.apply(snapshot())
    assert len(out[-1].data["bids"]) == 10
    hub.release([BOOK15], book_level=10)
    hub._books.apply(snapshot())
    assert len(out[-1].data["bids"]) == 3


def test_last_reference_released_forgets_the_channel() -> None:
    """Handlers, streams and explicit calls share one count; the last one ends it."""
    hub, out = hub_with_books()
    hub.hold([BOOK15])
    hub.acquire([BOOK15])
    hub.let_go([BOOK15])
    assert BOOK15 in hub
    hub.let_go([BOOK15])  # not held explicitly any more: ignored
    assert BOOK15 in hub
    hub.release([BOOK15])
    assert BOOK15 not in hub
    hub._books.apply(snapshot())
    assert out == []
