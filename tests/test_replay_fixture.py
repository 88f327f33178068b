"""The ``weex_replay`` fixture and marker of the ``weex_events.testing`` plugin."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.sim.test_testing import _entry_point_installed
from weex_events import StreamMessage, WeexWebSocketClient
from weex_events.testing import weex_replay  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.weex_replay("tests/data/ticker-session.ndjson")
async def test_fixture_replays_the_marked_recording(
    weex_replay: WeexWebSocketClient,  # noqa: F811
) -> None:
    """The fixture's client, not yet connected, replays the marker's recording:
    handlers see every push, a stream ends with the recording."""
    seen: list[StreamMessage] = []
    weex_replay.on("ticker:BTCUSDT", seen.append)
    async with weex_replay:
        async with asyncio.timeout(30):
            async for _ in weex_replay.stream("ticker:BTCUSDT"):
                pass
    assert [m.data["last"] for m in seen] == ["100", "101", "102", "103", "104"]


def test_fixture_without_its_marker_says_how_to_use_it(tmp_path: Path) -> None:
    """A test asking for weex_replay without the marker fails naming the marker;
    with it (and --strict-markers) the marker is registered and works."""
    recording = ROOT / "tests" / "data" / "ticker-session.ndjson"
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            f"""
            import pytest

            @pytest.mark.asyncio
            async def test_unmarked(weex_replay):
                pass

            @pytest.mark.asyncio
            @pytest.mark.weex_replay({str(recording)!r}, speed=1000.0)
            async def test_marked(weex_replay):
                async with weex_replay:
                    async for msg in weex_replay.stream("ticker:BTCUSDT"):
                        pass
                assert msg.data["last"] == "104"
            """
        )
    )
    plugin = [] if _entry_point_installed() else ["-p", "weex_events.testing"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider",
         "-o", "asyncio_mode=strict", "--strict-markers", "-q", "test_user.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "1 passed, 1 error" in result.stdout, result.stdout + result.stderr
    assert "@pytest.mark.weex_replay(path, ...)" in result.stdout
