"""The simulator serves a recording (``Simulator(replay=...)``, ``sim --replay``).

A live simulator session is captured by a bare aiohttp client into a recording
with the Recorder; a second, independent bare aiohttp client then subscribes to
the replaying simulator and must receive exactly the recorded frames of what it
subscribed, with the simulator's own greeting, acks and pings.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events import RecordingError, WeexWebSocketClient
from weex_events.recording import Record, Recorder, read_records
from weex_events.sim import Simulator
from weex_events.sim.replay import RecordedFeeds, feed_of_frame

ROOT = Path(__file__).resolve().parents[2]
CAPTURED = ["BTCUSDT@ticker", "BTCUSDT@depth15", "ETHUSDT@trade", "BTCUSDT@kline_1m"]
WAIT = 60.0  # generous: the machine may be saturated


def push_key(frame: str) -> tuple[str, str] | None:
    """(event, symbol) of a market push, by the test's own reading of WEEX-WS §1.5."""
    doc = orjson.loads(frame)
    if isinstance(doc, dict) and "e" in doc and "s" in doc:
        return doc["e"], doc["s"]
    return None


def recorded_pushes(path: Path, wanted: Callable[[str, str], bool]) -> list[str]:
    """The public pushes of the recording that ``wanted(event, symbol)`` selects."""
    out = []
    for record in read_records(path):
        if record.dir == "in" and record.ep == "public" and record.frame:
            key = push_key(record.frame)
            if key is not None and wanted(*key):
                out.append(record.frame)
    return out


def is_depth(event: str, symbol: str) -> bool:
    return symbol == "BTCUSDT" and event in ("depth", "depthSnapshot")


def is_eth_trade(event: str, symbol: str) -> bool:
    return symbol == "ETHUSDT" and event in ("trade", "tradeSnapshot")


def is_btc_ticker(event: str, symbol: str) -> bool:
    return symbol == "BTCUSDT" and event == "ticker"


async def capture(path: Path, seconds: float = 1.5) -> None:
    """Record a live simulator session of a bare aiohttp client to ``path``."""
    async with (
        Simulator(seed=5, speed=20, symbols=["BTCUSDT", "ETHUSDT"]) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_public_url) as ws,
    ):
        rec = Recorder(path)
        rec.start()
        rec.opened("public", 1, sim.ws_public_url, time.time(), time.monotonic())
        command = orjson.dumps({"method": "SUBSCRIBE", "params": CAPTURED, "id": 1})
        await ws.send_str(command.decode())
        rec.frame_out("public", 1, command, time.time(), time.monotonic())
        seen: dict[str, int] = {}
        began = time.monotonic()
        while time.monotonic() - began < seconds or len(seen) < 7:
            msg = await asyncio.wait_for(ws.receive(), WAIT)
            assert msg.type is aiohttp.WSMsgType.TEXT
            rec.frame_in("public", 1, msg.data, time.time(), time.monotonic())
            key = push_key(msg.data)
            if key is not None:
                seen[key[0]] = seen.get(key[0], 0) + 1
        rec.closed("public", 1, 1000, "done", time.time(), time.monotonic())
        await rec.aclose()
    assert rec.stats.dropped == 0


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A captured live session (gzip), shared by this module's tests."""
    path = tmp_path_factory.mktemp("replay") / "session.ndjson.gz"
    asyncio.run(capture(path))
    return path


