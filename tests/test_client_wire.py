"""Wire tests of the client against the scripted server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import zero_backoff
from tests.scripted import ScriptedServer, ticker_frame, trade_frame
from weex_events import (
    ConfigError,
    ErrorEvent,
    StreamMessage,
    SubscriptionError,
    SubscriptionEvent,
    WeexConfig,
    WeexConnectionError,
    WeexWebSocketClient,
)


def client_for(config: WeexConfig, **kw: Any) -> WeexWebSocketClient:
    return WeexWebSocketClient(config, backoff=zero_backoff, **kw)


async def test_handler_subscribes_and_receives(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """Registering ticker:SYMBOL subscribes; pushed tickers reach the handler."""
    got: list[StreamMessage] = []
    async with client_for(scripted_config) as client:
        client.on("ticker:BTCUSDT", got.append)
        await scripted.wait(lambda: "BTCUSDT@ticker" in scripted.live())
        await scripted.push(ticker_frame("BTCUSDT", "101.5"))
        await client.wait_for("ticker:BTCUSDT", timeout=5)
    assert got[0].event == "ticker:BTCUSDT"
    assert got[0].kind == "ticker"
    assert got[0].data["last"] == "101.5"
    assert got[0].data["change"] == "-1.4706"
    assert got[0].timestamp == pytest.approx(1775120226.169)


async def test_decorator_kind_handler_and_once(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """@client.on works as a decorator; bare kinds observe; once fires once."""
    by_kind: list[str] = []
    once: list[str] = []
    async with client_for(scripted_config) as client:

        @client.on("ticker")
        def on_any(msg: StreamMessage) -> None:
            by_kind.append(msg.data["last"])

        assert on_any.__name__ == "on_any"  # the decorator returns the handler
        client.once("ticker", lambda m: once.append(m.data["last"]))
        await client.subscribe("ticker", ["BTCUSDT"])
        for last in ("1", "2", "3"):
            await scripted.push(ticker_frame("BTCUSDT", last))
        await client.wait_for(
            "ticker", predicate=lambda m: m.data["last"] == "3", timeout=5
        )
    assert by_kind == ["1", "2", "3"]
    assert once == ["1"]


async def test_stream_tickers_receives_in_order(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """stream_tickers yields the pushed tickers and releases on break."""
    async with client_for(scripted_config) as client:

        async def pusher() -> None:
            await scripted.wait(lambda: "ETHUSDT@ticker" in scripted.live())
            for last in ("10", "11", "12"):
                await scripted.push(ticker_frame("ETHUSDT", last))
                await asyncio.sleep(0.01)  # bounded: tickers must not conflate here

        task = asyncio.create_task(pusher())
        seen = []
        async with asyncio.timeout(5):
            async for msg in client.stream_tickers(["ethusdt"]):
                seen.append(msg.data["last"])
                if len(seen) == 3:
                    break
        await task
        await scripted.wait(lambda: "ETHUSDT@ticker" not in scripted.live())
    assert seen == ["10", "11", "12"]


async def test_trades_one_message_per_trade_with_taker_side(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A trade frame with two trades gives two messages; m=true means a sell."""
    async with client_for(scripted_config) as client:
        stream = client.stream_trades("BTCUSDT")
        got: list[StreamMessage] = []

        async def consume() -> None:
            async for msg in stream:
                got.append(msg)
                if len(got) == 2:
                    return

        task = asyncio.create_task(consume())
        await scripted.wait(lambda: "BTCUSDT@trade" in scripted.live())
        await scripted.push(
            trade_frame("BTCUSDT", ("100.1", "0.5", True), ("100.2", "1", False))
        )
        async with asyncio.timeout(5):
            await task
    assert [m.data["side"] for m in got] == ["sell", "buy"]
    assert [m.data["price"] for m in got] == ["100.1", "100.2"]


