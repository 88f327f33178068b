"""The server clock without REST: the V3 greeting's time, and no unconfigured host.

A config that names its WebSocket URLs but no ``rest_url`` must sign private
handshakes with the greeting's time (WEEX-WS.md §1.1) and never reach for WEEX
production's REST clock. The proof is taken at the socket layer: every name
resolved and every address connected to during the test is recorded.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from weex_events import WeexWebSocketClient
from weex_events.auth import ServerClock
from weex_events.sim import Simulator

HOUR_MS = 3_600_000


class Contacts:
    """Every host name resolved and every address connected to, in order."""

    def __init__(self) -> None:
        self.resolved: list[str] = []
        self.connected: list[Any] = []


@pytest.fixture
def contacts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Contacts]:
    seen = Contacts()
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.resolved.append(host.decode() if isinstance(host, bytes) else str(host))
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        seen.connected.append(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        seen.connected.append(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield seen


def test_greeting_time_becomes_the_clock_only_when_adopted() -> None:
    """A greeting is remembered; adopting it sets the offset; later ones refresh it."""
    clock = ServerClock()
    assert not clock.use_greeting() and not clock.synced
    clock.observe_greeting(1_700_000_060_000, 1_700_000_000.0)
    assert clock.offset_ms == 0 and not clock.synced  # observed, not adopted
    assert clock.use_greeting()
    assert clock.synced and clock.source == "greeting"
    assert clock.now_ms(1_700_000_001.0) == 1_700_000_061_000
    clock.observe_greeting(1_700_000_090_000, 1_700_000_010.0)
    assert clock.offset_ms == 80_000
    clock.update(1_700_000_000_000, 1_700_000_000.0, 1_700_000_000.0)
    assert clock.source == "rest" and clock.offset_ms == 0
    clock.observe_greeting(1_700_000_090_000, 1_700_000_010.0)
    assert clock.offset_ms == 0  # a REST clock is not overridden by greetings


async def test_private_client_without_rest_url_signs_with_greeting_time(
    contacts: Contacts, caplog: pytest.LogCaptureFixture
) -> None:
    """No rest_url: the greeting's clock signs the handshake; only 127.0.0.1 is hit."""
    # The simulated exchange runs an hour behind this machine, so a signature
    # made with the local clock would be refused (WEEX-WS.md §1.2: 30 s window).
    start = int(time.time() * 1000) - HOUR_MS
    async with Simulator(seed=2, start_time_ms=start) as sim:
        config = sim.config().replace(rest_url=None)
        assert config.rest_url is None
        caplog.set_level(logging.INFO, logger="weex_events")
        async with WeexWebSocketClient(config) as client:
            await client.subscribe("order")  # refused if signed with local time
            assert client.is_connected()
        assert sim.private_stats.handshakes_rejected == 0
        assert sim.private_stats.connections_accepted == 1
        port = sim.port
    assert contacts.connected, "the recorder saw no connection at all"
    hosts = {address[0] for address in contacts.connected}
    ports = {address[1] for address in contacts.connected}
    assert hosts == {"127.0.0.1"} and ports == {port}
    assert set(contacts.resolved) <= {"127.0.0.1"}
    notes = [r.getMessage() for r in caplog.records if "greeting" in r.getMessage()]
    assert any("no rest_url is configured" in note for note in notes), notes
