"""The "Order Updates" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/monitor_orders.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: E501
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Order Updates" ---
async def monitor_orders():
    """Monitor real-time order updates"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📋 Monitoring orders...")

        async for order_message in ws_client.stream_orders():
            data = order_message.data
            timestamp = order_message.timestamp

            order_id = data.get("order_id", "N/A")
            status = data.get("status", "N/A")
            symbol = data.get("symbol", "N/A")
            size = data.get("size", "N/A")

            status_emoji = {
                "new": "🆕",
                "partially_filled": "⚡",
                "filled": "✅",
                "canceled": "❌",
                "rejected": "🚫"
            }.get(status, "❓")

            print(f"{timestamp} {status_emoji} Order {order_id}: {symbol} {size} ({status})")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(monitor_orders)
