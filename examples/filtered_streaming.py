"""The "Message Filtering and Processing" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/filtered_streaming.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: E501
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Message Filtering and Processing" ---
async def filtered_streaming():
    """Process only relevant messages"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📊 Starting filtered streaming...")

        async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
            data = ticker_message.data

            # Filter by price changes > 0.1%
            price_change = float(data.get("change", 0))
            if abs(price_change) > 0.1:
                price = data.get("last", "N/A")
                volume = data.get("volume", "N/A")

                print(f"📈 Significant move: {price_change}% | Price: ${price} | Volume: {volume}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(filtered_streaming)
