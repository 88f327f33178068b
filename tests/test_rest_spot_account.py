"""Spot's REST reads for recovery against the simulator: the same data as the
spot pushes, spot's rules (history and fills per symbol, no positions)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

import pytest
import pytest_asyncio

from tests.conftest import expect, within, zero_backoff
from weex_events import ConfigError, StreamMessage, WeexRestClient, WeexWebSocketClient
from weex_events.sim import Simulator

#: Keys a REST order carries like its push (REST has no fee or trigger fields).
ORDER_KEYS = ("order_id", "client_order_id", "symbol", "side", "type", "price",
              "size", "filled_size", "status", "time_in_force")  # fmt: skip


pytestmark = pytest.mark.weex_sim(seed=5, symbols=("BTCUSDT", "ETHUSDT"), paused=True)


@pytest_asyncio.fixture
async def traded(weex_sim: Simulator) -> tuple[Simulator, list[StreamMessage]]:
    """The shipped ``weex_sim`` fixture, paused, after a spot market buy and a
    resting limit sell, with every private push the client received."""
    config = weex_sim.config(market="spot")
    pushed: list[StreamMessage] = []
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        for kind in ("order", "fill", "account"):
            client.on(kind, pushed.append)
            await client.subscribe(kind)
        usdt = expect(client, "account", lambda m: m.data["coin"] == "USDT")
        await rest.place_order("BTCUSDT", "buy", "0.02")
        await within(usdt, 20)
        ask = (await rest.depth("BTCUSDT"))["asks"][-1][0]
        frozen = expect(client, "account", lambda m: m.data["frozen"] != "0")
        await rest.place_order(
            "BTCUSDT", "sell", "0.01", type="LIMIT", price=str(Decimal(ask) * 2)
        )
        await within(frozen, 20)
    return weex_sim, pushed


def numbers(
    data: dict[str, object], keys: Collection[str] | None = None
) -> dict[str, object]:
    """``data`` (or its ``keys``) with decimal texts as Decimals: REST and the
    WebSocket may write one number differently (``"0"``, ``"0.000000"``)."""
    out: dict[str, object] = {}
    for key, value in data.items():
        if keys is not None and key not in keys:
            continue
        try:
            out[key] = Decimal(value) if isinstance(value, str) else value
        except ArithmeticError:
            out[key] = value
    return out


def latest(pushed: list[StreamMessage], kind: str) -> dict[str, dict[str, object]]:
    """The last pushed data of ``kind`` per id (order id, fill id or coin)."""
    key = {"order": "order_id", "fill": "fill_id", "account": "coin"}[kind]
    return {str(m.data[key]): m.data for m in pushed if m.kind == kind}


async def test_open_orders_read_as_pushed(
    traded: tuple[Simulator, list[StreamMessage]],
) -> None:
    """fetch_open_orders gives the resting order with its pushed data."""
    sim, pushed = traded
    async with WeexRestClient(sim.config(market="spot")) as rest:
        [item] = await rest.fetch_open_orders()
        assert await rest.fetch_open_orders("ETHUSDT") == []
        found = await rest.fetch_order(item.data["order_id"])
        missing = await rest.fetch_order("999999999")
    push = latest(pushed, "order")[item.data["order_id"]]
    assert item.kind == "order" and item.symbol == "BTCUSDT"
    assert numbers(item.data, ORDER_KEYS) == numbers(push, ORDER_KEYS)
    assert push["status"] == "new"
    assert found is not None and found.data == item.data
    assert missing is None


async def test_history_and_fills_per_symbol_read_as_pushed(
    traded: tuple[Simulator, list[StreamMessage]],
) -> None:
    """Order history and fills of a symbol equal the pushes; spot needs the symbol."""
    sim, pushed = traded
    now = sim.spot.market.now_ms
    async with WeexRestClient(sim.config(market="spot")) as rest:
        history = await rest.fetch_order_history(now - 3_600_000, now, "BTCUSDT")
        fills = await rest.fetch_fills(now - 3_600_000, now, "BTCUSDT")
        with pytest.raises(ConfigError, match="symbol"):
            await rest.fetch_order_history(now - 3_600_000, now)
        with pytest.raises(ConfigError, match="symbol"):
            await rest.fetch_fills(now - 3_600_000, now)
    orders = latest(pushed, "order")
    assert {i.data["order_id"] for i in history} == set(orders)
    for item in history:
        push = orders[item.data["order_id"]]
        assert numbers(item.data, ORDER_KEYS) == numbers(push, ORDER_KEYS)
    [fill] = fills
    push = latest(pushed, "fill")[fill.data["fill_id"]]
    # Spot REST names no maker/taker: liquidity is omitted, never guessed.
    assert "liquidity" not in fill.data
    pushed_keys = set(push) - {"liquidity", "reason"}
    assert numbers(fill.data) == numbers(push, pushed_keys)


async def test_balances_read_as_pushed_and_no_positions(
    traded: tuple[Simulator, list[StreamMessage]],
) -> None:
    """fetch_balances gives each coin as its last account push; positions raise."""
    sim, pushed = traded
    async with WeexRestClient(sim.config(market="spot")) as rest:
        balances = await rest.fetch_balances()
        with pytest.raises(ConfigError, match="positions"):
            await rest.fetch_positions()
    accounts = latest(pushed, "account")
    assert {b.data["coin"] for b in balances} == {"USDT", "BTC"}
    for item in balances:
        push = accounts[str(item.data["coin"])]
        for key in ("balance", "available", "frozen"):
            assert Decimal(str(item.data[key])) == Decimal(str(push[key])), key
    btc = sim.spot.paper.balance(sim.api_key, "BTC")
    [mine] = [b for b in balances if b.data["coin"] == "BTC"]
    assert Decimal(str(mine.data["frozen"])) == btc.locked == Decimal("0.01")
