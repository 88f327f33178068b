"""The "Batch Processing" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/batch_stream_processing.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: E501
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Batch Processing" ---
async def batch_stream_processing():
    """Process messages in batches for efficiency"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📊 Batch processing...")

        batch_size = 10
        batch = []

        async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
            batch.append(ticker_message.data)

            if len(batch) >= batch_size:
                # Process batch
                await process_ticker_batch(batch)
                batch = []  # Clear batch

        # Process remaining messages
        if batch:
            await process_ticker_batch(batch)

async def process_ticker_batch(ticker_batch):
    """Process a batch of ticker messages"""
    prices = [float(t.get("last", 0)) for t in ticker_batch]
    avg_price = sum(prices) / len(prices)
    max_price = max(prices)
    min_price = min(prices)

    print(f"Batch: Avg: ${avg_price:.2f} | Max: ${max_price:.2f} | Min: ${min_price:.2f}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(batch_stream_processing)