async def test_handler_exception_becomes_error_event(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A raising handler produces an error event; other handlers keep receiving."""
    errors: list[ErrorEvent] = []
    good: list[str] = []

    def bad(msg: StreamMessage) -> None:
        raise ValueError("boom")

    async with client_for(scripted_config) as client:
        client.on("error", errors.append)
        client.on("ticker:BTCUSDT", bad)
        client.on("ticker:BTCUSDT", lambda m: good.append(m.data["last"]))
        await scripted.wait(lambda: "BTCUSDT@ticker" in scripted.live())
        await scripted.push(ticker_frame("BTCUSDT", "1"))
        await scripted.push(ticker_frame("BTCUSDT", "2"))
        await client.wait_for(
            "ticker", predicate=lambda m: m.data["last"] == "2", timeout=5
        )
        assert client.is_connected()
        assert client.stats.handler_errors == 2
    assert good == ["1", "2"]
    assert len(errors) == 2
    assert errors[0].source == "handler"
    assert errors[0].event == "ticker:BTCUSDT"
    assert "ValueError: boom" in errors[0].message
    assert errors[0].traceback and "boom" in errors[0].traceback


async def test_async_handlers_run_in_arrival_order(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """An async handler sees its events in order even when it awaits in between."""
    seen: list[str] = []
    done = asyncio.Event()

    async def slow(msg: StreamMessage) -> None:
        await asyncio.sleep(0.001 * (5 - len(seen)))  # bounded, decreasing
        seen.append(msg.data["price"])
        if len(seen) == 5:
            done.set()

    async with client_for(scripted_config) as client:
        client.on("trade:BTCUSDT", slow)
        await scripted.wait(lambda: "BTCUSDT@trade" in scripted.live())
        await scripted.push(
            trade_frame("BTCUSDT", *[(str(i), "1", False) for i in range(5)])
        )
        async with asyncio.timeout(5):
            await done.wait()
    assert seen == ["0", "1", "2", "3", "4"]


async def test_shared_subscription_refcount(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """Two streams and a handler share one server subscription; the last leaving
    unsubscribes."""
    async with client_for(scripted_config) as client:
        handler_seen: list[str] = []
        client.on("ticker:BTCUSDT", lambda m: handler_seen.append(m.data["last"]))
        s1 = client.stream_tickers(["BTCUSDT"])
        s2 = client.stream_tickers("BTCUSDT")
        t1, t2 = asyncio.create_task(anext(s1)), asyncio.create_task(anext(s2))
        await scripted.wait(lambda: "BTCUSDT@ticker" in scripted.live())
        async with asyncio.timeout(5):
            while len(client.listeners("ticker:BTCUSDT")) < 3:  # noqa: ASYNC110
                await asyncio.sleep(0.001)  # until both streams registered
        await scripted.push(ticker_frame("BTCUSDT", "5"))
        async with asyncio.timeout(5):
            m1, m2 = await t1, await t2
        assert m1.data["last"] == m2.data["last"] == "5"
        assert scripted.subscribe_count["BTCUSDT@ticker"] == 1
        await s1.aclose()
        client.off("ticker:BTCUSDT", handler_seen.append)  # not registered: no-op
        await asyncio.sleep(0.05)  # bounded: give a wrong unsubscribe time to show
        assert "BTCUSDT@ticker" in scripted.live()
        client.off("ticker:BTCUSDT", client.listeners("ticker:BTCUSDT")[0])
        await asyncio.sleep(0.05)
        assert "BTCUSDT@ticker" in scripted.live()
        await s2.aclose()
        await scripted.wait(lambda: "BTCUSDT@ticker" not in scripted.live())
        unsubs = [c for c in scripted.commands if c.get("method") == "UNSUBSCRIBE"]
        assert [c["params"] for c in unsubs] == [["BTCUSDT@ticker"]]
        assert client.subscriptions == {}


async def test_rejected_channel_reported_once_never_resent(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A rejected channel raises SubscriptionError, emits subscription_failed and
    is not sent again after a reconnect."""
    scripted.reject["NOPEUSDT@ticker"] = "INVALID_ARGUMENT: invalid symbol : NOPEUSDT"
    failed: list[SubscriptionEvent] = []
    async with client_for(scripted_config) as client:
        client.on("subscription_failed", failed.append)
        with pytest.raises(SubscriptionError) as info:
            await client.subscribe("ticker", "NOPEUSDT")
        assert "invalid symbol" in info.value.reason
        client.on("ticker:NOPEUSDT", lambda m: None)  # handler keeps it wanted
        await asyncio.sleep(0.05)
        scripted.drop()
        await client.wait_for("reconnected", timeout=5)
        await client.subscribe("ticker", "BTCUSDT")
    sent = [c["params"][0] for c in scripted.commands if c.get("method") == "SUBSCRIBE"]
    assert sent.count("NOPEUSDT@ticker") == 2  # explicit call, then the handler's
    assert len(failed) == 2


async def test_stream_raises_subscription_error(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """Iterating a stream on a rejected channel raises SubscriptionError."""
    scripted.reject["NOPEUSDT@trade"] = "INVALID_ARGUMENT: invalid symbol : NOPEUSDT"
    async with client_for(scripted_config) as client:
        with pytest.raises(SubscriptionError):
            async for _ in client.stream_trades("NOPEUSDT"):
                pass
        assert client.subscriptions == {}


async def test_streams_end_when_client_exits(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """Leaving `async with` ends a stream that another task is iterating."""
    async with client_for(scripted_config) as client:
        ended = asyncio.Event()

        async def consume() -> None:
            async for _ in client.stream_tickers(["BTCUSDT"]):
                pass
            ended.set()

        task = asyncio.create_task(consume())
        await scripted.wait(lambda: "BTCUSDT@ticker" in scripted.live())
    async with asyncio.timeout(5):
        await task
    assert ended.is_set()


async def test_bad_arguments_are_config_errors(scripted_config: WeexConfig) -> None:
    """Unknown events, private events without keys and bad levels fail at call time."""
    client = client_for(scripted_config)
    with pytest.raises(ConfigError):
        client.on("tickr:BTCUSDT", print)
    with pytest.raises(ConfigError, match="api_key"):
        client.on("order", print)
    with pytest.raises(ConfigError, match="level"):
        client.stream_order_book("BTCUSDT", level=500)
    with pytest.raises(ConfigError):
        client.stream_tickers([])
    await client.disconnect()


async def test_connect_failure_raises(scripted: ScriptedServer) -> None:
    """connect() to a closed port raises WeexConnectionError; nothing leaks."""
    port = scripted.port
    await scripted.stop()
    config = WeexConfig(ws_public_url=f"ws://127.0.0.1:{port}/v3/ws/public")
    with pytest.raises(WeexConnectionError):
        async with client_for(config):
            pass


async def test_stream_tickers_read_what_a_handler_sees_deferred_or_not(
    scripted: ScriptedServer, scripted_config: WeexConfig
) -> None:
    """A ticker only streams listen to is built when the stream reads it: the
    stream gets the message a handler gets, before, while and after a handler
    listens too, and a bad ticker is still an error on arrival."""
    from weex_events.protocol import DeferredMessage

    handled: list[StreamMessage] = []
    errors: list[ErrorEvent] = []
    streamed: list[Any] = []
    async with client_for(scripted_config) as client:
        client.on("error", errors.append)
        stream = client.stream_tickers(["BTCUSDT"])

        async def read(last: str) -> None:
            async with asyncio.timeout(5):
                async for msg in stream:
                    streamed.append(msg)
                    if msg.data["last"] == last:
                        return

        async def push_and_read(last: str) -> None:
            task = asyncio.create_task(read(last))
            await scripted.wait(lambda: "BTCUSDT@ticker" in scripted.live())
            await scripted.push(ticker_frame("BTCUSDT", last))
            await task

        deferred = client._parts.dispatcher.deferred  # what the codec reads
        await push_and_read("1")  # only the stream listens
        assert deferred == {"ticker:BTCUSDT"}
        client.on("ticker:BTCUSDT", handled.append)
        assert deferred == set()
        await push_and_read("2")  # a handler too: built at once, for both
        client.off("ticker:BTCUSDT", handled.append)
        bad = ticker_frame("BTCUSDT", "3")
        bad["d"][0]["v"] = "1E+99999"
        assert deferred == {"ticker:BTCUSDT"}
        await scripted.push(bad)
        await client.wait_for("error", timeout=5)
        await push_and_read("4")  # the stream alone again
    assert [m.data["last"] for m in streamed] == ["1", "2", "4"]
    assert all(type(m) is StreamMessage for m in streamed + handled)
    assert not any(isinstance(m, DeferredMessage) for m in streamed)
    assert [m.data["last"] for m in handled] == ["2"]
    assert handled[0] == streamed[1]  # the same message for both
    assert streamed[0].data == {
        **streamed[1].data,
        "last": "1",
        "mark": "1",
        "index": "1",
    }
    assert streamed[0].timestamp == pytest.approx(1775120226.169)
    assert len(errors) == 1 and errors[0].source == "decode"
