"""The "Risk Management Integration" example of the WebSocket API guide, runnable.

The code between the "documented block" markers is the block of
docs/websocket-api.rst, unchanged; the imports it needs are above it, and the
three helpers it calls but never defines are below it, built on WeexRestClient.
It needs credentials (WEEX_API_KEY, WEEX_SECRET_KEY, WEEX_PASSPHRASE): it reads
positions, and on a breach it **closes positions at market**.
Configuration comes from the WEEX_* environment variables (docs/configuration.rst)::

    python examples/risk_monitored_trading.py --seconds 10
"""

# The documented code is kept as written (long lines, untyped functions).
# ruff: noqa: F841
# mypy: disable-error-code="no-untyped-def, no-untyped-call"
import asyncio
import contextlib
from decimal import Decimal

from weex_events import WeexConfig, WeexError, WeexRestClient, WeexWebSocketClient


# fmt: off
# --- documented block: docs/websocket-api.rst, "Risk Management Integration" ---
async def risk_monitored_trading():
    """Real-time risk monitoring with WebSocket"""
    config = WeexConfig.from_env()

    async with WeexWebSocketClient(config) as ws_client:
        print("🛡️ Starting risk-monitored trading...")

        risk_limits = {
            "max_position_size": 1000,  # USD
            "max_daily_loss": 100,      # USD
            "max_drawdown": 0.1         # 10%
        }

        current_positions = {}
        daily_pnl = 0
        starting_balance = None

        # Monitor positions for risk breaches
        async for position_message in ws_client.stream_positions():
            data = position_message.data
            symbol = data.get("symbol")
            size = float(data.get("size", 0))
            pnl = float(data.get("unrealized_pnl", 0))

            current_positions[symbol] = {"size": size, "pnl": pnl}

            # Check position size limits
            current_exposure = sum(
                abs(pos["size"]) * get_current_price(symbol)
                for symbol, pos in current_positions.items()
            )

            if current_exposure > risk_limits["max_position_size"]:
                print(f"🚨 POSITION SIZE LIMIT BREACHED: ${current_exposure:.2f}")
                await emergency_reduce_positions()

            # Check daily loss limits
            total_pnl = sum(pos["pnl"] for pos in current_positions.values())
            if total_pnl < -risk_limits["max_daily_loss"]:
                print(f"🚨 DAILY LOSS LIMIT BREACHED: ${total_pnl:.2f}")
                await emergency_close_all_positions()
# --- end of documented block ---
# fmt: on


# Not in the guide: the helpers the block calls. get_current_price() is called
# synchronously inside the block, so prices come from a cache that main() fills
# from GET /capi/v3/market/ticker/24hr and refreshes in the background.
PRICE_REFRESH_SECONDS = 2.0
_rest: WeexRestClient | None = None
_prices: dict[str, float] = {}


def get_current_price(symbol: str | None) -> float:
    """The last traded price of ``symbol``, at most PRICE_REFRESH_SECONDS old.

    Raises:
        LookupError: the exchange lists no such symbol.
    """
    price = _prices.get(symbol or "")
    if price is None:
        raise LookupError(f"no price for {symbol!r}: not a listed symbol")
    return price


async def emergency_reduce_positions() -> None:
    """Close the largest position (by notional value) at market."""
    positions = [p for p in await _client().positions() if Decimal(p["size"]) != 0]
    if not positions:
        return
    largest = max(
        positions,
        key=lambda p: abs(Decimal(p["size"])) * Decimal(get_current_price(p["symbol"])),
    )
    print(f"🚨 Closing {largest['symbol']} ({largest['size']}) at market")
    await _client().close_all_positions(largest["symbol"])


async def emergency_close_all_positions() -> None:
    """Cancel every open order, then close every position at market."""
    print("🚨 Cancelling all orders and closing all positions at market")
    await _client().cancel_all_orders()
    await _client().close_all_positions()


def _client() -> WeexRestClient:
    if _rest is None:
        raise RuntimeError("run main(): it opens the REST client the helpers use")
    return _rest


async def _refresh_prices() -> None:
    for ticker in await _client().ticker_24hr():
        _prices[ticker["symbol"]] = float(ticker["lastPrice"])


async def _keep_prices_fresh() -> None:
    while True:
        await asyncio.sleep(PRICE_REFRESH_SECONDS)
        try:
            await _refresh_prices()
        except WeexError as exc:  # keep the last prices; try again next round
            print(f"price refresh failed: {exc}")


async def main() -> None:
    """Real-time risk monitoring with WebSocket (and REST for prices and exits)."""
    global _rest
    async with WeexRestClient(WeexConfig.from_env()) as rest:
        _rest = rest
        await _refresh_prices()
        refresher = asyncio.create_task(_keep_prices_fresh(), name="price refresh")
        try:
            await risk_monitored_trading()
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            _rest = None


if __name__ == "__main__":
    from _runner import run

    run(main)
