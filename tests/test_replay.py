"""Recording through the tap (on loopback sockets) and replaying hand-made
recordings: order, start, pace, clock, end and damaged files."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import zero_backoff
from weex_events import (
    ConfigError,
    RecordingError,
    StreamMessage,
    WeexConfig,
    WeexWebSocketClient,
)
from weex_events.loopback import Loopback
from weex_events.protocol.replies import answer, is_reply, is_subscribe
from weex_events.recording import Recorder, read_records
from weex_events.recording.format import encode_header, encode_line

WAIT = 30.0
GREETING = '{"cid":"c-1","event":"connected","time":"1796600000000"}'
SUBSCRIBE = '{"method":"SUBSCRIBE","params":["BTCUSDT@ticker"],"id":1}'
ACK = '{"result":true,"id":1}'


def ticker(n: int) -> str:
    """A V3 ticker push (WEEX-WS §1.5) whose last price is ``100+n``."""
    item = {"p": "1", "P": "0.01", "c": f"{100 + n}", "o": "99", "h": "120"}
    item.update({"l": "90", "v": "5", "q": "500", "n": n, "m": "100", "i": "100"})
    doc = {"e": "ticker", "E": 1796600000000 + n, "s": "BTCUSDT", "d": [item]}
    return json.dumps(doc, separators=(",", ":"))


def line(t: float, direction: str, conn: int = 1, **fields: Any) -> bytes:
    return encode_line(1000.0 + t, t, "public", conn, direction, fields)


def recording(tickers: int = 4, version: int | None = None) -> bytes:
    """A public session: greeting, subscribe, ack, ``tickers`` pushes 1 s apart."""
    header = encode_header(sdk="0", protocol="v3", market="contract", created=999.0)
    if version is not None:
        header = header.replace(b'"version":1', f'"version":{version}'.encode())
    lines = [
        header,
        line(0.0, "open", url="ws://127.0.0.1/v3/ws/public"),
        line(0.0, "in", frame=GREETING),
        line(0.5, "out", frame=SUBSCRIBE),
        line(0.5, "in", frame=ACK),
    ]
    lines += [line(1.0 + n, "in", frame=ticker(n)) for n in range(tickers)]
    lines.append(line(9.0, "close", code=1000, reason="closed by client"))
    return b"".join(lines)


async def replay_prices(path: Path, **kwargs: Any) -> list[StreamMessage]:
    """Every BTCUSDT ticker of a replay (a handler registered after connecting),
    until a stream opened with it ends."""
    got: list[StreamMessage] = []
    async with WeexWebSocketClient.replay(path, **kwargs) as client:
        for _ in range(5):
            await asyncio.sleep(0)  # the recording must wait for the subscription
        client.on("ticker:BTCUSDT", got.append)
        async with asyncio.timeout(WAIT):
            async for _ in client.stream_tickers("BTCUSDT"):
                pass
    return got


async def test_tap_records_frames_markers_and_no_headers(tmp_path: Path) -> None:
    """A recording client writes open, every frame in and out, and one close
    per socket (the peer's drop, then its own close), numbered per socket."""
    path = tmp_path / "tap.ndjson"
    loop = Loopback()
    config = WeexConfig(ws_public_url="ws://127.0.0.1:9/v3/ws/public")
    client = WeexWebSocketClient(
        config, transports=loop, recorder=path, backoff=zero_backoff
    )
    async with client:
        first = await loop.accept()
        first.push(GREETING)
        sub = asyncio.create_task(client.subscribe("ticker", "BTCUSDT"))
        command = await first.next_sent()
        first.push(json.dumps({"result": True, "id": json.loads(command)["id"]}))
        await sub
        first.push(ticker(1))
        await client.wait_for("ticker:BTCUSDT", timeout=WAIT)
        first.drop(1006, "connection lost")
        second = await loop.accept()
        resent = await second.next_sent()
        assert json.loads(resent)["params"] == ["BTCUSDT@ticker"]
    records = list(read_records(path))
    summary = [(r.conn, r.dir, r.frame or r.url or r.reason) for r in records]
    assert summary == [
        (1, "open", "ws://127.0.0.1:9/v3/ws/public"),
        (1, "in", GREETING),
        (1, "out", command),
        (1, "in", json.dumps({"result": True, "id": json.loads(command)["id"]})),
        (1, "in", ticker(1)),
        (1, "close", "connection lost"),
        (2, "open", "ws://127.0.0.1:9/v3/ws/public"),
        (2, "out", resent),
        (2, "close", "closed by client"),
    ]
    assert records[5].code == 1006 and records[8].code == 1000
    assert all(r.ep == "public" for r in records)
    assert "User-Agent" not in path.read_text()


async def test_replay_waits_for_the_first_subscription(tmp_path: Path) -> None:
    """A stream opened after connecting still gets the recording from its first
    push, and ends (StopAsyncIteration) when the recording ends."""
    path = tmp_path / "r.ndjson"
    path.write_bytes(recording(tickers=4))
    got = await replay_prices(path)
    assert [m.data["last"] for m in got] == ["100", "101", "102", "103"]


async def test_received_at_is_the_recorded_receive_time(tmp_path: Path) -> None:
    """``received_at`` of a replayed message is its record's ``t``."""
    path = tmp_path / "r.ndjson"
    path.write_bytes(recording(tickers=3))
    got = await replay_prices(path)
    assert [m.received_at for m in got] == [1001.0, 1002.0, 1003.0]


async def test_speed_paces_by_recorded_monotonic_time(tmp_path: Path) -> None:
    """At ``speed=2`` each push waits for its recorded time (from the first
    subscription) halved; ``speed=None`` never waits."""
    path = tmp_path / "r.ndjson"
    path.write_bytes(recording(tickers=3))
    now = [50.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))
        now[0] += seconds
        await asyncio.sleep(0)

    got = await replay_prices(path, speed=2.0, sleep=sleep, monotonic=lambda: now[0])
    assert len(got) == 3
    assert waits == [0.25, 0.5, 0.5]
    waits.clear()
    await replay_prices(path, sleep=sleep, monotonic=lambda: now[0])
    assert waits == []


