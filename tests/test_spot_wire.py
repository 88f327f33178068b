"""The client on the simulator's spot host: every spot stream, best bid/ask
conflation, the book against REST depth, paper orders as private events, and
what spot does not serve."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tests.conftest import expect, within, zero_backoff
from weex_events import (
    ConfigError,
    StreamMessage,
    WeexRestClient,
    WeexWebSocketClient,
)
from weex_events.sim import Simulator

SYMBOLS = ("BTCUSDT", "ETHUSDT")


pytestmark = pytest.mark.weex_sim(seed=11, symbols=SYMBOLS)
#: The marker of the tests taking ``paused``; it adds to the module's.
PAUSED = pytest.mark.weex_sim(paused=True)


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture (seed 11, two symbols, speed 20)."""
    return weex_sim


@pytest.fixture
def paused(weex_sim: Simulator) -> Simulator:
    """The same, on a test marked ``PAUSED``: its markets move only by ``step()``."""
    assert weex_sim.paused, "mark the test with PAUSED"
    return weex_sim


async def first(stream: AsyncIterator[StreamMessage]) -> StreamMessage:
    """The first message of ``stream`` (bounded)."""
    async with asyncio.timeout(20):
        return await anext(stream)


async def test_every_public_spot_stream_reaches_the_client(sim: Simulator) -> None:
    """ticker, book_ticker, trade, book and kline all arrive from the spot host."""
    config = sim.config(market="spot", credentials=False)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        ticker = await first(client.stream_tickers("ETHUSDT"))
        best = await first(client.stream_book_tickers(["ETHUSDT"]))
        trade = await first(client.stream_trades("ETHUSDT"))
        book = await first(client.stream_order_book("ETHUSDT", level=15))
        bar = await first(client.stream_klines("ETHUSDT", "1m"))
        params = {c.kind: p for c, p in client.subscriptions.items()}
    assert ticker.kind == "ticker" and "mark" not in ticker.data
    assert "index" not in ticker.data and {"last", "change"} <= set(ticker.data)
    assert best.event == "book_ticker:ETHUSDT"
    assert set(best.data) == {"symbol", "bid", "bid_size", "ask", "ask_size",
                              "update_id"}  # fmt: skip
    assert Decimal(best.data["bid"]) < Decimal(best.data["ask"])
    assert trade.kind == "trade" and trade.data["side"] in ("buy", "sell")
    assert len(book.data["bids"]) == 15 and book.data["version"] > 0
    assert bar.kind == "kline" and bar.data["interval"] == "1m"
    assert params == {}  # every stream gave its channel back


async def test_book_ticker_handlers_and_subscribe(sim: Simulator) -> None:
    """on("book_ticker:SYMBOL") subscribes; bare handlers see every symbol."""
    config = sim.config(market="spot", credentials=False)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        seen: list[StreamMessage] = []
        client.on("book_ticker", seen.append)
        eth = expect(client, "book_ticker:ETHUSDT")
        await client.subscribe("book_ticker", ["BTCUSDT"])
        btc = await client.wait_for("book_ticker:BTCUSDT", timeout=20)
        msg = await within(eth, 20)
    assert msg.symbol == "ETHUSDT" and btc.symbol == "BTCUSDT"
    assert {m.symbol for m in seen} == {"BTCUSDT", "ETHUSDT"}


@PAUSED
async def test_book_tickers_conflate_to_the_latest_per_symbol(
    paused: Simulator,
) -> None:
    """A stream not read while best bid/ask move keeps only each symbol's latest."""
    config = paused.config(market="spot", credentials=False)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        stream = client.stream_book_tickers(SYMBOLS)
        got = [await first(stream), await first(stream)]  # one each after the ack
        assert {m.symbol for m in got} == set(SYMBOLS)
        later: list[StreamMessage] = []
        client.on("book_ticker", later.append)
        async with asyncio.timeout(30):
            while len(later) < 12:  # a step that moves no best price pushes none
                paused.step(1)
                await asyncio.sleep(0.01)
        # Handlers and the stream's queue are fed by one dispatch: read both
        # without yielding to the loop.
        pending = [stream.queue.get_nowait() for _ in range(stream.pending)]
        latest = {m.symbol: m for m in later}
        assert sorted(m.symbol for m in pending) == sorted(latest)
        assert all(m is latest[m.symbol] for m in pending)
        assert stream.conflated == len(later) - len(pending) > 0
        assert sum(client.stats.conflated.values()) >= stream.conflated
        await stream.aclose()


