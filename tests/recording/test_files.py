"""Recordings on disk: the Recorder writes what it is given, the reader reads it back.

Writing → reading gives the same records (plain, gzip, rotated); damaged files
give a RecordingError naming the file and line after everything before it.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weex_events import ConfigError, RecordingError, __version__
from weex_events.recording import (
    Record,
    Recorder,
    RecordingReader,
    read_records,
    rotation_set,
)

finite = st.floats(allow_nan=False, allow_infinity=False)
ENDPOINT = st.sampled_from(["public", "private"])
calls = st.one_of(
    st.tuples(st.just("in"), ENDPOINT, st.integers(0, 99), st.text(), finite, finite),
    st.tuples(st.just("out"), ENDPOINT, st.integers(0, 99), st.text(), finite, finite),
    st.tuples(
        st.just("open"),
        ENDPOINT,
        st.integers(0, 99),
        st.just("wss://ws-contract.weex.com/v3/ws/public"),
        finite,
        finite,
    ),
    st.tuples(
        st.just("close"),
        ENDPOINT,
        st.integers(0, 99),
        st.tuples(st.none() | st.integers(1000, 4999), st.text()),
        finite,
        finite,
    ),
)


def replay_calls(rec: Recorder, items: list[tuple[object, ...]]) -> list[Record]:
    """Feed ``items`` to ``rec``; return the records they should become."""
    expected = []
    for direction, ep, conn, payload, wall, mono in items:
        assert isinstance(ep, str) and isinstance(conn, int)
        assert isinstance(wall, float) and isinstance(mono, float)
        if direction in ("in", "out"):
            assert isinstance(payload, str)
            send = rec.frame_in if direction == "in" else rec.frame_out
            # the read loop hands over bytes, the writer may hand over str
            send(ep, conn, payload.encode() if conn % 2 else payload, wall, mono)
            expected.append(Record(wall, mono, ep, conn, direction, frame=payload))  # type: ignore[arg-type]
        elif direction == "open":
            assert isinstance(payload, str)
            rec.opened(ep, conn, payload, wall, mono)
            expected.append(Record(wall, mono, ep, conn, "open", url=payload))
        else:
            code, reason = payload  # type: ignore[misc]
            rec.closed(ep, conn, code, reason, wall, mono)
            expected.append(
                Record(wall, mono, ep, conn, "close", code=code, reason=reason)
            )
    return expected


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    items=st.lists(calls, max_size=60),
    name=st.sampled_from(["r.ndjson", "r.ndjson.gz"]),
)
def test_what_is_recorded_reads_back_identically(
    tmp_path: Path, items: list[tuple[object, ...]], name: str
) -> None:
    """Records written through the Recorder read back equal, in order."""
    path = tmp_path / f"{time.monotonic_ns()}-{name}"
    with Recorder(path, protocol="v2", market="contract") as rec:
        expected = replay_calls(rec, items)
    assert list(read_records(path)) == expected
    assert RecordingReader(path).header.protocol == "v2"
    assert rec.stats.written == len(expected) and rec.stats.dropped == 0


def test_header_line_is_exactly_the_contract(tmp_path: Path) -> None:
    """Line 1 is the DESIGN.md §6 header with sdk the package version."""
    path = tmp_path / "h.ndjson"
    before = time.time()
    with Recorder(path, market="spot"):
        pass
    doc = orjson.loads(path.read_bytes().splitlines()[0])
    assert list(doc.items())[:5] == [
        ("format", "weex-events-recording"),
        ("version", 1),
        ("sdk", __version__),
        ("protocol", "v3"),
        ("market", "spot"),
    ]
    assert list(doc) == ["format", "version", "sdk", "protocol", "market", "created"]
    assert before - 1 <= doc["created"] <= time.time() + 1


def test_files_rotate_by_size_and_read_back_as_one(tmp_path: Path) -> None:
    """Past rotate_bytes a new numbered file starts; the reader reads the set."""
    path = tmp_path / "rot.ndjson.gz"
    rng = random.Random(5)  # incompressible text, so gzip output grows steadily
    frames = [
        orjson.dumps({"i": i, "pad": rng.randbytes(60).hex()}).decode()
        for i in range(3000)
    ]
    with Recorder(path, rotate_bytes=4096) as rec:
        for i, frame in enumerate(frames):
            rec.frame_in("public", 1, frame, float(i), float(i))
    files = rotation_set(path)
    assert len(files) >= 3 and rec.stats.files == len(files)
    assert [f.name for f in files[:3]] == [
        "rot.ndjson.gz",
        "rot.1.ndjson.gz",
        "rot.2.ndjson.gz",
    ]
    for f in files:  # each file stands alone, header first
        with gzip.open(f) as stream:
            assert orjson.loads(stream.readline())["format"] == "weex-events-recording"
    assert [r.frame for r in read_records(path)] == frames
    assert [r.frame for r in read_records(path, rotated=False)] == frames[
        : len(list(read_records(path, rotated=False)))
    ]
    assert rec.stats.bytes == sum(f.stat().st_size for f in files)
    # a file is rotated once it holds rotate_bytes (gzip buffers may add more)
    assert all(f.stat().st_size >= 4096 for f in files[:-1])


def wait_until(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``check`` until it holds (generous bound: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def readable_frames(path: Path) -> list[str | None]:
    """Frames readable now from a file still being written (gzip: no trailer yet)."""
    out: list[str | None] = []
    with contextlib.suppress(RecordingError):
        out.extend(r.frame for r in read_records(path))
    return out


@pytest.mark.parametrize("name", ["live.ndjson", "live.ndjson.gz"])
def test_records_reach_the_file_while_recording(tmp_path: Path, name: str) -> None:
    """A record is on disk within about a second, without closing the recorder."""
    path = tmp_path / name
    rec = Recorder(path, flush_interval=0.2, poll_interval=0.05)
    rec.start()
    try:
        rec.frame_in("public", 1, '{"e":"ticker"}', 1.0, 1.0)
        wait_until(lambda: readable_frames(path) == ['{"e":"ticker"}'])
        assert rec.running
    finally:
        rec.close()
    assert not rec.running


def test_a_full_buffer_drops_new_records_counts_and_marks_them(tmp_path: Path) -> None:
    """Overflow drops the newest, counts it, and the next record says how many."""
    path = tmp_path / "full.ndjson"
    rec = Recorder(path, buffer_size=3)
    for i in range(5):  # not started: the buffer fills up
        rec.frame_in("public", 1, str(i), float(i), float(i))
    assert rec.stats.dropped == 2 and rec.stats.pending == 3
    rec.start()
    try:
        wait_until(lambda: rec.stats.written == 3)
        rec.frame_in("public", 1, "5", 5.0, 5.0)
    finally:
        rec.close()
    got = list(read_records(path))
    assert [(r.frame, r.lost) for r in got] == [("0", 0), ("1", 0), ("2", 0), ("5", 2)]
    rec.frame_in("public", 1, "late", 6.0, 6.0)  # after close: dropped, no error
    assert rec.stats.dropped == 3 and rec.stats.recorded == 4


def test_a_frame_tap_records_and_overflows_like_frame_in(tmp_path: Path) -> None:
    """frame_in_for(ep, conn) gives the read loop's handle: records it appends
    are written like frame_in's, and a trim applies the same overflow policy
    (the newest dropped, counted, the next written one says so) and drops
    everything after close."""
    path = tmp_path / "bound.ndjson"
    rec = Recorder(path, buffer_size=3)
    append, ep, conn, trim = rec.frame_in_for("private", 7)
    assert (ep, conn) == ("private", 7)
    for i in range(5):  # not started: the buffer fills up, unchecked
        append((float(i), 100.0 + i, ep, conn, "in", str(i).encode()))
    trim()
    assert rec.stats.dropped == 2 and rec.stats.pending == 3
    rec.start()
    try:
        wait_until(lambda: rec.stats.written == 3)
        append((5.0, 105.0, ep, conn, "in", b"5"))
        trim()
    finally:
        rec.close()
    got = list(read_records(path))
    assert [(r.ep, r.conn, r.dir, r.frame, r.lost) for r in got] == [
        ("private", 7, "in", "0", 0),
        ("private", 7, "in", "1", 0),
        ("private", 7, "in", "2", 0),
        ("private", 7, "in", "5", 2),
    ]
    assert [(r.t, r.mono) for r in got][-1] == (5.0, 105.0)
    append((6.0, 106.0, ep, conn, "in", b"late"))
    trim()
    assert rec.stats.dropped == 3 and rec.stats.recorded == 4
    assert rec.stats.pending == 0


def test_trim_merges_drops_across_runs_into_one_count(tmp_path: Path) -> None:
    """Records dropped by put() and by several trims before the writer runs add
    up in the one `lost` of the next record written."""
    path = tmp_path / "runs.ndjson"
    rec = Recorder(path, buffer_size=2)
    append, ep, conn, trim = rec.frame_in_for("public", 1)
    rec.frame_in("public", 1, "a", 1.0, 1.0)
    rec.frame_in("public", 1, "b", 2.0, 2.0)
    rec.frame_in("public", 1, "c", 3.0, 3.0)  # refused by put
    append((4.0, 4.0, ep, conn, "in", b"d"))
    append((5.0, 5.0, ep, conn, "in", b"e"))
    trim()  # d, e and the marker of c: one run of three
    assert rec.stats.dropped == 3 and rec.stats.pending == 2
    rec.start()
    try:
        wait_until(lambda: rec.stats.written == 2)
        rec.frame_in("public", 1, "f", 6.0, 6.0)
    finally:
        rec.close()
    got = [(r.frame, r.lost) for r in read_records(path)]
    assert got == [("a", 0), ("b", 0), ("f", 3)]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_failing_disk_stops_the_writer_not_the_caller() -> None:
    """A write error is kept in stats; calls keep returning and count as dropped."""
    rec = Recorder("/dev/full", flush_interval=0.05, poll_interval=0.05)
    rec.start()
    try:
        for i in range(10):
            rec.frame_in("public", 1, "x" * 10_000, float(i), float(i))
        wait_until(lambda: rec.stats.error is not None)
        rec.frame_in("public", 1, "after", 1.0, 1.0)
    finally:
        rec.close()
    assert "No space" in (rec.stats.error or "")
    assert rec.stats.dropped == 11 - rec.stats.written


def test_an_unwritable_path_is_a_config_error(tmp_path: Path) -> None:
    """start() on a path that cannot be created raises ConfigError."""
    with pytest.raises(ConfigError, match="cannot write"):
        Recorder(tmp_path / "missing" / "x.ndjson").start()


def test_urls_are_written_without_credentials(tmp_path: Path) -> None:
    """No user-info or query secret of the URL reaches the file."""
    path = tmp_path / "u.ndjson"
    with Recorder(path) as rec:
        url = "wss://key:hunter2@ws.example:443/v3/ws/private?signature=SIGN#x"
        rec.opened("private", 1, url, 1.0, 1.0)
    data = path.read_bytes()
    for secret in (b"hunter2", b"SIGN", b"key:", b"signature"):
        assert secret not in data
    assert next(read_records(path)).url == "wss://ws.example:443/v3/ws/private"


# -- damaged files -----------------------------------------------------------------


def write_sample(path: Path, count: int = 40) -> list[str]:
    frames = [orjson.dumps({"e": "ticker", "i": i}).decode() for i in range(count)]
    with Recorder(path) as rec:
        for i, frame in enumerate(frames):
            rec.frame_in("public", 1, frame, float(i), float(i))
    return frames


def read_until_error(path: Path) -> tuple[list[str | None], RecordingError | None]:
    got: list[str | None] = []
    try:
        for record in read_records(path):
            got.append(record.frame)
    except RecordingError as exc:
        return got, exc
    return got, None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cut=st.integers(min_value=0))
def test_a_plain_file_cut_anywhere_yields_a_prefix_then_names_the_line(
    tmp_path: Path, cut: int
) -> None:
    """Cut mid-line: every whole record first, then an error naming file and line."""
    path = tmp_path / "cut.ndjson"
    frames = write_sample(path)
    data = path.read_bytes()
    cut %= len(data) + 1
    path.write_bytes(data[:cut])
    got, error = read_until_error(path)
    assert got == frames[: len(got)]
    whole_lines = data[:cut].count(b"\n")
    if cut == len(data) or (cut and data[cut - 1 : cut] == b"\n"):
        assert error is None and len(got) == max(0, whole_lines - 1)
    else:
        assert error is not None
        assert error.path == str(path) and error.line == whole_lines + 1
        assert str(path) in str(error) and f"line {whole_lines + 1}" in str(error)
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cut=st.integers(min_value=1))
def test_a_gzip_file_cut_anywhere_yields_a_prefix_then_an_error(
    tmp_path: Path, cut: int
) -> None:
    """A truncated gzip (no tail) delivers what it can, then a RecordingError."""
    path = tmp_path / "cut.ndjson.gz"
    frames = write_sample(path, 400)
    data = path.read_bytes()
    cut %= len(data)  # strictly shorter than the file
    path.write_bytes(data[:cut])
    got, error = read_until_error(path)
    assert got == frames[: len(got)]
    assert error is not None and error.path == str(path) and error.line >= 1
    assert error.__cause__ is None


def test_a_bad_gzip_tail_is_a_recording_error(tmp_path: Path) -> None:
    """A corrupted CRC in the gzip trailer: all records, then RecordingError."""
    path = tmp_path / "crc.ndjson.gz"
    frames = write_sample(path)
    data = bytearray(path.read_bytes())
    data[-8] ^= 0xFF  # the CRC32 of the trailer
    path.write_bytes(bytes(data))
    got, error = read_until_error(path)
    assert got == frames[: len(got)]
    assert error is not None and "gzip" in error.reason


@pytest.mark.parametrize(
    ("bad", "why"),
    [(b"this is not json\n", "not JSON"), (b'{"hello":"world"}\n', "not a record")],
)
def test_a_bad_line_names_its_file_and_number(
    tmp_path: Path, bad: bytes, why: str
) -> None:
    """A non-JSON or non-record line stops reading there, naming the line."""
    path = tmp_path / "bad.ndjson"
    frames = write_sample(path, 10)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:6], bad, *lines[6:]]))
    got, error = read_until_error(path)
    assert got == frames[:5]
    assert error is not None and error.line == 7 and why in error.reason


def test_an_endless_line_is_damage_not_a_memory_hog(tmp_path: Path) -> None:
    """A line past the reader's limit stops reading there, naming the line."""
    from weex_events.recording.reader import _lines

    path = tmp_path / "long.ndjson"
    write_sample(path, 2)
    with path.open("ab") as stream:
        stream.write(b"x" * 5000 + b"\n")
    with pytest.raises(RecordingError, match="line 4: line longer than 1000 bytes"):
        list(_lines(path, max_line=1000))


def test_an_unknown_version_is_refused_before_any_record(tmp_path: Path) -> None:
    """A file of format version 2 raises at line 1, saying the version."""
    path = tmp_path / "v2.ndjson"
    write_sample(path, 3)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[0] = lines[0].replace(b'"version":1', b'"version":2')
    path.write_bytes(b"".join(lines))
    got, error = read_until_error(path)
    assert got == [] and error is not None and error.line == 1
    assert "unsupported recording version 2" in str(error)
    with pytest.raises(RecordingError, match="version 2"):
        _ = RecordingReader(path).header


@pytest.mark.parametrize(
    ("content", "why"),
    [(b"", "empty"), (b"\x1f\x8b garbage", "gzip"), (None, "No such file")],
)
def test_files_that_are_no_recording_are_refused(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    """Empty, non-gzip and missing files raise RecordingError, not OSError."""
    path = tmp_path / "x.ndjson.gz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(RecordingError, match=why) as info:
        list(read_records(path))
    assert info.value.path == str(path)
