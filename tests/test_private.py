"""Private streams end to end: signed connection, paper orders, normalized events."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from decimal import Decimal

import pytest

from tests.conftest import zero_backoff
from weex_events import (
    AuthenticationError,
    Channel,
    ErrorEvent,
    StreamMessage,
    WeexRestClient,
    WeexWebSocketClient,
)
from weex_events.auth import Credentials
from weex_events.sim import Simulator

SECRET = "s3cr3t-for-tests-only"
PASSPHRASE = "pass-phrase-for-tests"


pytestmark = pytest.mark.weex_sim(
    seed=5, speed=5, api_key="test-key-0001", secret_key=SECRET, passphrase=PASSPHRASE
)


@pytest.fixture
def sim(weex_sim: Simulator) -> Simulator:
    """The shipped ``weex_sim`` fixture, with paper credentials (seed 5, speed 5)."""
    return weex_sim


class Recorder:
    """Collects private events by kind, and waits for a condition on them."""

    def __init__(self, client: WeexWebSocketClient) -> None:
        self.items: dict[str, list[StreamMessage]] = {}
        self.changed = asyncio.Event()
        for kind in ("order", "fill", "position", "account"):
            client.on(kind, self._add)

    def _add(self, msg: StreamMessage) -> None:
        self.items.setdefault(msg.kind, []).append(msg)
        self.changed.set()

    def of(self, kind: str) -> list[StreamMessage]:
        return self.items.get(kind, [])

    async def until(self, predicate: object, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():  # type: ignore[operator]
                self.changed.clear()
                await self.changed.wait()


async def subscribed_private(client: WeexWebSocketClient) -> None:
    for kind in ("order", "fill", "position", "account"):
        await client.subscribe(kind)


async def test_market_order_produces_every_private_event(sim: Simulator) -> None:
    """A paper market buy gives order pending → filled, a fill, a position and the
    account, all normalized."""
    config = sim.config()
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        got = Recorder(client)
        await client.subscribe("ticker", "BTCUSDT")  # mark prices for unrealized PnL
        await client.wait_for("ticker:BTCUSDT", timeout=5)
        await subscribed_private(client)
        async with WeexRestClient(config) as rest:
            placed = await rest.place_order("BTCUSDT", "buy", "0.010")
        await got.until(
            lambda: (
                any(o.data["status"] == "filled" for o in got.of("order"))
                and got.of("fill")
                and got.of("position")
                and got.of("account")
            )
        )
    orders = got.of("order")
    assert orders[0].data["status"] == "pending"
    assert orders[0].event == "order:BTCUSDT"
    filled = orders[-1].data
    assert filled["order_id"] == placed["orderId"]
    assert filled["side"] == "buy" and filled["type"] == "market"
    assert Decimal(filled["filled_size"]) == Decimal("0.01")
    fill = got.of("fill")[0].data
    assert fill["order_id"] == placed["orderId"] and fill["liquidity"] == "taker"
    assert Decimal(fill["size"]) == Decimal("0.01")
    assert Decimal(fill["price"]) == Decimal(filled["avg_price"])
    assert Decimal(fill["fee"]) == (
        Decimal(fill["price"]) * Decimal("0.01") * Decimal("0.0006")
    )
    position = got.of("position")[-1].data
    assert position["side"] == "long" and Decimal(position["size"]) == Decimal("0.01")
    assert Decimal(position["entry_price"]) == Decimal(fill["price"])
    assert "unrealized_pnl" in position
    account = got.of("account")[-1].data
    assert account["coin"] == "USDT" and account["reason"] == "OrderUpdate"
    assert Decimal(account["balance"]) == Decimal("100000") - Decimal(fill["fee"])


async def test_limit_order_rests_fills_on_cross_and_cancel(sim: Simulator) -> None:
    """A limit buy below the market rests; the market falling through it fills it
    as maker; another resting order can be cancelled."""
    config = sim.config()
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        got = Recorder(client)
        await subscribed_private(client)
        best = Decimal((await rest.depth("ETHUSDT"))["bids"][0][0])
        low = best * Decimal("0.99")
        lower = best * Decimal("0.95")
        rest_one = await rest.place_order(
            "ETHUSDT", "buy", "0.10", type="LIMIT", price=f"{low:.2f}"
        )
        rest_two = await rest.place_order(
            "ETHUSDT", "buy", "0.10", type="LIMIT", price=f"{lower:.2f}"
        )

        def status(order_id: str) -> str | None:
            states = [
                o.data["status"]
                for o in got.of("order")
                if o.data["order_id"] == order_id
            ]
            return states[-1] if states else None

        await got.until(lambda: status(rest_two["orderId"]) == "new")
        assert status(rest_one["orderId"]) == "new"
        assert len(await rest.open_orders("ETHUSDT")) == 2
        sim.move("ETHUSDT", f"{low * Decimal('0.995'):.2f}", steps=3)
        await got.until(lambda: status(rest_one["orderId"]) == "filled")
        fill = next(
            f for f in got.of("fill") if f.data["order_id"] == rest_one["orderId"]
        )
        assert fill.data["liquidity"] == "maker"
        assert Decimal(fill.data["price"]) == Decimal(f"{low:.2f}")
        await rest.cancel_order("ETHUSDT", rest_two["orderId"])
        await got.until(lambda: status(rest_two["orderId"]) == "canceled")
        assert await rest.open_orders("ETHUSDT") == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"secret_key": "wrong-secret"},
        {"passphrase": "wrong-passphrase"},
        {"api_key": "unknown-key-000"},
    ],
    ids=["secret", "passphrase", "key"],
)
async def test_refused_credentials_raise_without_retry(
    sim: Simulator, overrides: dict[str, str]
) -> None:
    """Bad credentials: AuthenticationError from the stream and an error event,
    one attempt only (no reconnect storm)."""
    config = sim.config(**overrides)
    async with WeexWebSocketClient(config, backoff=zero_backoff) as client:
        errors: list[ErrorEvent] = []
        client.on("error", errors.append)
        with pytest.raises(AuthenticationError) as info:
            async for _ in client.stream_orders():
                pass
        await asyncio.sleep(0.1)  # bounded: a retry loop would show up here
        assert client.is_connected()  # the public side is unaffected
    assert info.value.status == 401
    assert sim.private_stats.connections_accepted == 0
    assert sim.private_stats.handshakes_rejected == 1
    assert [e.source for e in errors] == ["connection"]


async def test_stale_timestamp_is_refused_and_offset_fixes_skew(sim: Simulator) -> None:
    """A clock 60 s slow is corrected by the REST offset, or by the V3 greeting's
    time when REST is down; with neither the stale signature is refused."""
    slow = lambda: time.time() - 60  # noqa: E731
    async with WeexWebSocketClient(
        sim.config(), backoff=zero_backoff, clock=slow
    ) as client:
        await client.subscribe("order")  # offset measured over REST: accepted
    dead_rest = sim.config(rest_url="http://127.0.0.1:9")
    async with WeexWebSocketClient(
        dead_rest, backoff=zero_backoff, clock=slow
    ) as client:
        await client.subscribe("order")  # offset from the greeting: accepted
    assert sim.private_stats.handshakes_rejected == 0
    # V2 sends no greeting (WEEX-WS.md §2): nothing corrects the local clock.
    async with WeexWebSocketClient(
        dead_rest.replace(protocol="v2", **_v2_urls(sim)),
        backoff=zero_backoff,
        clock=slow,
    ) as client:
        with pytest.raises(AuthenticationError):
            await client.subscribe("order")
    assert sim.private_stats.connections_accepted == 2


def _v2_urls(sim: Simulator) -> dict[str, str]:
    v2 = sim.config(protocol="v2")
    assert v2.ws_public_url and v2.ws_private_url
    return {"ws_public_url": v2.ws_public_url, "ws_private_url": v2.ws_private_url}


async def test_private_stream_survives_a_drop_with_a_fresh_signature(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dropped private socket reconnects with a new signature and keeps
    delivering order events."""
    config = sim.config()
    signatures: list[str] = []
    original = Credentials.ws_headers

    def spy(
        self: Credentials, timestamp_ms: int, path: str = "/v3/ws/private"
    ) -> dict[str, str]:
        headers = original(self, timestamp_ms, path)
        signatures.append(headers["ACCESS-SIGN"])
        return headers

    monkeypatch.setattr(Credentials, "ws_headers", spy)
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        got = Recorder(client)
        await subscribed_private(client)
        await asyncio.sleep(0.01)  # bounded: the two signatures need distinct ms
        sim.faults.drop(endpoint="private")
        reconnected = await client.wait_for("reconnected", timeout=5)
        assert reconnected.endpoint == "private"
        async with asyncio.timeout(5):  # every private channel is back
            while set(client.subscriptions.values()) != {"active"}:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
        placed = await rest.place_order("SOLUSDT", "sell", "1")
        await got.until(
            lambda: any(
                o.data["order_id"] == placed["orderId"] and o.data["status"] == "filled"
                for o in got.of("order")
            )
        )
        position = got.of("position")[-1].data
        assert position["symbol"] == "SOLUSDT" and position["side"] == "short"
    assert len(signatures) == 2 and signatures[0] != signatures[1]
    assert sim.private_stats.connections_accepted == 2