@PAUSED
async def test_spot_book_equals_rest_depth(paused: Simulator) -> None:
    """The client's spot book equals spot REST depth at the same version."""
    config = paused.config(market="spot", credentials=False)
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        stream = client.stream_order_book("BTCUSDT", level=15)
        for _ in range(3):
            book = await first(stream)
            depth = await rest.depth("BTCUSDT", 15)
            async with asyncio.timeout(20):
                while book.data["version"] < depth["lastUpdateId"]:
                    book = await anext(stream)
            assert book.data["version"] == depth["lastUpdateId"]
            assert [list(level) for level in book.data["bids"]] == depth["bids"]
            assert [list(level) for level in book.data["asks"]] == depth["asks"]
            paused.step(7)
        await stream.aclose()


@PAUSED
async def test_spot_rest_speaks_the_spot_paths(paused: Simulator) -> None:
    """Server time, instruments, tickers and balances come from /api/v3/."""
    async with WeexRestClient(paused.config(market="spot")) as rest:
        server_ms = await rest.server_time()
        info = await rest.exchange_info()
        [ticker] = await rest.ticker_24hr("ETHUSDT")
        balances = await rest.balance()
    assert server_ms == paused.spot.market.now_ms
    assert {s["symbol"] for s in info["symbols"]} == set(SYMBOLS)
    assert ticker["symbol"] == "ETHUSDT" and "bidPrice" in ticker
    [usdt] = balances
    assert usdt["asset"] == "USDT" and Decimal(usdt["free"]) == 100000
    assert Decimal(usdt["locked"]) == 0


@PAUSED
async def test_spot_rest_refuses_what_spot_lacks(paused: Simulator) -> None:
    """Positions, post-only, reduce-only and symbol-less cancel-all: ConfigError."""
    async with WeexRestClient(paused.config(market="spot")) as rest:
        with pytest.raises(ConfigError, match="position"):
            await rest.positions()
        with pytest.raises(ConfigError, match="position"):
            await rest.close_all_positions()
        with pytest.raises(ConfigError):
            await rest.place_order(
                "BTCUSDT",
                "buy",
                "0.1",
                type="LIMIT",
                price="1",
                time_in_force="POST_ONLY",
            )
        with pytest.raises(ConfigError):
            await rest.place_order("BTCUSDT", "buy", "0.1", reduce_only=True)
        with pytest.raises(ConfigError, match="symbol"):
            await rest.cancel_all_orders()


