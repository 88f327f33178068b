"""A local order book you can trust: version-checked, resynced on any gap.

``stream_order_book`` yields the book the client maintains from WEEX's snapshot
and deltas. Every delta must continue the version chain (its first id equals the
previous frame's last id); on a gap, a crossed book or a lost socket the client
emits ``resync``, asks for a fresh snapshot, and publishes nothing until the
book is whole again, so every message below is a consistent book. Run it with::

    python examples/order_book_resync.py --seconds 10
"""

from __future__ import annotations

from decimal import Decimal

from _runner import run

from weex_events import ResyncEvent, WeexConfig, WeexWebSocketClient

SYMBOL = "BTCUSDT"


async def main() -> None:
    """Print the spread of each BTCUSDT book update, and every resync."""
    # Decimal prices: arithmetic on the book without float rounding.
    config = WeexConfig.from_env(number_type=Decimal)
    async with WeexWebSocketClient(config) as client:

        @client.on("resync")
        def on_resync(event: ResyncEvent) -> None:
            print(f"resync {event.symbol}: {event.reason} ({event.detail})")

        async for msg in client.stream_order_book(SYMBOL, level=5):
            book = msg.data
            (bid, bid_size), (ask, ask_size) = book["bids"][0], book["asks"][0]
            assert bid < ask, "a published book is never crossed"
            print(
                f"v{book['version']} {SYMBOL} bid {bid} x {bid_size} | "
                f"ask {ask} x {ask_size} | spread {ask - bid}"
            )


if __name__ == "__main__":
    run(main)
