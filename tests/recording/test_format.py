"""The recording format (DESIGN.md §6): lines encode and parse losslessly, strictly."""

from __future__ import annotations

import contextlib
import math

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weex_events.recording.format import (
    FORMAT,
    VERSION,
    Record,
    encode_header,
    parse_header,
    parse_record,
    public_url,
    rotated_path,
)

finite = st.floats(allow_nan=False, allow_infinity=False)
records = st.one_of(
    st.builds(
        Record,
        t=finite,
        mono=finite,
        ep=st.sampled_from(["public", "private"]),
        conn=st.integers(0, 2**40),
        dir=st.sampled_from(["in", "out"]),
        frame=st.text(),
        lost=st.integers(0, 10**6),
    ),
    st.builds(
        Record,
        t=finite,
        mono=finite,
        ep=st.sampled_from(["public", "private"]),
        conn=st.integers(0, 2**40),
        dir=st.just("open"),
        url=st.text(),
    ),
    st.builds(
        Record,
        t=finite,
        mono=finite,
        ep=st.sampled_from(["public", "private"]),
        conn=st.integers(0, 2**40),
        dir=st.just("close"),
        code=st.none() | st.integers(0, 4999),
        reason=st.text(),
    ),
)


@given(records)
def test_a_record_line_parses_back_to_the_same_record(record: Record) -> None:
    """encode then parse gives the record back, floats and text exactly."""
    line = record.encode()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert parse_record(line) == record


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_value_error(data: bytes) -> None:
    """Arbitrary bytes give a record or a ValueError, never anything else."""
    with contextlib.suppress(ValueError):
        parse_record(data + b"\n")


def test_header_has_the_contract_keys_in_order() -> None:
    """Line 1 carries format, version, sdk, protocol, market, created, in order."""
    line = encode_header(sdk="1.2.3", protocol="v3", market="contract", created=5.5)
    doc = orjson.loads(line)
    assert list(doc) == ["format", "version", "sdk", "protocol", "market", "created"]
    assert doc["format"] == FORMAT == "weex-events-recording"
    assert doc["version"] == VERSION == 1
    header = parse_header(line)
    assert (header.sdk, header.protocol, header.market, header.created) == (
        "1.2.3",
        "v3",
        "contract",
        5.5,
    )


def test_unknown_keys_are_ignored() -> None:
    """Readers ignore keys they do not know, in the header and in records."""
    header = orjson.loads(
        encode_header(sdk="1", protocol="v3", market="spot", created=1)
    )
    header["future"] = {"x": 1}
    assert parse_header(orjson.dumps(header) + b"\n").market == "spot"
    line = b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"in","frame":"x","new":[1]}\n'
    assert parse_record(line) == Record(1.0, 2.0, "public", 3, "in", frame="x")


def test_an_unknown_version_is_refused_by_name() -> None:
    """A header of another version is refused, saying which version."""
    line = b'{"format":"weex-events-recording","version":2,"sdk":"9","protocol":"v3",'
    line += b'"market":"contract","created":1}\n'
    with pytest.raises(ValueError, match="unsupported recording version 2"):
        parse_header(line)


@pytest.mark.parametrize(
    "line",
    [
        b"not json\n",
        b"[1, 2]\n",
        b'{"format":"something-else","version":1}\n',
        b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"in","frame":"x"}\n',
    ],
)
def test_a_line_that_is_no_header_is_refused(line: bytes) -> None:
    """Line 1 must be this format's header."""
    with pytest.raises(ValueError):
        parse_header(line)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (
            b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"in","frame":"x"}',
            "truncated",
        ),
        (b'{"t":1,"mono":2,"ep":"pub', "truncated"),
        (b"{not json}\n", "not JSON"),
        (b"42\n", "not an object"),
        (b'{"a":1}\n', "dir"),
        (b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"sideways"}\n', "dir"),
        (b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":["in"]}\n', "dir"),
        (b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":{"in":1}}\n', "dir"),
        (b'{"t":1,"mono":2,"ep":"both","conn":3,"dir":"in","frame":"x"}\n', "ep"),
        (b'{"t":"1","mono":2,"ep":"public","conn":3,"dir":"in","frame":"x"}\n', "'t'"),
        (
            b'{"t":1,"mono":2,"ep":"public","conn":true,"dir":"in","frame":"x"}\n',
            "conn",
        ),
        (b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"in"}\n', "frame"),
        (b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"open"}\n', "url"),
        (b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"close","code":1}\n', "reason"),
        (
            b'{"t":1,"mono":2,"ep":"public","conn":3,"dir":"close","code":"x",'
            b'"reason":""}\n',
            "code",
        ),
    ],
)
def test_a_line_that_is_no_record_says_why(line: bytes, why: str) -> None:
    """Bad lines raise ValueError whose text names what is wrong."""
    with pytest.raises(ValueError, match=why):
        parse_record(line)


def test_close_code_may_be_null() -> None:
    """A close without a code (a dropped link) is written and read as code None."""
    record = Record(1.0, 2.0, "private", 1, "close", code=None, reason="reset")
    assert b'"code":null' in record.encode()
    assert parse_record(record.encode()).code is None


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        (
            "wss://ws-contract.weex.com/v3/ws/public",
            "wss://ws-contract.weex.com/v3/ws/public",
        ),
        (
            "ws://user:secret@127.0.0.1:8080/v3/ws/private?sign=abc#frag",
            "ws://127.0.0.1:8080/v3/ws/private",
        ),
        ("ws://[::1]:9/x?passphrase=p", "ws://[::1]:9/x"),
        ("ws://host:notaport/x", ""),
    ],
)
def test_public_url_drops_credentials_and_query(url: str, safe: str) -> None:
    """URLs lose user-info, query and fragment before they are written."""
    assert public_url(url) == safe


@pytest.mark.parametrize(
    ("name", "second"),
    [
        ("rec.ndjson.gz", "rec.1.ndjson.gz"),
        ("rec.ndjson", "rec.1.ndjson"),
        ("rec.gz", "rec.1.gz"),
        ("rec", "rec.1"),
        ("day.2026-12-07.ndjson.gz", "day.2026-12-07.1.ndjson.gz"),
    ],
)
def test_rotated_files_number_before_the_extension(name: str, second: str) -> None:
    """The n-th rotated file puts n before the extension; index 0 is the name."""
    assert rotated_path(f"/d/{name}", 0).name == name
    assert rotated_path(f"/d/{name}", 1).name == second
    assert rotated_path(f"/d/{name}", 12).name == second.replace(".1", ".12", 1)


def test_times_keep_full_float_precision() -> None:
    """Wall and monotonic times survive the line exactly, not rounded."""
    t = math.nextafter(1_796_600_000.123456, math.inf)
    record = Record(t, 1e-9, "public", 1, "in", frame="{}")
    assert parse_record(record.encode()).t == t
