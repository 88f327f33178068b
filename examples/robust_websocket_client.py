"""The "Error Handling and Reconnection" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/robust_websocket_client.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
import asyncio

from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Error Handling and Reconnection" ---
async def robust_websocket_client():
    """WebSocket client with robust error handling"""
    config = WeexConfig.from_env()

    max_reconnect_attempts = 5
    reconnect_delay = 5  # seconds

    for attempt in range(max_reconnect_attempts):
        try:
            async with WeexWebSocketClient(config) as ws_client:
                print(f"🔌 Connected (attempt {attempt + 1})")

                async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
                    price = ticker_message.data.get("last")
                    print(f"Price: ${price}")

        except Exception as e:
            print(f"❌ Connection error: {e}")
            if attempt < max_reconnect_attempts - 1:
                print(f"🔄 Reconnecting in {reconnect_delay} seconds...")
                await asyncio.sleep(reconnect_delay)
                # Increase delay for next attempt
                reconnect_delay *= 2
            else:
                print("💥 Max reconnection attempts reached")
                raise
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(robust_websocket_client)
