"""The client on the simulator's spot host: the streams spot shares with contract.

Spot tickers (without mark and index), trades and the order book, from a config
made with ``market="spot"`` (``tests/test_spot_wire.py`` covers the rest).
"""

from __future__ import annotations

import asyncio

from tests.conftest import zero_backoff
from weex_events import WeexWebSocketClient
from weex_events.sim import Simulator


async def test_spot_tickers_trades_and_book_reach_the_client(sim: Simulator) -> None:
    """Tickers come without mark/index, trades and books with spot's precision."""
    config = sim.config(market="spot", credentials=False)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        async with asyncio.timeout(20):
            async for msg in client.stream_tickers(["ETHUSDT"]):
                ticker = msg.data
                break
            async for msg in client.stream_trades("ETHUSDT"):
                trade = msg.data
                break
            async for msg in client.stream_order_book("ETHUSDT", level=15):
                book = msg.data
                break
    assert "mark" not in ticker and "index" not in ticker
    assert {"last", "open", "change", "trades"} <= set(ticker)
    assert len(trade["size"].split(".")[1]) == 5  # spot ETH: 5 size decimals
    assert len(book["bids"]) == 15 and book["version"] > 0
    assert len(book["bids"][0][1].split(".")[1]) == 5