class BareClient:
    """A minimal WEEX V3 client: bare aiohttp, nothing from weex_events."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.pushes: list[str] = []
        self.acks: dict[object, dict[str, object]] = {}
        self.pings = 0
        self.greeting: dict[str, object] | None = None
        self._next_id = 100

    async def read_until(self, done: Callable[[], bool]) -> None:
        """Read frames, answering pings with PONG, until ``done()``."""
        deadline = time.monotonic() + WAIT
        while not done():
            left = deadline - time.monotonic()
            assert left > 0, "condition not met in time"
            msg = await asyncio.wait_for(self.ws.receive(), left)
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            doc = orjson.loads(msg.data)
            if doc.get("event") == "connected":
                self.greeting = doc
            elif doc.get("event") == "ping":
                self.pings += 1
                self._next_id += 1
                await self.send("PONG", None, self._next_id)
            elif "result" in doc:
                self.acks[doc.get("id")] = doc
            else:
                self.pushes.append(msg.data)

    async def send(self, method: str, params: list[str] | None, cid: int) -> None:
        command: dict[str, object] = {"method": method, "id": cid}
        if params is not None:
            command["params"] = params
        await self.ws.send_str(orjson.dumps(command).decode())

    async def command(self, method: str, params: list[str] | None, cid: int) -> None:
        """Send a command and read until its ack."""
        await self.send(method, params, cid)
        await self.read_until(lambda: cid in self.acks)
        assert self.acks[cid]["result"] is True, self.acks[cid]


async def test_a_bare_client_receives_exactly_the_recorded_frames(
    recording: Path,
) -> None:
    """Subscribed channels get their recorded frames, byte for byte, in order."""
    depth = recorded_pushes(recording, is_depth)
    trades = recorded_pushes(recording, is_eth_trade)
    both = recorded_pushes(recording, lambda e, s: is_depth(e, s) or is_eth_trade(e, s))
    assert len(depth) >= 3 and len(trades) >= 2
    records = list(read_records(recording))
    first = next(r.mono for r in records if r.frame and push_key(r.frame))
    last = max(r.mono for r in records if r.frame in set(both))
    speed = 4.0
    async with (
        Simulator(replay=recording, speed=speed, ping_interval=0.05) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_public_url) as ws,
    ):
        client = BareClient(ws)
        await client.read_until(lambda: client.greeting is not None)
        began = time.monotonic()
        await client.command("SUBSCRIBE", ["btcusdt@depth15", "ETHUSDT@trade"], 1)
        await client.read_until(lambda: len(client.pushes) >= len(both))
        assert client.pushes == both  # nothing else, nothing missing, same order
        # Never ahead of the recorded pace (a lower bound cannot fail on a slow box).
        assert time.monotonic() - began >= (last - first) / speed * 0.99
        # The simulator's own heartbeat: pings come and PONGs are acknowledged.
        await client.read_until(lambda: client.pings >= 1 and 101 in client.acks)
        assert sim.replay_progress is not None
        assert set(client.pushes) <= set(both)


async def test_late_subscribers_get_the_latest_snapshot_and_what_followed(
    recording: Path,
) -> None:
    """After the timeline, a ticker gives its last push; depth its snapshot onward."""
    depth = recorded_pushes(recording, is_depth)
    tickers = recorded_pushes(recording, is_btc_ticker)
    async with (
        Simulator(replay=recording, speed=50.0) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_public_url) as ws,
    ):
        client = BareClient(ws)
        await client.command("SUBSCRIBE", ["ETHUSDT@trade"], 1)  # starts the timeline
        deadline = time.monotonic() + WAIT
        while (progress := sim.replay_progress) and progress[0] < progress[1]:
            assert time.monotonic() < deadline, "the replay did not finish"
            await asyncio.sleep(0.01)
        await client.command("PING", None, 9)  # reads every frame sent so far
        client.pushes.clear()
        await client.command("SUBSCRIBE", ["BTCUSDT@ticker"], 2)
        await client.command("PING", None, 3)  # its ack follows the catch-up
        assert client.pushes == [tickers[-1]]
        client.pushes.clear()
        await client.command("SUBSCRIBE", ["BTCUSDT@depth"], 4)
        await client.command("PING", None, 5)
        snapshot = max(i for i, f in enumerate(depth) if '"depthSnapshot"' in f)
        assert client.pushes == depth[snapshot:]
        assert orjson.loads(client.pushes[0])["e"] == "depthSnapshot"


async def test_unrecorded_symbols_are_rejected_like_unknown_ones(
    recording: Path,
) -> None:
    """Only recorded symbols exist in a replay; others are rejected by name."""
    async with (
        Simulator(replay=recording) as sim,
        aiohttp.ClientSession() as http,
        http.ws_connect(sim.ws_public_url) as ws,
    ):
        client = BareClient(ws)
        await client.send("SUBSCRIBE", ["SOLUSDT@ticker"], 1)
        await client.read_until(lambda: 1 in client.acks)
        assert client.acks[1] == {
            "result": False,
            "id": 1,
            "msg": "INVALID_ARGUMENT: invalid symbol : SOLUSDT",
        }


def test_recordings_the_simulator_cannot_serve_are_refused(tmp_path: Path) -> None:
    """A damaged or V2 recording raises RecordingError at construction."""
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b"nope\n")
    with pytest.raises(RecordingError, match="line 1"):
        Simulator(replay=bad)
    v2 = tmp_path / "v2.ndjson"
    with Recorder(v2, protocol="v2"):
        pass
    with pytest.raises(RecordingError, match="V3 contract"):
        Simulator(replay=v2)


# The weex_sim marker passes replay= to the fixture's Simulator; the path must be
# known at collection time, so this module's fixture writes the recording there.
MARKER_RECORDING = Path(tempfile.gettempdir()) / f"weex-replay-{os.getpid()}.ndjson.gz"


@pytest.fixture(scope="module")
def marker_recording(recording: Path) -> Iterator[Path]:
    """The captured session, at the path the weex_sim marker below names."""
    shutil.copyfile(recording, MARKER_RECORDING)
    yield MARKER_RECORDING
    MARKER_RECORDING.unlink(missing_ok=True)


@pytest.mark.weex_sim(replay=str(MARKER_RECORDING), speed=10)
async def test_the_sdk_client_sees_the_recorded_trades_and_book(
    marker_recording: Path, weex_sim: Simulator
) -> None:
    """WeexWebSocketClient on a replaying weex_sim: recorded trades, in order."""
    trade_frames = recorded_pushes(marker_recording, is_eth_trade)
    trade_ids = [t["t"] for f in trade_frames for t in orjson.loads(f)["d"]]
    depth = recorded_pushes(marker_recording, is_depth)
    last_version = orjson.loads(depth[-1])["u"]
    config = weex_sim.config(credentials=False)
    async with asyncio.timeout(WAIT), WeexWebSocketClient(config) as client:
        seen: list[str] = []
        async with client.stream_trades("ETHUSDT") as trades:
            async for msg in trades:
                seen.append(msg.data["trade_id"])
                if len(seen) == len(trade_ids):
                    break
        assert seen == trade_ids
        # Joining later: the latest snapshot and every delta since, so the book
        # ends at the recording's last version.
        async with client.stream_order_book("BTCUSDT", level=5) as books:
            async for msg in books:
                if msg.data["version"] == last_version:
                    break


# -- pure: the feeds of a recording -----------------------------------------------


def rec(mono: float, frame: dict[str, object], ep: str = "public") -> Record:
    return Record(mono, mono, ep, 1, "in", frame=orjson.dumps(frame).decode())


def test_frames_are_sorted_into_channels_and_protocol_frames_left_out() -> None:
    """Pushes map to their channel; greetings, pings, acks, private frames do not."""
    assert feed_of_frame('{"cid":"x","event":"connected","time":"1"}') is None
    assert feed_of_frame('{"event":"ping","time":"1"}') is None
    assert feed_of_frame('{"result":true,"id":1}') is None
    assert feed_of_frame("not json") is None
    assert feed_of_frame('{"e":"depthSnapshot","s":"BTCUSDT","l":15}') == (
        ("BTCUSDT", "depth", 15, "", ""),
        True,
    )
    assert feed_of_frame('{"e":"depth","s":"BTCUSDT","l":200}') == (
        ("BTCUSDT", "depth", 200, "", ""),
        False,
    )
    kline = '{"e":"kline","s":"X","p":"MARK_PRICE","d":[{"i":"5m"}]}'
    assert feed_of_frame(kline) == (("X", "kline", 0, "5m", "MARK_PRICE"), False)
    assert feed_of_frame('{"e":"ticker","s":"X","d":[{}]}') == (
        ("X", "ticker", 0, "", ""),
        True,
    )
    feeds = RecordedFeeds(
        [
            rec(10.0, {"e": "ticker", "s": "A"}),
            rec(10.5, {"e": "orders", "s": "A"}, ep="private"),
            rec(11.0, {"e": "trade", "s": "B"}),
        ]
    )
    assert feeds.offsets == [0.0, 1.0] and feeds.symbols == {"A", "B"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["e", "s", "l", "d", "p", "i"]), inner)
    ),
    max_leaves=12,
)
push_like = st.fixed_dictionaries(
    {"e": st.sampled_from(["ticker", "depth", "depthSnapshot", "trade", "kline"])},
    optional={"s": json_values, "l": json_values, "d": json_values, "p": json_values},
)


@given(json_values | push_like)
def test_any_recorded_frame_gives_a_feed_or_none(doc: object) -> None:
    """Whatever a frame holds, it maps to a hashable feed or to nothing."""
    found = feed_of_frame(orjson.dumps(doc))
    if found is not None:
        feed, resets = found
        hash(feed)
        assert isinstance(resets, bool) and isinstance(feed[0], str)


def test_catch_up_starts_at_the_latest_reset_before_the_position() -> None:
    """A late subscriber gets the last snapshot and every frame of it since."""
    snap = {"e": "depthSnapshot", "s": "A", "l": 15}
    delta = {"e": "depth", "s": "A", "l": 15}
    feeds = RecordedFeeds(
        [
            rec(0, {**snap, "n": 0}),
            rec(1, {**delta, "n": 1}),
            rec(2, {"e": "ticker", "s": "A", "n": 2}),
            rec(3, {**snap, "n": 3}),
            rec(4, {**delta, "n": 4}),
            rec(5, {**delta, "n": 5}),
        ]
    )
    depth = ("A", "depth", 15, "", "")
    ns = lambda frames: [orjson.loads(f)["n"] for f in frames]  # noqa: E731
    assert ns(feeds.catch_up(depth, 0)) == []
    assert ns(feeds.catch_up(depth, 3)) == [0, 1]
    assert ns(feeds.catch_up(depth, 5)) == [3, 4]
    assert ns(feeds.catch_up(depth, 6)) == [3, 4, 5]
    assert ns(feeds.catch_up(("A", "ticker", 0, "", ""), 6)) == [2]
    assert feeds.catch_up(("Z", "ticker", 0, "", ""), 6) == []


# -- the command line -----------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    return env


async def test_sim_replay_serves_a_recording_to_a_bare_client(recording: Path) -> None:
    """``weex-events sim --replay FILE`` serves the recorded frames of a channel."""
    trades = recorded_pushes(recording, is_eth_trade)
    command = [sys.executable, "-m", "weex_events", "sim", "--port", "0"]
    command += ["--replay", str(recording), "--speed", "10", "--seconds", "120"]
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_env(),
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        text = ""
        while "replays" not in text:
            line = await asyncio.wait_for(proc.stdout.readline(), WAIT)
            assert line, text
            text += line.decode()
        url = re.search(r"export WEEX_WS_PUBLIC_URL=(\S+)", text)
        assert url is not None, text
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(url.group(1)) as ws,
        ):
            client = BareClient(ws)
            await client.command("SUBSCRIBE", ["ethusdt@trade"], 1)
            await client.read_until(lambda: len(client.pushes) >= len(trades))
            assert client.pushes == trades
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), WAIT)
        assert proc.returncode == 0, err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()


def test_sim_replay_of_a_bad_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recording that cannot be served is a usage error naming file and line."""
    from weex_events.cli import main

    bad = tmp_path / "cut.ndjson"
    bad.write_bytes(b'{"format":"weex-events-recording","version":7}\n')
    assert main(["sim", "--port", "0", "--replay", str(bad), "--seconds", "1"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "line 1" in err and "version 7" in err
