"""The "Position Monitoring" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/monitor_positions.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Position Monitoring" ---
async def monitor_positions():
    """Monitor real-time position updates"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📊 Monitoring positions...")

        async for position_message in ws_client.stream_positions():
            data = position_message.data
            timestamp = position_message.timestamp

            symbol = data.get("symbol", "N/A")
            size = data.get("size", "N/A")
            side = data.get("side", "N/A")
            pnl = data.get("unrealized_pnl", "N/A")

            print(f"{timestamp}: {symbol} {side} {size} | PnL: {pnl}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(monitor_positions)
