"""The documentation builds cleanly and covers the public API, events and CLI.

The Sphinx build runs once per module, as ``sphinx-build -W -b html`` in a
subprocess (conf.py makes it nitpicky), into a temporary directory; the checks
then read the ``objects.inv`` inventory it wrote, which lists every documented
object, event and command-line option.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import weex_events
import weex_events.sim
from weex_events.cli import build_parser
from weex_events.events import LIFECYCLE_EVENTS, MARKET_KINDS, PRIVATE_KINDS

pytest.importorskip("sphinx", reason="the docs extra is not installed")
pytest.importorskip("myst_parser", reason="the docs extra is not installed")

from sphinx.util.inventory import InventoryFile

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@dataclass(frozen=True)
class Build:
    """The outcome of one Sphinx build."""

    returncode: int
    output: str
    inventory: Mapping[str, Mapping[str, Any]] = field(repr=False)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The HTML documentation, built once with warnings as errors."""
    out = tmp_path_factory.mktemp("html")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q"]
    command += ["-b", "html", "-d", str(out / ".doctrees"), str(DOCS), str(out)]
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    inventory: Mapping[str, Mapping[str, Any]] = {}
    if (out / "objects.inv").exists():
        with (out / "objects.inv").open("rb") as stream:
            loaded = InventoryFile.load(stream, "", lambda base, uri: uri)
        inventory = getattr(loaded, "data", loaded)
    return Build(result.returncode, result.stdout + result.stderr, inventory)


def _names(build: Build, *roles: str) -> set[str]:
    return {name for role in roles for name in build.inventory.get(role, {})}


def test_sphinx_build_has_no_warnings(build: Build) -> None:
    """sphinx-build -W (nitpicky) succeeds: no warning, no unresolved reference."""
    assert build.returncode == 0, build.output


def test_every_public_name_is_documented(build: Build) -> None:
    """Each name in weex_events.__all__ has an autodoc entry under weex_events."""
    documented = _names(build, "py:class", "py:exception", "py:function", "py:data")
    missing = [
        name for name in weex_events.__all__ if f"weex_events.{name}" not in documented
    ]
    assert not missing, f"not documented: {missing}"


def test_every_simulator_name_is_documented(build: Build) -> None:
    """Each name in weex_events.sim.__all__ has an autodoc entry."""
    documented = _names(build, "py:class", "py:exception", "py:function", "py:data")
    missing = [
        name
        for name in weex_events.sim.__all__
        if f"weex_events.sim.{name}" not in documented
    ]
    assert not missing, f"not documented: {missing}"


def test_every_event_name_has_a_reference_entry(build: Build) -> None:
    """The event reference has an entry for every event the client accepts."""
    events = _names(build, "std:event")
    kinds = MARKET_KINDS | PRIVATE_KINDS | LIFECYCLE_EVENTS
    assert sorted(kinds - events) == []
    # Symbol forms, except account (its items name a coin, not a symbol).
    with_symbol = {f"{kind}:SYMBOL" for kind in MARKET_KINDS | PRIVATE_KINDS}
    assert sorted(with_symbol - {"account:SYMBOL"} - events) == []


def test_every_cli_option_is_documented(build: Build) -> None:
    """docs/cli.rst documents each option of each weex-events subcommand."""
    documented = _names(build, "std:cmdoption")
    parser = build_parser()
    subparsers = next(
        action
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    missing = []
    for command, sub in subparsers.choices.items():
        for action in sub._actions:
            for option in action.option_strings:
                if option in ("-h", "--help", "-v", "--verbose"):
                    continue  # -h is argparse's; -v is documented once, globally
                if f"weex-events-{command}.{option}" not in documented:
                    missing.append(f"weex-events {command} {option}")
    for option in ("--version", "-v", "--verbose"):
        if f"weex-events.{option}" not in documented:
            missing.append(f"weex-events {option}")
    assert not missing, f"not in docs/cli.rst: {missing}"


def test_websocket_guide_uses_weex_events() -> None:
    """The kept guide imports weex_events and documents weex_events objects only."""
    text = (DOCS / "websocket-api.rst").read_text(encoding="utf-8")
    assert "from weex_events import WeexWebSocketClient, WeexConfig" in text
    assert "from weex_client" not in text
    assert "weex_client.websocket" not in text
