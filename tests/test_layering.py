"""The architecture of DESIGN.md §4, enforced by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import weex_events

PACKAGE = Path(weex_events.__file__).parent

# DESIGN.md §4, top to bottom: a module may import only modules listed above it.
# `errors` is the leaf every layer raises from, so it is importable everywhere.
ORDER = [
    "errors",
    # named JSON types: a leaf under every layer that reads WEEX's JSON
    "jsontypes",
    "config",
    # below every client layer, so that connections can hold a recorder and the
    # simulator can read recordings without importing the client
    "recording",
    "kinds",
    "events",
    "backoff",
    "reconnect",
    "protocol",
    "private_items",
    "private_state",
    "auth",
    "book_side",
    "book",
    "bookkeeper",
    "liveness",
    "channel_table",
    "transport",
    "tap",
    "loopback",
    "replay",
    "commands",
    "reader",
    "connection",
    "dialer",
    "subscriptions",
    "hub",
    "deadlines",
    "queues",
    "slow_handlers",
    "listener",
    "dispatch",
    "upkeep",
    "handlers",
    "streams",
    "outputs",
    "stats",
    "rest_wire",
    "rest_spot_account",
    "rest_account",
    "rest",
    "recovery",
    "private_feed",
    "parts",
    "client",
    "sim",
    "testing",
    "demo_state",
    "demo_layout",
    "paper",
    "metrics",
    "fanout",
    # the standard library's logging only; held while the dashboard owns the screen
    "held_logs",
    "dashboard",
    "cli",
    "__main__",
]
# Where each third-party library may be imported (STYLE.md rule 3).
QUARANTINE = {
    "aiohttp": {"transport", "rest", "sim"},
    "pyee": {"dispatch"},
    "orjson": {"protocol", "sim", "rest", "rest_wire", "cli", "recording", "fanout"},
    "rich": {"dashboard"},
    "redis": {"fanout"},
    "prometheus_client": {"metrics"},
}
PURE = {
    "jsontypes",
    "protocol",
    "reconnect",
    "book_side",
    "book",
    "bookkeeper",
    "kinds",
    "subscriptions",
    "demo_state",
    "demo_layout",
    "private_items",
    "private_state",
}
IMPURE = {"asyncio", "aiohttp", "time", "socket", "threading"}


def unit_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def imports(path: Path) -> set[str]:
    """Top-level names imported by ``path``: internal units and external packages."""
    tree = ast.parse(path.read_text(), str(path))
    rel = path.relative_to(PACKAGE)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                if name.startswith("weex_events."):
                    found.add("weex_events:" + name.split(".")[1])
                else:
                    found.add(name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0:
                if module.startswith("weex_events."):
                    found.add("weex_events:" + module.split(".")[1])
                elif module == "weex_events":
                    found.update("weex_events:" + a.name for a in node.names)
                else:
                    found.add(module.split(".")[0])
                continue
            # relative import: resolve against the module's package
            base = list(rel.parts[:-1])
            up = node.level - 1
            target = base[: len(base) - up] if up else base
            parts = target + (module.split(".") if module else [])
            if parts:
                found.add("weex_events:" + parts[0])
            else:  # `from . import x` at top level
                found.update("weex_events:" + a.name for a in node.names)
    return found


MODULES = sorted(
    p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE
)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_respects_layering(path: Path) -> None:
    """Each module imports only layers above it and quarantined libraries in place."""
    unit = unit_of(path)
    assert unit in ORDER, f"{unit} is not placed in the DESIGN.md §4 order"
    rank = ORDER.index(unit)
    for name in imports(path):
        if name.startswith("weex_events:"):
            other = name.split(":")[1]
            if other in ("errors", unit):
                continue
            assert other in ORDER, f"{path.name} imports unknown unit {other}"
            assert ORDER.index(other) < rank, f"{unit} must not import {other}"
        elif name in QUARANTINE:
            assert unit in QUARANTINE[name], f"{name} may not be imported in {unit}"
        if unit in PURE:
            assert name not in IMPURE, f"pure {unit} imports {name}"


def test_simulator_does_not_use_the_client_codec() -> None:
    """The simulator encodes with its own code, never the client's protocol or book."""
    for path in (PACKAGE / "sim").rglob("*.py"):
        internal = {
            n.split(":")[1] for n in imports(path) if n.startswith("weex_events:")
        }
        assert not internal & {
            "protocol",
            "book",
            "client",
            "connection",
            "dispatch",
        }, path
        # The recording format is ours (DESIGN.md §6), not WEEX's: the simulator
        # may read it, but nothing else of the SDK beyond config and errors.
        assert internal <= {"sim", "config", "errors", "recording"}, path


def test_recording_format_is_pure() -> None:
    """The recording format module parses and encodes lines with no I/O or clock."""
    found = imports(PACKAGE / "recording" / "format.py")
    assert not found & IMPURE
    # jsontypes is a pure leaf (PURE above): names of types, nothing to run.
    assert not {n for n in found if n.startswith("weex_events:")} - {
        "weex_events:recording",
        "weex_events:jsontypes",
    }


def test_fanout_entries_are_pure() -> None:
    """Key names, entry fields and id arithmetic of the fan-out do no I/O."""
    names = imports(PACKAGE / "fanout" / "entries.py")
    assert not names & (IMPURE | {"redis"}), names


def test_fanout_faults_are_pure() -> None:
    """The subscriber's table of failures and remedies does no I/O: it names
    redis's exception classes and nothing else."""
    names = imports(PACKAGE / "fanout" / "faults.py")
    assert not names & IMPURE, names
    assert {n for n in names if n.startswith("weex_events:")} == set(), names


def test_command_imports_extras_only_when_used() -> None:
    """`weex-events` imports fanout and metrics inside the commands that use them,
    so it runs without those extras."""
    for path in (PACKAGE / "cli").rglob("*.py"):
        tree = ast.parse(path.read_text())
        top = {
            node.module
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not top & {"fanout", "fanout.cli", "metrics"}, (path, top)


def test_held_logs_needs_only_the_standard_library() -> None:
    """What holds log lines under the demo's screen imports no layer and no rich."""
    names = imports(PACKAGE / "held_logs.py")
    assert not {n for n in names if n.startswith("weex_events:")}, names
    assert not names & {"rich", "asyncio", *QUARANTINE}, names
