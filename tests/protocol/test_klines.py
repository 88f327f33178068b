"""The closed flag of kline bars, derived from the order bars arrive in.

WEEX-WS.md §1.5: no bar carries a closed flag; the codecs derive it, in both
generations.
"""

from __future__ import annotations

from typing import Any

import orjson

from weex_events.protocol.v2 import V2Codec
from weex_events.protocol.v3 import V3Codec

from .golden import NOW, dumps, load, messages


def bar(start: int, close: str, interval: str = "1m") -> dict[str, Any]:
    return {
        "t": start,
        "T": start + 60_000,
        "s": "BTCUSDT",
        "i": interval,
        "o": "1",
        "c": close,
        "h": "2",
        "l": "0.5",
        "v": "10",
        "n": 3,
        "q": "10",
    }


def kline(e: str, *bars: dict[str, Any], basis: str = "LAST_PRICE") -> bytes:
    return dumps({"e": e, "E": 1, "s": "BTCUSDT", "p": basis, "d": list(bars)})


def test_kline_snapshot_closes_all_but_latest_bar() -> None:
    """In a klineSnapshot every bar but the latest is closed."""
    frame = kline("klineSnapshot", bar(60_000, "b"), bar(0, "a"), bar(120_000, "c"))
    msgs = messages(V3Codec(), frame)
    assert [(m.data["close"], m.data["closed"]) for m in msgs] == [
        ("b", True),
        ("a", True),
        ("c", False),
    ]


def test_live_kline_closes_previous_bar_when_next_starts() -> None:
    """A bar with a later start re-emits the previous bar, closed, then the new one."""
    codec = V3Codec()
    codec.decode(kline("klineSnapshot", bar(0, "a"), bar(60_000, "b")), NOW)
    update = messages(codec, kline("kline", bar(60_000, "b2")))
    assert [(m.data["close"], m.data["closed"]) for m in update] == [("b2", False)]
    roll = messages(codec, kline("kline", bar(120_000, "c")))
    assert [(m.data["start"], m.data["close"], m.data["closed"]) for m in roll] == [
        (60_000, "b2", True),
        (120_000, "c", False),
    ]
    assert roll[0].raw["c"] == "b2"


def test_kline_series_are_independent() -> None:
    """Price basis and interval each keep their own open bar."""
    codec = V3Codec()
    codec.decode(kline("kline", bar(0, "a")), NOW)
    other = messages(codec, kline("kline", bar(60_000, "m"), basis="MARK_PRICE"))
    assert [m.data["closed"] for m in other] == [False]
    hourly = messages(codec, kline("kline", bar(3_600_000, "h", "1h")))
    assert [m.data["closed"] for m in hourly] == [False]
    late = messages(codec, kline("kline", bar(60_000, "x")))
    assert [(m.data["start"], m.data["closed"]) for m in late] == [
        (0, True),
        (60_000, False),
    ]


def test_late_kline_bar_is_closed() -> None:
    """An update for a bar older than the open one is reported closed."""
    codec = V3Codec()
    codec.decode(kline("kline", bar(120_000, "c")), NOW)
    late = messages(codec, kline("kline", bar(60_000, "b")))
    assert [(m.data["start"], m.data["closed"]) for m in late] == [(60_000, True)]
    again = messages(codec, kline("kline", bar(120_000, "c2")))
    assert [m.data["closed"] for m in again] == [False]


def test_kline_state_is_bounded() -> None:
    """The codec keeps one open bar per series, and a bounded number of series."""
    codec = V3Codec()
    for n in range(5000):
        frame = dumps({"e": "kline", "s": f"S{n}", "d": [bar(0, "1")]})
        codec.decode(frame, NOW)
    assert len(codec._klines) <= 4096


def v2_kline(kind: str, *starts: int) -> bytes:
    frame = orjson.loads(load("contract-v2-public-kline.json"))
    template = frame["data"][0]
    frame["type"] = kind
    frame["data"] = [dict(template, klineTime=str(t), close=str(t)) for t in starts]
    return dumps(frame)


def test_v2_snapshot_and_rolling_bars() -> None:
    """Snapshot bars but the latest are closed; a later bar closes the open one."""
    codec = V2Codec()
    snap = messages(codec, v2_kline("snapshot", 0, 60_000))
    assert [m.data["closed"] for m in snap] == [True, False]
    roll = messages(codec, v2_kline("change", 120_000))
    assert [(m.data["start"], m.data["closed"]) for m in roll] == [
        (60_000, True),
        (120_000, False),
    ]
