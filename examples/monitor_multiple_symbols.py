"""The "Multi-Symbol Monitoring" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/monitor_multiple_symbols.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
import asyncio

from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Multi-Symbol Monitoring" ---
async def monitor_multiple_symbols():
    """Monitor multiple symbols simultaneously"""
    config = WeexConfig.from_env()
    symbols = ["BTCUSDT", "ETHUSDT", "ADAUSDT"]

    async with WeexWebSocketClient(config) as ws_client:
        print(f"📊 Monitoring {symbols}...")

        # Create tasks for each symbol
        async with asyncio.TaskGroup() as tg:
            tasks = []
            for symbol in symbols:
                task = tg.create_task(
                    monitor_symbol(ws_client, symbol)
                )
                tasks.append(task)

            # All symbol monitoring runs concurrently

async def monitor_symbol(ws_client, symbol):
    """Monitor a single symbol"""
    async for ticker_message in ws_client.stream_tickers([symbol]):
        price = ticker_message.data.get("last", "N/A")
        print(f"{symbol}: ${price}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(monitor_multiple_symbols)
