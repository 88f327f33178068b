"""Code samples of the docs that are complete programs run as written."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python_blocks(page: str) -> list[str]:
    """The ``.. code-block:: python`` bodies of ``docs/<page>``, dedented."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    pattern = r"\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)"
    return [textwrap.dedent(body) for body in re.findall(pattern, text)]


async def test_simulator_exact_control_sample_runs_as_written() -> None:
    """The simulator page's exact-control sample imports what it uses and works."""
    [block] = [b for b in python_blocks("simulator.rst") if "sim.move(" in b]
    # Top-level `async with` as in an asyncio REPL: run it as a coroutine body,
    # with nothing pre-imported.
    source = "async def sample():\n" + textwrap.indent(block, "    ")
    namespace: dict[str, object] = {}
    exec(compile(source, "simulator.rst", "exec"), namespace)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        await namespace["sample"]()  # type: ignore[operator]
    assert out.getvalue().split() == ["99000", "maker"]


def test_docs_conf_uses_only_public_sphinx_names() -> None:
    """docs/conf.py imports no private name from Sphinx and uses a maintained theme."""
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"))
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sphinx")
        for alias in node.names
        if alias.name.startswith("_") or "._" in (node.module or "")
    ]
    assert not private
    assigned = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    theme = assigned["html_theme"]
    assert isinstance(theme, ast.Constant) and theme.value == "furo"
