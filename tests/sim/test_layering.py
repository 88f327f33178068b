"""The simulator never imports the client's code (DESIGN.md §4)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import weex_events.sim

SIM_DIR = Path(weex_events.sim.__file__).parent
THIRD_PARTY = {"aiohttp", "orjson"}
#: The only package modules outside ``sim/`` the simulator may use. ``recording``
#: is the recording format of DESIGN.md §6 (ours, not WEEX's), which sits below
#: every client layer; the simulator reads recordings with it to serve them.
FOUNDATION = {"config", "errors", "events", "recording"}
FOUNDATION_PATHS = [[name] for name in sorted(FOUNDATION)]


def _imports(path: Path) -> list[tuple[int, str]]:
    """(relative level, module) for every import in ``path``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_sim_imports_only_stdlib_aiohttp_orjson_and_foundation() -> None:
    """sim/ imports stdlib, aiohttp, orjson, itself, config/errors/events/recording."""
    modules = sorted(SIM_DIR.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        for level, module in _imports(path):
            top = module.split(".")[0]
            if level == 0:
                ok = top in sys.stdlib_module_names or top in THIRD_PARTY
                ok = ok or (
                    top == "weex_events" and module.split(".")[1:2] in FOUNDATION_PATHS
                )
            elif level == 1:
                ok = True  # a sibling inside sim/
            else:
                ok = level == 2 and top in FOUNDATION
            assert ok, f"{path.name} imports {'.' * level}{module}"
