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


class FakeConnection:
    """What the hub asks of a connection: room, rejections, channels, a start."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.desired: list[Channel] = []
        self.rejections = 0
        self.started = False

    def add(self, channel: Channel) -> None:
        self.desired.append(channel)

    def start_background(self) -> None:
        self.started = True


def test_place_wanted_starts_public_and_hands_back_private() -> None:
    """Channels wanted before connecting are placed; public connections start in
    the background, the private one is returned unstarted."""
    made: list[FakeConnection] = []

    def factory(endpoint: Endpoint) -> Connection:
        made.append(FakeConnection(endpoint))
        return made[-1]  # type: ignore[return-value]

    books = BookKeeper(str, lambda msg: None, lambda ch, why, detail: None)
    hub = Hub(factory, books, max_channels=100, max_connections=10)
    assert hub.place_wanted() is None and hub.placing
    hub = Hub(factory, books, max_channels=100, max_connections=10)
    order = Channel("order")
    hub.hold([BOOK15, order])
    private = hub.place_wanted()
    assert private is hub.conn_of(order) is hub.first(Endpoint.PRIVATE)
    public = hub.conn_of(BOOK15)
    assert public is not None and public is not private
    assert public.started and not private.started  # type: ignore[attr-defined]
