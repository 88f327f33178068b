"""The "Trade Stream Monitoring" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/monitor_trades.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Trade Stream Monitoring" ---
async def monitor_trades():
    """Monitor real-time trades"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("💰 Monitoring BTC/USDT trades...")

        async for trade_message in ws_client.stream_trades("BTCUSDT"):
            data = trade_message.data
            timestamp = trade_message.timestamp

            price = data.get("price", "N/A")
            size = data.get("size", "N/A")
            side = data.get("side", "N/A")

            side_emoji = "🟢" if side == "buy" else "🔴"
            print(f"{timestamp} {side_emoji} {size} BTC @ ${price}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(monitor_trades)
