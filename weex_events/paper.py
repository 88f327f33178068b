"""The demo's paper trader: a few orders over REST, so that private events show.

The demo (:mod:`weex_events.dashboard`) runs it beside its live view when the
config carries credentials (the simulator's paper account): a market buy, a
limit sell at the best ask, then closing the position (contract) or selling
what the account holds of the coin (spot), over and over until cancelled.

Imports: ``config``, ``rest``, ``demo_state``.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from .config import WeexConfig
from .demo_state import sellable, spot_lot
from .rest import WeexRestClient

__all__ = ["PAPER_INTERVAL", "PAPER_SIZE", "paper_trader"]

#: Order size per symbol (``"1"`` for others).
PAPER_SIZE = {"BTCUSDT": "0.010", "ETHUSDT": "0.10", "SOLUSDT": "1"}
PAPER_INTERVAL = 2.0  # seconds between two paper orders of the demo


async def paper_trader(config: WeexConfig, symbol: str) -> None:
    """Place a few paper orders so that private events show: a market buy, a
    limit sell at the best ask, then closing the position (contract) or selling
    what the account holds of the coin (spot: the buy's fee is paid in it)."""
    size = PAPER_SIZE.get(symbol, "1")
    async with WeexRestClient(config) as rest:
        info = await rest.exchange_info() if config.market == "spot" else None
        base, step = spot_lot(info, symbol) if info is not None else ("", Decimal(0))
        while True:
            await rest.place_order(symbol, "buy", size)
            await asyncio.sleep(PAPER_INTERVAL)
            best_ask = (await rest.depth(symbol))["asks"][0][0]
            half = size if info is None else str(Decimal(size) / 2)
            await rest.place_order(
                symbol, "sell", half, type="LIMIT", price=best_ask, time_in_force="GTC"
            )
            await asyncio.sleep(PAPER_INTERVAL)
            await rest.cancel_all_orders(symbol)
            if info is None:
                await rest.close_all_positions(symbol)
            else:
                held = {r.get("asset"): r.get("free") for r in await rest.balance()}
                amount = sellable(held.get(base), step)
                if amount > 0:
                    await rest.place_order(symbol, "sell", str(amount))
            await asyncio.sleep(PAPER_INTERVAL)
