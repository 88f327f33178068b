"""Data liveness, pure: which channels are silent, reported once per silence."""

from __future__ import annotations

from weex_events.events import Channel, StreamMessage
from weex_events.liveness import Liveness

BTC = Channel("ticker", "BTCUSDT")
ORDERS = Channel("order")


def ticker(symbol: str, at: float) -> StreamMessage:
    return StreamMessage(f"ticker:{symbol}", "ticker", symbol, {}, at, at, None)


def test_silence_is_reported_once_until_data_returns() -> None:
    """A channel silent past its limit is reported once; data re-arms it."""
    live = Liveness({"ticker": 5.0})
    delivered: list[StreamMessage] = []
    deliver = live.wrap(delivered.append)
    assert live.silent([BTC], now=100.0) == []  # first sight starts the clock
    assert live.silent([BTC], now=104.0) == []
    (event,) = live.silent([BTC], now=106.0)
    assert event.channel == BTC and event.silent_for == 6.0
    assert live.silent([BTC], now=200.0) == []  # still the same silence
    deliver(ticker("BTCUSDT", 201.0))
    assert delivered and live.silent([BTC], now=204.0) == []
    assert [e.silent_for for e in live.silent([BTC], now=207.0)] == [6.0]


def test_unwatched_kinds_are_ignored_and_not_wrapped() -> None:
    """Kinds without a limit are never reported; no limits means no wrapper."""
    live = Liveness({"order": 1.0})
    assert live.silent([BTC], now=0.0) == [] and live.silent([BTC], now=99.0) == []
    assert live.silent([ORDERS], now=0.0) == []
    live.stamp("order", "BTCUSDT", 10.0)  # private: one clock per kind
    assert [e.channel for e in live.silent([ORDERS], now=11.5)] == [ORDERS]
    sink = print
    assert Liveness({}).wrap(sink) is sink
    assert live.period == 0.25
