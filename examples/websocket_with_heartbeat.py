"""The "Heartbeat and Health Checks" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/websocket_with_heartbeat.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
import asyncio
import time

from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Heartbeat and Health Checks" ---
async def websocket_with_heartbeat():
    """WebSocket client with heartbeat monitoring"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("💓 Starting heartbeat...")

        last_message_time = time.time()
        heartbeat_interval = 30  # seconds

        async def heartbeat_checker():
            while True:
                await asyncio.sleep(heartbeat_interval)
                if time.time() - last_message_time > heartbeat_interval:
                    print("💔 No messages received - potential connection issue")

        heartbeat_task = asyncio.create_task(heartbeat_checker())

        try:
            async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
                last_message_time = time.time()
                print(f"💓 Message received: {ticker_message.data.get('last')}")

        finally:
            heartbeat_task.cancel()
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(websocket_with_heartbeat)