def test_speed_must_be_positive(tmp_path: Path) -> None:
    """``speed=0`` is a configuration error."""
    path = tmp_path / "r.ndjson"
    path.write_bytes(recording())
    with pytest.raises(ConfigError):
        WeexWebSocketClient.replay(path, speed=0)


def test_wrong_version_is_refused_at_once(tmp_path: Path) -> None:
    """A recording of an unknown format version raises RecordingError naming the
    file and line 1 when the replay client is made."""
    path = tmp_path / "v9.ndjson"
    path.write_bytes(recording(version=9))
    with pytest.raises(RecordingError) as caught:
        WeexWebSocketClient.replay(path)
    assert caught.value.path == str(path) and caught.value.line == 1
    assert "version 9" in caught.value.reason


def test_missing_file_is_a_recording_error(tmp_path: Path) -> None:
    """A file that does not exist raises RecordingError naming it."""
    with pytest.raises(RecordingError) as caught:
        WeexWebSocketClient.replay(tmp_path / "nope.ndjson")
    assert caught.value.path.endswith("nope.ndjson")


async def damaged(path: Path) -> tuple[list[str], RecordingError]:
    """Replay ``path`` to its damage: the prices before it, and the error."""
    got: list[str] = []
    async with WeexWebSocketClient.replay(path) as client:
        client.on("ticker:BTCUSDT", lambda msg: got.append(msg.data["last"]))
        with pytest.raises(RecordingError) as caught:
            async with asyncio.timeout(WAIT):
                async for _ in client.stream_tickers("BTCUSDT"):
                    pass
    return got, caught.value