@PAUSED
async def test_spot_paper_orders_become_order_fill_and_account_events(
    paused: Simulator,
) -> None:
    """A spot market buy then sell: orders, fills and both coins' balances."""
    config = paused.config(market="spot")
    key = paused.api_key
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        orders: list[StreamMessage] = []
        fills: list[StreamMessage] = []
        accounts: list[StreamMessage] = []
        client.on("order:BTCUSDT", orders.append)
        client.on("fill", fills.append)
        await client.subscribe("account")
        client.on("account", accounts.append)
        coins = [
            expect(client, "account", lambda m, c=c: m.data["coin"] == c)  # type: ignore[misc]
            for c in ("BTC", "USDT")
        ]
        placed = await rest.place_order("BTCUSDT", "buy", "0.01")
        # WEEX-WS.md §1.7.4 order: orders, fill, then one account push per coin.
        await within(asyncio.gather(*coins), 20)
        order_id = str(placed["orderId"])
        bought = fills[-1].data
        assert [m.data["status"] for m in orders] == ["pending", "filled"]
        assert {m.data["order_id"] for m in orders} == {order_id}
        assert "position_side" not in orders[-1].data
        assert bought["order_id"] == order_id and bought["side"] == "buy"
        assert Decimal(bought["size"]) == Decimal("0.01")
        assert "realized_pnl" not in bought
        # WEEX-WS.md §1.7.4: a buy pays its fee in the base coin.
        btc = paused.spot.paper.balance(key, "BTC")
        usdt = paused.spot.paper.balance(key, "USDT")
        assert btc.free == Decimal("0.01") - Decimal(bought["fee"])
        assert usdt.free == Decimal(100000) - Decimal(bought["size"]) * Decimal(
            bought["price"]
        )
        by_coin = {m.data["coin"]: m.data for m in accounts}
        assert Decimal(by_coin["BTC"]["available"]) == btc.free
        assert Decimal(by_coin["BTC"]["balance"]) == btc.equity
        assert Decimal(by_coin["USDT"]["available"]) == usdt.free
        assert "margin_mode" not in by_coin["USDT"]
        # A resting limit sell locks BTC; canceling it gives it back.
        sell_at = Decimal(bought["price"]) * 2
        frozen = expect(client, "account", lambda m: m.data["frozen"] not in ("0",))
        resting = await rest.place_order(
            "BTCUSDT", "sell", "0.005", type="LIMIT", price=str(sell_at)
        )
        locked = (await within(frozen, 20)).data
        assert locked["coin"] == "BTC" and Decimal(locked["frozen"]) == Decimal("0.005")
        [row] = [
            r for r in await rest.open_orders("BTCUSDT")
            if str(r["orderId"]) == str(resting["orderId"])
        ]  # fmt: skip
        assert row["status"] == "NEW" and Decimal(row["origQty"]) == Decimal("0.005")
        canceled = expect(client, "order", lambda m: m.data["status"] == "canceled")
        await rest.cancel_order("BTCUSDT", resting["orderId"])
        assert (await within(canceled, 20)).data["order_id"] == str(resting["orderId"])
        rows = {r["asset"]: r for r in await rest.balance()}
        assert Decimal(rows["BTC"]["locked"]) == 0
        assert Decimal(rows["BTC"]["free"]) == btc.free


@PAUSED
async def test_spot_refuses_positions_and_contract_refuses_book_ticker(
    paused: Simulator,
) -> None:
    """Kinds a market does not serve are a ConfigError at call time."""
    async with WeexWebSocketClient(paused.config(market="spot")) as spot:
        with pytest.raises(ConfigError, match="spot"):
            spot.stream_positions()
        with pytest.raises(ConfigError, match="spot"):
            spot.on("position", print)
        with pytest.raises(ConfigError, match="spot"):
            await spot.subscribe("positions")
        with pytest.raises(ConfigError, match="LAST_PRICE"):
            await spot.subscribe("kline", "BTCUSDT", price_type="MARK_PRICE")
        assert spot.subscriptions == {}
    async with WeexWebSocketClient(paused.config()) as contract:
        with pytest.raises(ConfigError, match="contract"):
            contract.stream_book_tickers("BTCUSDT")
        with pytest.raises(ConfigError, match="contract"):
            contract.on("book_ticker:BTCUSDT", print)
        with pytest.raises(ConfigError, match="contract"):
            contract.stream("book_ticker")
        with pytest.raises(ConfigError, match="contract"):
            await contract.subscribe("book_ticker", "BTCUSDT")
        assert contract.subscriptions == {}


@PAUSED
async def test_private_spot_connection_signs_with_spot_server_time(
    paused: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The private handshake reads GET /api/v3/time, never contract's path."""
    caplog.set_level("DEBUG", logger="weex_events")
    config = paused.config(market="spot")
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        await client.subscribe("order")
        assert client.subscriptions
    messages = [r.getMessage() for r in caplog.records]
    assert any("server clock offset" in m for m in messages), messages
    assert not any("cannot read the server clock" in m for m in messages)
