"""The "Memory Management" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/memory_efficient_streaming.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Memory Management" ---
async def memory_efficient_streaming():
    """Stream without accumulating data in memory"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📊 Memory-efficient streaming...")

        async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
            # Process data immediately, don't store it
            price = float(ticker_message.data.get("last", 0))

            # Only keep what you need
            if price > 50000:  # Example filter
                print(f"High price alert: ${price}")

            # No accumulation - memory stays constant
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(memory_efficient_streaming)