async def test_truncated_file_delivers_everything_before_the_cut(
    tmp_path: Path,
) -> None:
    """A file cut mid-line delivers every complete record, then the stream
    raises RecordingError naming the file and the cut line."""
    path = tmp_path / "cut.ndjson"
    lines = recording(tickers=4).splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:8]) + lines[8][:20])
    got, error = await damaged(path)
    assert got == ["100", "101", "102"]
    assert error.path == str(path) and error.line == 9
    assert "truncated" in error.reason


async def test_corrupted_line_is_reported_after_the_lines_before(
    tmp_path: Path,
) -> None:
    """A line that is not JSON ends the replay with RecordingError at that line,
    after the pushes before it."""
    path = tmp_path / "bad.ndjson"
    lines = recording(tickers=4).splitlines(keepends=True)
    lines[7] = b"{not json\n"
    path.write_bytes(b"".join(lines))
    got, error = await damaged(path)
    assert got == ["100", "101"]
    assert error.line == 8 and error.reason == "not JSON"


async def test_bad_gzip_tail_is_a_recording_error(tmp_path: Path) -> None:
    """A gzip recording whose end is cut off raises RecordingError, never a
    bare gzip or zlib exception, after what could be read."""
    path = tmp_path / "cut.ndjson.gz"
    packed = gzip.compress(recording(tickers=40))
    path.write_bytes(packed[:-12])
    got, error = await damaged(path)
    assert error.path == str(path)
    assert "gzip" in error.reason
    assert got == [str(100 + n) for n in range(len(got))]


async def test_recorder_object_is_started_and_left_open(tmp_path: Path) -> None:
    """A Recorder passed in is started on connect with the client's protocol
    and market, and left open on disconnect (its owner closes it)."""
    rec = Recorder(tmp_path / "own.ndjson", market="spot")
    loop = Loopback()
    config = WeexConfig(ws_public_url="ws://127.0.0.1:9/v3/ws/public")
    async with WeexWebSocketClient(config, transports=loop, recorder=rec):
        await loop.accept()
        assert rec.running and rec.market == "contract"
    assert rec.running
    await rec.aclose()
    assert next(iter(read_records(rec.path))).dir == "open"


def test_protocol_answers() -> None:
    """Commands are answered as WEEX does (V3 by id, V2 by channel); recorded
    replies are recognized; pongs get no answer."""
    assert json.loads(answer(SUBSCRIBE, "v3") or "") == {"result": True, "id": 1}
    unsub = '{"method":"UNSUBSCRIBE","params":["x"],"id":"7"}'
    assert json.loads(answer(unsub, "v3") or "") == {"result": True, "id": "7"}
    assert answer('{"method":"PONG","id":3}', "v3") is None
    v2 = '{"event":"subscribe","channel":"ticker.cmt_btcusdt"}'
    assert json.loads(answer(v2, "v2") or "") == {
        "event": "subscribed",
        "channel": "ticker.cmt_btcusdt",
    }
    assert is_reply(ACK, "v3") and not is_reply(ticker(1), "v3")
    assert is_reply('{"result":false,"msg":"INVALID_ARGUMENT"}', "v3")
    assert is_reply('{"event":"error","channel":"x","code":"40020"}', "v2")
    assert not is_reply('{"event":"ping","time":"1"}', "v2")
    assert is_subscribe(SUBSCRIBE, "v3") and not is_subscribe(unsub, "v3")
    assert is_subscribe(v2, "v2")


@given(st.text(max_size=200), st.sampled_from(["v3", "v2"]))
def test_protocol_helpers_never_raise(text: str, protocol: str) -> None:
    """Any text, JSON or not, is classified without raising."""
    answer(text, protocol)
    is_reply(text, protocol)
    is_subscribe(text, protocol)


async def test_a_replay_never_reads_the_account_over_rest(tmp_path: Path) -> None:
    """A replayed client refuses recovery: its URLs are production's and its
    credentials placeholders, so no REST request may leave."""
    path = tmp_path / "r.ndjson"
    path.write_bytes(recording(tickers=1))
    client = WeexWebSocketClient.replay(path)
    with pytest.raises(ConfigError, match="replayed recording"):
        await client.recover_private()
