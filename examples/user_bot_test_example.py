"""Testing your own bot with the ``weex_sim`` pytest fixture.

``weex_sim`` is a started WEEX simulator on 127.0.0.1 (seed 1, speed 20), stopped
after the test; ``weex_sim.config()`` points a client at it (with the credentials
of its paper trading account), ``weex_sim.faults`` breaks things on purpose, and
``@pytest.mark.weex_sim(...)`` changes its options.
The fixture is a pytest plugin installed with ``weex_events``; it needs
pytest-asyncio (``pip install "weex_events[test]"``). Copy this file into your
own tests and run::

    python -m pytest test_my_bot.py

(From a source checkout that is not installed, add ``-p weex_events.testing``.)
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from weex_events import StreamMessage, WeexConfig, WeexRestClient, WeexWebSocketClient
from weex_events.sim import Simulator

# Needed in pytest-asyncio's default (strict) mode; harmless in auto mode.
pytestmark = pytest.mark.asyncio


class SpreadBot:
    """The bot under test: keeps the BTCUSDT spread and counts trades."""

    def __init__(self, client: WeexWebSocketClient) -> None:
        self.spreads: list[Decimal] = []
        self.trades = 0
        self.updated = asyncio.Event()
        client.on("book:BTCUSDT", self.on_book)
        client.on("trade:BTCUSDT", self.on_trade)

    def on_book(self, msg: StreamMessage) -> None:
        best_bid, best_ask = msg.data["bids"][0][0], msg.data["asks"][0][0]
        self.spreads.append(best_ask - best_bid)
        self.updated.set()

    def on_trade(self, msg: StreamMessage) -> None:
        self.trades += 1


def decimal_config(sim: Simulator) -> WeexConfig:
    """The simulator's config, with Decimal prices for exact arithmetic."""
    return sim.config(number_type=Decimal)


async def test_bot_tracks_a_positive_spread(weex_sim: Simulator) -> None:
    """The bot sees order books whose spread is always positive."""
    async with WeexWebSocketClient(decimal_config(weex_sim)) as client:
        bot = SpreadBot(client)
        await client.wait_for("book:BTCUSDT", timeout=5)
        await client.wait_for("trade:BTCUSDT", timeout=5)
    assert bot.spreads and all(spread > 0 for spread in bot.spreads)
    assert bot.trades > 0


async def test_bot_keeps_working_after_a_connection_drop(weex_sim: Simulator) -> None:
    """After the network drops, the client reconnects and the bot gets data again."""
    async with WeexWebSocketClient(decimal_config(weex_sim)) as client:
        bot = SpreadBot(client)
        await asyncio.wait_for(bot.updated.wait(), timeout=5)
        weex_sim.faults.drop()
        await client.wait_for("reconnected", timeout=5)
        bot.updated.clear()
        await asyncio.wait_for(bot.updated.wait(), timeout=5)


@pytest.mark.weex_sim(symbols=["BTCUSDT"], seed=7)
async def test_bot_on_a_market_stepped_by_hand(weex_sim: Simulator) -> None:
    """A paused simulator's book moves when the test steps it."""
    weex_sim.pause()
    async with WeexWebSocketClient(decimal_config(weex_sim)) as client:
        bot = SpreadBot(client)
        snapshot = await client.wait_for("book:BTCUSDT", timeout=5)
        weex_sim.step(10)
        moved = await client.wait_for("book:BTCUSDT", timeout=5)
    assert moved.data["version"] > snapshot.data["version"]
    assert len(bot.spreads) >= 2


@pytest.mark.weex_sim(symbols=["BTCUSDT"])
async def test_resting_order_fills_when_the_market_reaches_it(
    weex_sim: Simulator,
) -> None:
    """The paper exchange fills a resting buy once the market walks down to it."""
    weex_sim.pause()  # no drift: only move() changes the price
    config = decimal_config(weex_sim)
    async with WeexWebSocketClient(config) as client, WeexRestClient(config) as rest:
        await client.subscribe("fill")  # private: waits for the server's ack
        await rest.place_order("BTCUSDT", "buy", "0.01", type="LIMIT", price="99000")
        weex_sim.move("BTCUSDT", "98990")
        fill: StreamMessage = await client.wait_for("fill:BTCUSDT", timeout=5)
    assert fill.data["side"] == "buy"
    assert fill.data["price"] == Decimal("99000")
    assert fill.data["size"] == Decimal("0.01")
    assert fill.data["liquidity"] == "maker"
