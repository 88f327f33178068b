"""The client against a hostile exchange (issue 11): tests/hostile.py scripts it.

Each test names the guarantee of docs/reliability.rst it proves.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from weex_events import (
    AuthenticationError,
    WeexConfig,
    WeexConnectionError,
    WeexError,
    WeexWebSocketClient,
)
from weex_events.events import ErrorEvent

from .hostile import HostileServer, Peer, Refusal, hostile_server
from .leaks import assert_no_secret

KEY, SECRET, PASSPHRASE = "hostile-key-1234", "hostile-secret-5678", "hostile-pass-9012"


def zero_backoff() -> Iterator[float]:
    return itertools.repeat(0.0)


@pytest.fixture
async def hostile() -> AsyncIterator[HostileServer]:
    async with hostile_server() as server:
        yield server


def config(server: HostileServer, **overrides: Any) -> WeexConfig:
    settings: dict[str, Any] = {
        "ws_public_url": server.url,
        "ws_private_url": server.private_url,
        "rest_url": server.rest_url,
        "keepalive_interval": 5.0,
        "api_key": KEY,
        "secret_key": SECRET,
        "passphrase": PASSPHRASE,
    }
    settings.update(overrides)
    return WeexConfig(**settings)


def ticker(symbol: str = "BTCUSDT", **fields: Any) -> dict[str, Any]:
    item = {
        "p": "-1.5",
        "P": "-0.014706",
        "c": "100.5",
        "o": "102.0",
        "h": "103.0",
        "l": "99.0",
        "v": "1000.5",
        "q": "101000.25",
        "n": 4242,
        "m": "100.5",
        "i": "100.5",
    }
    item.update(fields)
    return {"e": "ticker", "E": 1775120226169, "s": symbol, "d": [item]}


def depth(
    u_first: int,
    u_last: int,
    bids: list[list[str]],
    asks: list[list[str]],
    *,
    snapshot: bool = False,
) -> dict[str, Any]:
    return {
        "e": "depthSnapshot" if snapshot else "depth",
        "E": 1775120521971,
        "s": "BTCUSDT",
        "U": u_first,
        "u": u_last,
        "l": 15,
        "d": "SNAPSHOT" if snapshot else "CHANGED",
        "b": bids,
        "a": asks,
    }


# -- item 8: ids echoed as strings ---------------------------------------------------


async def test_reply_id_echoed_as_string_matches(hostile: HostileServer) -> None:
    """A reply whose id comes back as a string ("1") answers the command 1."""
    hostile.id_as_string = True
    async with WeexWebSocketClient(
        config(hostile), backoff=zero_backoff, subscribe_timeout=30
    ) as client:
        await client.subscribe("ticker", ["BTCUSDT"])
        assert client.subscriptions
    assert all(isinstance(c["id"], int) for p in hostile.peers for c in p.commands), (
        "the client sends integer ids"
    )


# -- item 3: oversized frames --------------------------------------------------------


async def test_oversized_frame_refused_from_its_header(hostile: HostileServer) -> None:
    """A frame announced larger than max_frame_size is an error naming the size and
    the setting as soon as its header arrives, then a reconnect."""
    limit = 64 * 1024

    async def announce(peer: Peer) -> None:
        if len(hostile.peers) == 1:
            # 2 MB announced, 1 KB sent: the rest never comes, so only a check on
            # the header can report it.
            peer.announce_frame(2 * 1024 * 1024, b"x" * 1024)

    hostile.on_connect = announce
    errors: list[ErrorEvent] = []
    async with WeexWebSocketClient(
        config(hostile, max_frame_size=limit), backoff=zero_backoff
    ) as client:
        client.on("error", errors.append)
        reconnected = asyncio.ensure_future(client.wait_for("reconnected", timeout=30))
        await reconnected
        assert errors, "no error event for the oversized frame"
        message = errors[0].message
        assert "2097152" in message and "max_frame_size" in message
        assert str(limit) in message
        assert client.stats.reconnects == 1


# -- item 4: invalid levels never published ------------------------------------------


async def _bad_delta(
    hostile: HostileServer, bids: list[Any], number_type: type = str
) -> tuple[list[Any], list[ErrorEvent], Any]:
    """A client's book of BTCUSDT gets a snapshot, then a delta with ``bids``:
    the book messages and errors it saw, and the resync that followed."""
    books: list[Any] = []
    errors: list[ErrorEvent] = []
    async with WeexWebSocketClient(
        config(hostile, number_type=number_type), backoff=zero_backoff
    ) as client:
        client.on("book:BTCUSDT", books.append)
        client.on("error", errors.append)
        await hostile.wait(lambda: any(p.commands for p in hostile.open_peers))
        peer = hostile.open_peers[0]
        await peer.send(
            depth(1, 10, [["99.5", "1.0"]], [["100.5", "2.0"]], snapshot=True)
        )
        await peer.send(depth(10, 11, bids, []))
        resync = await client.wait_for("resync", timeout=30)
    return books, errors, resync


@pytest.mark.parametrize("bad", ["abc", "-5", "NaN", "Infinity", "1E+99999"])
@pytest.mark.parametrize("number_type", [str, float, "decimal"])
async def test_invalid_book_size_is_error_and_resync(
    hostile: HostileServer, bad: str, number_type: Any
) -> None:
    """A bad size in a depth frame is an error and a resync, never a book event."""
    import decimal

    ntype = decimal.Decimal if number_type == "decimal" else number_type
    books, errors, resync = await _bad_delta(hostile, [["99.0", bad]], ntype)
    assert resync.reason == "bad_level"
    assert any(bad[:8] in e.message for e in errors), errors
    assert books, "the snapshot was published"
    for msg in books:
        for _, size in msg.data["bids"] + msg.data["asks"]:
            assert str(size) not in (bad, "nan", "inf", "-5.0")


@pytest.mark.parametrize(
    "row", ["95", ["99.0"], ["99.0", "1", "x"], [99, "1"], ["99.0", 1], None]
)
async def test_malformed_book_row_is_error_and_resync(
    hostile: HostileServer, row: Any
) -> None:
    """A depth row that is not a [price, size] pair of text is an error and a
    resync; the book is never published with it (the string "95" would
    otherwise read as price "9", size "5")."""
    books, errors, resync = await _bad_delta(hostile, [["99.1", "1"], row])
    assert resync.reason == "bad_level"
    assert any("bad level" in e.message for e in errors), errors
    assert len(books) == 1, "only the snapshot was published"
    assert books[0].data["bids"] == [("99.5", "1.0")]


# -- items 9 and 10: refused credentials, no secrets anywhere ------------------------


async def _private_failure(hostile: HostileServer) -> WeexError:
    async with WeexWebSocketClient(
        config(hostile), backoff=zero_backoff, retryable=lambda exc: False
    ) as client:
        with pytest.raises(WeexError) as caught:
            await client.subscribe("order")
    return caught.value


async def test_refused_credentials_carry_the_servers_answer(
    hostile: HostileServer,
) -> None:
    """A 401 with {"code":-1047,"msg":..} gives an AuthenticationError with that
    code and message, naming the settings to check."""
    hostile.refuse["private"] = Refusal(401, {"code": -1047, "msg": "bad passphrase"})
    exc = await _private_failure(hostile)
    assert isinstance(exc, AuthenticationError)
    assert exc.code == -1047 and exc.status == 401
    assert exc.reason == "bad passphrase"
    text = str(exc)
    assert "bad passphrase" in text and "-1047" in text
    for setting in ("api_key", "WEEX_API_KEY", "passphrase", "WEEX_PASSPHRASE"):
        assert setting in text


@pytest.mark.parametrize("status", [401, 403, 503])
async def test_refused_private_upgrade_leaks_no_secret(
    hostile: HostileServer, status: int
) -> None:
    """Neither the exception, its cause/context chain, their reprs nor the locals
    of their traceback frames hold the passphrase, the secret or a signature."""
    hostile.refuse["private"] = Refusal(status, {"code": -1047, "msg": "refused"})
    exc = await _private_failure(hostile)
    expected = AuthenticationError if status != 503 else WeexConnectionError
    assert isinstance(exc, expected)
    signatures = [h["ACCESS-SIGN"] for h in hostile.handshakes if "ACCESS-SIGN" in h]
    assert signatures, "the client signed its handshake"
    assert_no_secret(exc, [SECRET, PASSPHRASE, *signatures])


async def test_failed_signed_rest_call_leaks_no_secret(
    hostile: HostileServer,
) -> None:
    """A signed REST call refused by the exchange raises nothing that holds the
    passphrase, the secret or the signature."""
    from weex_events.rest import WeexRestClient

    hostile.rest["/capi/v3/account/balance"] = (401, {"code": -1047, "msg": "no"})
    async with WeexRestClient(config(hostile)) as rest:
        with pytest.raises(WeexError) as caught:
            await rest.balance()
    assert isinstance(caught.value, AuthenticationError)
    assert caught.value.code == -1047
    signed = [h["ACCESS-SIGN"] for h in hostile.rest_requests if "ACCESS-SIGN" in h]
    assert signed
    assert_no_secret(caught.value, [SECRET, PASSPHRASE, *signed])


# -- item 11: error events hold excerpts, and their queue is bounded -----------------


async def test_error_events_do_not_pin_frames(hostile: HostileServer) -> None:
    """With a hung async error handler, 40 malformed 1 MB frames leave only
    excerpts behind, and the handler's queue drops the oldest (counted)."""
    release = asyncio.Event()
    seen: list[ErrorEvent] = []

    async def hung(event: ErrorEvent) -> None:
        seen.append(event)
        await release.wait()

    frames = 40
    junk = "{" + "x" * (1024 * 1024)
    tracemalloc.start()
    try:
        async with WeexWebSocketClient(
            config(hostile, queue_size=8), backoff=zero_backoff
        ) as client:
            client.on("error", hung)
            counted: list[ErrorEvent] = []
            all_seen = asyncio.Event()

            def count(event: ErrorEvent) -> None:
                counted.append(event)
                if len(counted) >= frames:
                    all_seen.set()

            client.on("error", count)
            peer = await hostile.wait_peers(1)
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            for n in range(frames):
                await peer.send(junk + str(n))
            async with asyncio.timeout(60):
                await all_seen.wait()
            del counted[:]
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
            stats = client.stats
            release.set()
        assert held < 8 * 1024 * 1024, f"{held} bytes held by {frames} error events"
        assert stats.drops >= frames - 8 - 1
        assert all(len(e.frame or "") <= 201 for e in seen)
    finally:
        tracemalloc.stop()
