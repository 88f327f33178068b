"""Write the small intersphinx inventories the documentation links with, offline.

``docs/conf.py`` maps the Python and aiohttp documentation to their real URLs
but reads their inventories from this folder, because the build must not need
the network (see conf.py). Each inventory lists only the external objects our
pages and docstrings refer to, at their real locations in those projects'
documentation. A nitpicky build names any missing one; add it below and run::

    python docs/_inventories/make_inventories.py

The files use Sphinx's inventory format version 2 and are read back with
``sphinx.util.inventory`` to check them.

Imports: the standard library and Sphinx.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from sphinx.util.inventory import InventoryFile

HERE = Path(__file__).resolve().parent

#: (object name, domain:role, page and anchor; "$" stands for the name)
PYTHON: tuple[tuple[str, str, str], ...] = (
    ("asyncio.Event", "py:class", "library/asyncio-sync.html#$"),
    ("asyncio.Task", "py:class", "library/asyncio-task.html#$"),
    ("collections.abc.AsyncIterator", "py:class", "library/collections.abc.html#$"),
    ("collections.abc.Awaitable", "py:class", "library/collections.abc.html#$"),
    ("collections.abc.Callable", "py:class", "library/collections.abc.html#$"),
    ("collections.abc.Iterable", "py:class", "library/collections.abc.html#$"),
    ("collections.abc.Iterator", "py:class", "library/collections.abc.html#$"),
    ("collections.abc.Mapping", "py:class", "library/collections.abc.html#$"),
    ("collections.abc.Sequence", "py:class", "library/collections.abc.html#$"),
    ("decimal.Decimal", "py:class", "library/decimal.html#$"),
    ("enum.StrEnum", "py:class", "library/enum.html#$"),
    ("os.PathLike", "py:class", "library/os.html#$"),
    ("pathlib.Path", "py:class", "library/pathlib.html#$"),
    ("typing.Any", "py:data", "library/typing.html#$"),
    ("typing.NamedTuple", "py:class", "library/typing.html#$"),
    ("BaseException", "py:exception", "library/exceptions.html#$"),
    ("ConnectionError", "py:exception", "library/exceptions.html#$"),
    ("Exception", "py:exception", "library/exceptions.html#$"),
    ("TimeoutError", "py:exception", "library/exceptions.html#$"),
    ("ValueError", "py:exception", "library/exceptions.html#$"),
    ("bool", "py:class", "library/functions.html#$"),
    ("bytes", "py:class", "library/stdtypes.html#$"),
    ("dict", "py:class", "library/stdtypes.html#$"),
    ("float", "py:class", "library/functions.html#$"),
    ("frozenset", "py:class", "library/stdtypes.html#$"),
    ("int", "py:class", "library/functions.html#$"),
    ("list", "py:class", "library/stdtypes.html#$"),
    ("object", "py:class", "library/functions.html#$"),
    ("str", "py:class", "library/stdtypes.html#$"),
    ("tuple", "py:class", "library/stdtypes.html#$"),
    ("type", "py:class", "library/functions.html#$"),
    ("None", "py:data", "library/constants.html#$"),
    ("logging", "py:module", "library/logging.html#module-$"),
    # Sphinx leaves a class's constructor annotations unevaluated (text), so a
    # name imported by the class's module reaches the build unqualified.
    ("Decimal", "py:class", "library/decimal.html#decimal.Decimal"),
    ("Path", "py:class", "library/pathlib.html#pathlib.Path"),
    ("PathLike", "py:class", "library/os.html#os.PathLike"),
)

AIOHTTP: tuple[tuple[str, str, str], ...] = (
    ("aiohttp.ClientSession", "py:class", "client_reference.html#$"),
)


def write(
    path: Path, project: str, version: str, entries: tuple[tuple[str, str, str], ...]
) -> None:
    """Write one inventory and check that Sphinx reads every entry back."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in sorted(entries))
    path.write_bytes(header.encode() + zlib.compress(body.encode()))
    with path.open("rb") as stream:
        loaded = InventoryFile.load(stream, "https://example.invalid", lambda a, b: b)
    found = (
        {name for items in loaded.data.values() for name in items}
        if hasattr(loaded, "data")
        else {name for items in loaded.values() for name in items}
    )
    missing = {name for name, _, _ in entries} - found
    if missing:
        raise SystemExit(f"{path.name}: not read back: {sorted(missing)}")


def main() -> None:
    """Write python.inv and aiohttp.inv next to this script."""
    write(HERE / "python.inv", "Python", "3.11", PYTHON)
    write(HERE / "aiohttp.inv", "aiohttp", "3.14", AIOHTTP)


if __name__ == "__main__":
    main()
