"""The "Order Book Monitoring" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/monitor_order_book.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: F541
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Order Book Monitoring" ---
async def monitor_order_book():
    """Monitor real-time order book"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📈 Monitoring BTC/USDT order book...")

        async for book_message in ws_client.stream_order_book("BTCUSDT", level=5):
            data = book_message.data

            bids = data.get("bids", [])[:3]  # Top 3 bids
            asks = data.get("asks", [])[:3]  # Top 3 asks

            print(f"\n📊 Order Book Snapshot:")
            print("Bids:")
            for i, (price, size) in enumerate(bids, 1):
                print(f"  {i}. ${price} - {size}")

            print("Asks:")
            for i, (price, size) in enumerate(asks, 1):
                print(f"  {i}. ${price} - {size}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(monitor_order_book)
