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
  ``@pytest.mark.weex_sim(seed=3, speed=50, symbols=["BTCUSDT"], ping_interval=0.1)``,
  plus ``paused=True``: the simulator is paused before it starts, so its market
  moves only by ``step()`` (with ``start_time_ms`` it is the same on every run).
  Markers combine: a module's ``pytestmark``, a class's and the test's own, the
  closest winning per keyword.
- ``weex_sim_options``: a fixture returning the options every ``weex_sim`` of its
  scope starts from (``{}`` here); override it in a ``conftest.py`` to set them for
  a directory, where ``pytestmark`` does not reach. The markers win over it.
- ``weex_replay``: an async fixture yielding a replaying
  :class:`~weex_events.WeexWebSocketClient` (``WeexWebSocketClient.replay``), not
  yet connected, of the recording the ``weex_replay`` marker names (a path
  relative to pytest's root directory, and ``replay()``'s keyword arguments);
  disconnected after the test::

      @pytest.mark.weex_replay("tests/data/session.ndjson.gz")
      async def test_bot_on_recorded_data(weex_replay):
          weex_replay.on("ticker:BTCUSDT", bot.on_ticker)
          async with weex_replay:
              async for _ in weex_replay.stream("ticker:BTCUSDT"):
                  pass  # ends when the recording ends

The fixture needs ``pytest`` and ``pytest-asyncio``: ``pip install
'weex_events[testing]'`` installs exactly those. It works in pytest-asyncio's strict
and auto modes. Importing this module never fails: without pytest-asyncio the
fixture is still defined, and a test that asks for it fails with a message saying
what to install.

Imports: stdlib, ``pytest``/``pytest_asyncio`` when installed, and ``sim`` and
``client`` (lazily, inside the fixtures, so merely loading the plugin stays cheap).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import WeexWebSocketClient
    from .sim import Simulator

__all__ = [
    "DEFAULT_OPTIONS",
    "MARKER",
    "MISSING_ASYNCIO",
    "PAUSED",
    "REPLAY_MARKER",
    "make_simulator",
    "pytest_configure",
    "replay_options",
    "simulator_options",
]

#: Marker carrying per-test ``Simulator`` keyword arguments.
MARKER = "weex_sim"
#: Marker naming the recording (and ``replay()`` options) of ``weex_replay``.
REPLAY_MARKER = "weex_replay"
#: ``Simulator`` keyword arguments used unless the marker overrides them.
DEFAULT_OPTIONS: dict[str, Any] = {"seed": 1, "speed": 20.0}
#: The option the fixture handles itself: start the simulator paused.
PAUSED = "paused"

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - only without pytest-asyncio installed
    pytest_asyncio = None  # type: ignore[assignment]


def pytest_configure(config: Any) -> None:
    """Register the ``weex_sim`` marker (pytest hook)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): keyword arguments for the weex_sim fixture's "
        "Simulator, and paused=True to start it paused",
    )
    config.addinivalue_line(
        "markers",
        f"{REPLAY_MARKER}(path, **options): the recording the weex_replay fixture "
        "replays, and WeexWebSocketClient.replay() keyword arguments",
    )


def simulator_options(
    request: Any, defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``weex_sim`` options for the test behind ``request``.

    :data:`DEFAULT_OPTIONS`, then ``defaults`` (the ``weex_sim_options``
    fixture), then each ``weex_sim`` marker from the outermost (a module's
    ``pytestmark``) to the test's own: a later one wins per keyword.

    Raises:
        TypeError: a marker has positional arguments.
    """
    options = dict(DEFAULT_OPTIONS)
    options.update(defaults or {})
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            raise TypeError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        options.update(marker.kwargs)
    return options


def make_simulator(options: Mapping[str, Any]) -> Simulator:
    """A ``Simulator`` of ``options``, not started; paused first if ``paused``.

    ``paused`` is the fixture's own option: every other one is a ``Simulator``
    keyword argument.

    Raises:
        TypeError: ``paused`` is not a bool, or ``Simulator`` refuses an option.
    """
    from .sim import Simulator

    kwargs = dict(options)
    paused = kwargs.pop(PAUSED, False)
    if not isinstance(paused, bool):
        raise TypeError(f"{PAUSED}= must be True or False, not {paused!r}")
    simulator = Simulator(**kwargs)
    if paused:
        simulator.pause()  # before start: not one market step has been taken
    return simulator


def replay_options(request: Any) -> tuple[Path, dict[str, Any]]:
    """The recording and ``replay()`` keyword arguments for ``request``'s test.

    Raises:
        TypeError: the test has no ``weex_replay`` marker naming one path.
    """
    marker = request.node.get_closest_marker(REPLAY_MARKER)
    if marker is None or len(marker.args) != 1:
        raise TypeError(
            f"the weex_replay fixture needs @pytest.mark.{REPLAY_MARKER}(path, ...)"
        )
    path = Path(marker.args[0])
    if not path.is_absolute():
        path = Path(request.config.rootpath) / path
    return path, dict(marker.kwargs)


#: What a test using ``weex_sim`` is told when pytest-asyncio is missing.
MISSING_ASYNCIO = (
    "the weex_sim fixture needs pytest-asyncio: "
    "pip install 'weex_events[testing]' (or pip install pytest-asyncio)"
)

if pytest_asyncio is not None:
    import pytest

    @pytest.fixture
    def weex_sim_options() -> dict[str, Any]:
        """Options every ``weex_sim`` here starts from; override it in a conftest."""
        return {}

    @pytest_asyncio.fixture
    async def weex_sim(
        request: Any, weex_sim_options: Mapping[str, Any]
    ) -> AsyncIterator[Simulator]:
        """A started WEEX simulator (seed 1, speed 20), stopped after the test."""
        options = simulator_options(request, weex_sim_options)
        async with make_simulator(options) as sim:
            yield sim

    @pytest_asyncio.fixture
    async def weex_replay(request: Any) -> AsyncIterator[WeexWebSocketClient]:
        """A replaying client of the marker's recording, disconnected after."""
        from .client import WeexWebSocketClient

        path, options = replay_options(request)
        client = WeexWebSocketClient.replay(path, **options)
        try:
            yield client
        finally:
            await client.disconnect()

    __all__ += ["weex_replay", "weex_sim", "weex_sim_options"]
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

        @pytest.fixture
        def weex_replay(request: Any) -> Any:
            """Fails: the replay fixture needs pytest-asyncio."""
            pytest.fail(MISSING_ASYNCIO, pytrace=False)

        __all__ += ["weex_replay", "weex_sim"]
