"""The "Context Manager" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/websocket_example.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Context Manager" ---
async def websocket_example():
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        # Client automatically connects and manages resources
        async for message in ws_client.stream_tickers(["BTCUSDT"]):
            print(f"Ticker: {message.data}")

        # Client automatically disconnects when exiting context
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(websocket_example)
