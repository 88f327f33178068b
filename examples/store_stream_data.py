"""The "Data Storage" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/store_stream_data.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: SIM117
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
import aiosqlite

from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Data Storage" ---
async def store_stream_data():
    """Store WebSocket data to database"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        async with aiosqlite.connect("ticker_data.db") as db:
            await db.execute("""
                CREATE TABLE IF NOT EXISTS tickers (
                    timestamp REAL,
                    symbol TEXT,
                    price REAL,
                    volume REAL,
                    change REAL
                )
            """)

            print("💾 Storing ticker data...")

            async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
                data = ticker_message.data
                timestamp = ticker_message.timestamp

                await db.execute("""
                    INSERT INTO tickers (timestamp, symbol, price, volume, change)
                    VALUES (?, ?, ?, ?, ?)
                """, (
                    timestamp,
                    "BTCUSDT",
                    float(data.get("last", 0)),
                    float(data.get("volume", 0)),
                    float(data.get("change", 0))
                ))

                await db.commit()
# --- end of documented block ---
# fmt: on


if __name__ == "__main__":
    from _runner import run

    run(store_stream_data)
