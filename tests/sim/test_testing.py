"""The pytest plugin ``weex_events.testing``: the ``weex_sim`` fixture and marker."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from weex_events.sim import DEFAULT_SYMBOLS, Simulator
from weex_events.testing import (  # noqa: F401
    make_simulator,
    simulator_options,
    weex_sim,
)

ROOT = Path(__file__).resolve().parents[2]


async def test_fixture_yields_a_running_simulator(weex_sim: Simulator) -> None:  # noqa: F811
    """weex_sim is started (seed 1, speed 20, all symbols) and config() points at it."""
    assert weex_sim.speed == 20 and weex_sim.market.seed == 1
    assert weex_sim.market.symbols == DEFAULT_SYMBOLS
    config = weex_sim.config(keepalive_interval=2.0)
    assert config.ws_public_url == weex_sim.ws_public_url
    assert config.rest_url == weex_sim.rest_url and config.keepalive_interval == 2.0
    weex_sim.pause()  # the clock moves with every step: hold it for the comparison
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{config.rest_url}/capi/v3/market/time") as resp,
    ):
        assert (await resp.json())["serverTime"] == weex_sim.market.now_ms
    weex_sim.resume()


def _request(*args: Any, **kwargs: Any) -> Any:
    """A request whose test carries one weex_sim marker (none without arguments)."""
    if not args and not kwargs:
        return _marked()
    return _marked(SimpleNamespace(args=args, kwargs=kwargs))


def _marked(*markers: Any) -> Any:
    """A request whose weex_sim markers are ``markers``, closest first."""
    node = SimpleNamespace(iter_markers=lambda _: iter(markers))
    return SimpleNamespace(node=node)


def test_marker_keywords_override_the_defaults() -> None:
    """The weex_sim marker's keywords replace the fixture's defaults."""
    assert simulator_options(_request()) == {"seed": 1, "speed": 20.0}
    options = simulator_options(_request(seed=4, symbols=["BTCUSDT"]))
    assert options == {"seed": 4, "speed": 20.0, "symbols": ["BTCUSDT"]}
    with pytest.raises(TypeError):
        simulator_options(_request(4))


def test_markers_combine_and_the_closest_wins_over_the_options_fixture() -> None:
    """Options fixture, then module, then test marker: each later one wins per key."""
    test = SimpleNamespace(args=(), kwargs={"seed": 6, "paused": True})
    module = SimpleNamespace(args=(), kwargs={"seed": 5, "speed": 3})
    defaults = {"seed": 4, "symbols": ["BTCUSDT"], "speed": 9}
    options = simulator_options(_marked(test, module), defaults)
    assert options == {"seed": 6, "speed": 3, "symbols": ["BTCUSDT"], "paused": True}
    assert defaults == {"seed": 4, "symbols": ["BTCUSDT"], "speed": 9}
    positional = SimpleNamespace(args=(4,), kwargs={})
    with pytest.raises(TypeError):
        simulator_options(_marked(test, positional))


def test_make_simulator_pauses_before_start_and_checks_paused() -> None:
    """paused=True gives a simulator paused before it starts; a non-bool is refused."""
    simulator = make_simulator({"seed": 2, "paused": True, "symbols": ["BTCUSDT"]})
    assert simulator.paused and simulator.market.seed == 2
    assert not make_simulator({"symbols": ["BTCUSDT"]}).paused
    with pytest.raises(TypeError, match="paused"):
        make_simulator({"paused": "yes"})


START_MS = 1_767_225_600_000


@pytest.mark.weex_sim(speed=9)
class TestOptionsFixtureOverride:
    """A ``weex_sim_options`` override, a class marker and a test marker together."""

    @pytest.fixture
    def weex_sim_options(self) -> dict[str, Any]:
        """Seed 4, two symbols, speed 3 (the class marker's 9 wins)."""
        return {"seed": 4, "symbols": ["BTCUSDT", "ETHUSDT"], "speed": 3}

    @pytest.mark.weex_sim(paused=True, start_time_ms=START_MS)
    async def test_override_applies(self, weex_sim: Simulator) -> None:  # noqa: F811
        """The override's and the markers' options reach weex_sim; paused, it
        stays at its start time until stepped."""
        assert weex_sim.market.seed == 4 and weex_sim.speed == 9
        assert weex_sim.market.symbols == ("BTCUSDT", "ETHUSDT")
        assert weex_sim.paused and weex_sim.market.now_ms == START_MS
        weex_sim.step()
        assert weex_sim.market.now_ms == START_MS + weex_sim.market.step_ms

    @pytest.mark.weex_sim(seed=8)
    async def test_markers_win(self, weex_sim: Simulator) -> None:  # noqa: F811
        """A test's marker wins per keyword over the class's and the override."""
        assert weex_sim.market.seed == 8 and weex_sim.speed == 9
        assert weex_sim.market.symbols == ("BTCUSDT", "ETHUSDT")
        assert not weex_sim.paused


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def _entry_point_installed() -> bool:
    eps = importlib.metadata.entry_points(group="pytest11")
    return any(ep.value == "weex_events.testing" for ep in eps)


def test_plugin_loads_in_pytest_with_its_marker(tmp_path: Path) -> None:
    """Loaded with -p, the plugin serves weex_sim and honours its marker (strict)."""
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest

            @pytest.mark.asyncio
            @pytest.mark.weex_sim(seed=9, symbols=["ethusdt"], speed=5)
            async def test_marked(weex_sim):
                assert weex_sim.market.seed == 9 and weex_sim.speed == 5
                assert weex_sim.market.symbols == ("ETHUSDT",)
                assert weex_sim.config().ws_public_url.startswith("ws://127.0.0.1:")
            """
        )
    )
    # Installed, the package registers the plugin by entry point (pytest11);
    # from a bare checkout it has to be named with -p.
    plugin = [] if _entry_point_installed() else ["-p", "weex_events.testing"]
    result = _run(
        ["-m", "pytest", *plugin, "-p", "no:cacheprovider",
         "-o", "asyncio_mode=strict", "--strict-markers", "-q", "test_user.py"],
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_plugin_imports_without_pytest(tmp_path: Path) -> None:
    """Without pytest or pytest-asyncio the module imports and defines no fixture."""
    code = (
        "import sys; sys.modules['pytest'] = sys.modules['pytest_asyncio'] = None\n"
        "import weex_events.testing as t\n"
        "assert not hasattr(t, 'weex_sim') and t.MARKER == 'weex_sim'\n"
    )
    result = _run(["-c", code], tmp_path)
    assert result.returncode == 0, result.stderr


def test_fixture_without_pytest_asyncio_says_what_to_install(tmp_path: Path) -> None:
    """Without pytest-asyncio a test asking for weex_sim fails naming the extra."""
    (tmp_path / "test_user.py").write_text("def test_it(weex_sim):\n    pass\n")
    code = (
        "import os, sys; sys.modules['pytest_asyncio'] = None\n"
        "os.environ['PYTEST_DISABLE_PLUGIN_AUTOLOAD'] = '1'\n"
        "import pytest\n"
        "sys.exit(pytest.main(['-p', 'no:cacheprovider',"
        " '-p', 'weex_events.testing', '-q', 'test_user.py']))\n"
    )
    result = _run(["-c", code], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pip install 'weex_events[testing]'" in result.stdout
