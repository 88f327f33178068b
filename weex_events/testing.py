"""pytest helpers for users of ``weex_events``: a running WEEX simulator as a fixture.

pytest loads this module as a plugin through the ``pytest11`` entry point once
``weex_events`` is installed (otherwise pass ``-p weex_events.testing``). It provides:

- ``weex_sim``: an async fixture yielding a started
  :class:`~weex_events.sim.Simulator` (seed 1, speed 20, every built-in symbol) on
  ``127.0.0.1`` and a free port, stopped after the test. ``weex_sim.config()`` is a
  :class:`~weex_events.WeexConfig` pointing at it, ``weex_sim.faults`` injects faults,
  ``weex_sim.pause()``/``step()`` control the market::

      async def test_survives_a_drop(weex_sim):
          async with WeexWebSocketClient(weex_sim.config()) as client:
              await client.subscribe("ticker", ["BTCUSDT"])
              weex_sim.faults.drop()
              await client.wait_for("reconnected", timeout=5)

- the ``weex_sim`` marker: keyword arguments for that test's
  :class:`~weex_events.sim.Simulator`, for example
  ``@pytest.mark.weex_sim(seed=3, speed=50, symbols=["BTCUSDT"], ping_interval=0.1)``.

The fixture needs ``pytest`` and ``pytest-asyncio``: ``pip install
'weex_events[testing]'`` installs exactly those. It works in pytest-asyncio's strict
and auto modes. Importing this module never fails: without pytest-asyncio the
fixture is still defined, and a test that asks for it fails with a message saying
what to install.

Imports: stdlib, ``pytest``/``pytest_asyncio`` when installed, and ``sim`` (lazily,
inside the fixture, so merely loading the plugin stays cheap).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sim import Simulator

__all__ = [
    "DEFAULT_OPTIONS",
    "MARKER",
    "MISSING_ASYNCIO",
    "pytest_configure",
    "simulator_options",
]

#: Marker carrying per-test ``Simulator`` keyword arguments.
MARKER = "weex_sim"
#: ``Simulator`` keyword arguments used unless the marker overrides them.
DEFAULT_OPTIONS: dict[str, Any] = {"seed": 1, "speed": 20.0}

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - only without pytest-asyncio installed
    pytest_asyncio = None  # type: ignore[assignment]


def pytest_configure(config: Any) -> None:
    """Register the ``weex_sim`` marker (pytest hook)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): keyword arguments for the weex_sim fixture's Simulator",
    )


def simulator_options(request: Any) -> dict[str, Any]:
    """The ``Simulator`` keyword arguments for the test behind ``request``."""
    options = dict(DEFAULT_OPTIONS)
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise TypeError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        options.update(marker.kwargs)
    return options


#: What a test using ``weex_sim`` is told when pytest-asyncio is missing.
MISSING_ASYNCIO = (
    "the weex_sim fixture needs pytest-asyncio: "
    "pip install 'weex_events[testing]' (or pip install pytest-asyncio)"
)

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def weex_sim(request: Any) -> AsyncIterator[Simulator]:
        """A started WEEX simulator (seed 1, speed 20), stopped after the test."""
        from .sim import Simulator

        async with Simulator(**simulator_options(request)) as sim:
            yield sim

    __all__ += ["weex_sim"]
else:  # pragma: no cover - exercised in a subprocess without pytest-asyncio
    try:
        import pytest
    except ImportError:
        pass  # not even pytest: nothing to define
    else:

        @pytest.fixture
        def weex_sim(request: Any) -> Any:
            """Fails: the simulator fixture needs pytest-asyncio."""
            pytest.fail(MISSING_ASYNCIO, pytrace=False)

        __all__ += ["weex_sim"]
