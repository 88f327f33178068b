"""The "Real-time Market Monitoring" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/monitor_market.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: E501
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Real-time Market Monitoring" ---
async def monitor_market():
    """Monitor real-time market data"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📊 Monitoring BTC/USDT...")

        async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
            data = ticker_message.data
            timestamp = ticker_message.timestamp

            price = data.get("last", "N/A")
            volume = data.get("volume", "N/A")
            change = data.get("change", "N/A")

            print(f"{timestamp}: BTC/USDT = ${price} | Volume: {volume} | Change: {change}%")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(monitor_market)
