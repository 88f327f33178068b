"""The "Paper Trading Engine" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it, and the
``has_position`` method it calls but never defines is below it.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/paper_trading_engine.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: E501
# mypy: disable-error-code="no-untyped-def, no-untyped-call, attr-defined"
# (attr-defined: mypy cannot see has_position, attached after the class.)
from weex_events import WeexConfig, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Paper Trading Engine" ---
class PaperTradingEngine:
    def __init__(self, initial_balance=10000):
        self.balance = initial_balance
        self.positions = {}
        self.orders = {}
        self.trades = []
        self.trade_id = 0

    async def simulate_trading(self, config):
        """Run paper trading simulation with real market data"""
        async with WeexWebSocketClient(config) as ws_client:
            print("🎯 Starting paper trading simulation...")

            async for ticker_message in ws_client.stream_tickers(["BTCUSDT"]):
                price = float(ticker_message.data.get("last", 0))
                timestamp = ticker_message.timestamp

                # Simple trading logic
                signal = self.generate_signal(price)

                if signal == "buy" and self.balance > 100:
                    # Buy 1% of balance
                    order_size = self.balance * 0.01 / price
                    await self.execute_buy(price, order_size, timestamp)

                elif signal == "sell" and self.has_position("BTCUSDT"):
                    # Sell all BTC
                    position_size = self.positions.get("BTCUSDT", 0)
                    await self.execute_sell(price, position_size, timestamp)

                # Print portfolio status
                portfolio_value = self.calculate_portfolio_value(price)
                print(f"{timestamp}: Portfolio: ${portfolio_value:.2f} | Balance: ${self.balance:.2f}")

    def generate_signal(self, price):
        """Simple trading signal generator"""
        # Implement your trading logic here
        # This is just a placeholder
        import random
        return random.choice(["buy", "sell", "hold"])

    async def execute_buy(self, price, size, timestamp):
        """Execute buy order in paper trading"""
        cost = price * size
        self.balance -= cost
        self.positions["BTCUSDT"] = self.positions.get("BTCUSDT", 0) + size

        self.trade_id += 1
        self.trades.append({
            "id": self.trade_id,
            "type": "buy",
            "price": price,
            "size": size,
            "cost": cost,
            "timestamp": timestamp
        })

        print(f"🟢 BUY: {size:.6f} BTC @ ${price:.2f} (Cost: ${cost:.2f})")

    async def execute_sell(self, price, size, timestamp):
        """Execute sell order in paper trading"""
        if size > self.positions.get("BTCUSDT", 0):
            size = self.positions["BTCUSDT"]

        revenue = price * size
        self.balance += revenue
        self.positions["BTCUSDT"] -= size

        self.trade_id += 1
        self.trades.append({
            "id": self.trade_id,
            "type": "sell",
            "price": price,
            "size": size,
            "revenue": revenue,
            "timestamp": timestamp
        })

        print(f"🔴 SELL: {size:.6f} BTC @ ${price:.2f} (Revenue: ${revenue:.2f})")

    def calculate_portfolio_value(self, current_price):
        """Calculate total portfolio value"""
        btc_value = self.positions.get("BTCUSDT", 0) * current_price
        return self.balance + btc_value

# Usage
async def run_paper_trading():
    config = WeexConfig.from_env()
    engine = PaperTradingEngine(initial_balance=10000)
    await engine.simulate_trading(config)
# --- end of documented block ---
# fmt: on


# Not in the guide: simulate_trading() calls self.has_position(), which the
# documented class never defines (the block fails on the first "sell" signal).
# This is its obvious meaning, attached to the class without editing the block.
def has_position(self: PaperTradingEngine, symbol: str) -> bool:
    """Whether the paper portfolio holds a positive amount of ``symbol``."""
    held: float = self.positions.get(symbol, 0)
    return held > 0


PaperTradingEngine.has_position = has_position


if __name__ == "__main__":
    from _runner import run

    run(run_paper_trading)