async def test_no_secret_in_any_log_line(
    sim: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole private session logged at DEBUG shows no secret, passphrase or
    signature, and neither do reprs."""
    caplog.set_level(logging.DEBUG)
    config = sim.config()
    async with (
        WeexWebSocketClient(config, backoff=zero_backoff) as client,
        WeexRestClient(config) as rest,
    ):
        got = Recorder(client)
        await subscribed_private(client)
        await rest.place_order("BTCUSDT", "sell", "0.005")
        await got.until(lambda: bool(got.of("fill")))
        sim.faults.drop(endpoint="private")
        await client.wait_for("reconnected", timeout=5)
        shown = " ".join([repr(client), repr(config), str(config), repr(rest)])
    text = caplog.text + shown
    assert caplog.records  # the session did log
    assert SECRET not in text and PASSPHRASE not in text
    assert not re.search(r"[A-Za-z0-9+/]{43}=", text), "something like a signature"


async def test_connect_raises_when_private_handlers_were_registered(
    sim: Simulator,
) -> None:
    """With a private handler registered before connecting, connect() opens the
    private endpoint too and raises AuthenticationError if it is refused."""
    good = WeexWebSocketClient(sim.config(), backoff=zero_backoff)
    good.on("order", lambda m: None)
    async with good:
        assert sim.private_stats.connections_accepted == 1
        assert set(good.subscriptions) == {Channel("order")}
    bad = WeexWebSocketClient(sim.config(secret_key="wrong"), backoff=zero_backoff)
    bad.on("fill", lambda m: None)
    with pytest.raises(AuthenticationError):
        await bad.connect()
    assert not bad.is_connected()
    assert sim.private_stats.handshakes_rejected == 1
