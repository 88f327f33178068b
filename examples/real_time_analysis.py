"""The "Real-time Analysis" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/real_time_analysis.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: E501
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Real-time Analysis" ---
async def real_time_analysis():
    """Perform real-time analysis on stream data"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("📊 Starting real-time analysis...")

        price_history = []
        moving_avg_period = 20

        async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
            price = float(ticker_message.data.get("last", 0))
            timestamp = ticker_message.timestamp

            price_history.append(price)

            # Keep only recent history
            if len(price_history) > moving_avg_period:
                price_history.pop(0)

            # Calculate moving average
            if len(price_history) >= moving_avg_period:
                moving_avg = sum(price_history) / len(price_history)

                # Simple trading signal
                if price > moving_avg * 1.02:  # 2% above MA
                    print(f"{timestamp}: 📈 BUY signal - Price: ${price:.2f}, MA: ${moving_avg:.2f}")
                elif price < moving_avg * 0.98:  # 2% below MA
                    print(f"{timestamp}: 📉 SELL signal - Price: ${price:.2f}, MA: ${moving_avg:.2f}")
                else:
                    print(f"{timestamp}: 📊 HOLD - Price: ${price:.2f}, MA: ${moving_avg:.2f}")
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(real_time_analysis)
