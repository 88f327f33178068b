"""Sphinx configuration of the weex_events documentation.

Build it (CI does, through ``tests/test_docs.py``) with::

    sphinx-build -W -b html docs docs/_build

``-W`` turns every warning into an error and ``nitpicky`` makes every cross
reference in the public API's signatures and docstrings a potential warning, so
the build proves that the reference is complete and every link resolves.

Links to the Python and aiohttp documentation (intersphinx) are resolved
**offline**: neither the development machines nor CI can reach
docs.python.org, and an intersphinx fetch that fails is a warning, hence a failed
build. Instead of disabling intersphinx (losing the links) or silencing the
external names with ``nitpick_ignore`` (losing the check), each project is mapped
to its real URL with a small inventory shipped in ``docs/_inventories/``: it lists
exactly the external objects these pages refer to, at their real locations, so
the rendered links are the same as with the full inventories. When a page starts
referring to a new external name, the nitpicky build names it: add it to
``docs/_inventories/make_inventories.py`` and run that script.

``nitpick_ignore`` lists only our own internal names that leak into the public
API, each with the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.ext.napoleon import Config as NapoleonConfig
from sphinx.ext.napoleon.docstring import GoogleDocstring

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout being built, whether or not it is installed.
sys.path.insert(0, str(ROOT))

import weex_events  # noqa: E402  (needs the path above)

project = "weex_events"
author = "the weex_events authors"
copyright = "the weex_events authors"
release = weex_events.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    # Napoleon's Google-style parsing is applied by _napoleon() below, through
    # its public GoogleDocstring class, rather than by loading the extension.
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "myst_parser",  # only for CHANGELOG.md, included by changelog.rst
]

exclude_patterns = ["_build", "_inventories"]
nitpicky = True
# Internal names that appear in the public API but are not documented objects.
# Each one is a known gap, listed so that any *new* unresolved name still fails.
nitpick_ignore = [
    # The TypeVar of on()/once(): "the handler's own type", returned unchanged.
    ("py:class", "weex_events.handlers.H"),
    # WeexRestClient.server_clock returns this internal class (not exported).
    ("py:class", "weex_events.auth.ServerClock"),
    # ClientClosedError's docstring says :meth:`disconnect` without its class.
    ("py:meth", "disconnect"),
    # Type aliases of WeexWebSocketClient's backoff= and sleep= (not exported):
    # Callable[[], Iterator[float]] and Callable[[float], Awaitable[None]].
    ("py:class", "Backoff"),
    ("py:class", "Sleep"),
    # The type of WeexWebSocketClient's transports= (a Protocol, not exported).
    ("py:class", "TransportFactory"),
    # Simulator internals returned by MarketEngine.book() and .klines() (not
    # exported by weex_events.sim).
    ("py:class", "weex_events.sim.orderbook.OrderBook"),
    ("py:class", "weex_events.sim.candles.Bar"),
]
# Classes users receive but never construct: their constructors take internal
# objects, so their signatures are not shown.
BUILT_BY_THE_LIBRARY = {
    "weex_events.Stream",
    "weex_events.sim.ConnectionView",
    "weex_events.sim.Faults",
    "weex_events.sim.SpotVenue",
}

# -- autodoc and napoleon (the docstrings are Google style) ---------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True

NAPOLEON = NapoleonConfig(
    napoleon_google_docstring=True,
    napoleon_numpy_docstring=False,
    napoleon_use_rtype=False,
    napoleon_attr_annotations=True,
)

# -- intersphinx, offline ------------------------------------------------------------

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", str(DOCS / "_inventories" / "python.inv")),
    "aiohttp": (
        "https://docs.aiohttp.org/en/stable",
        str(DOCS / "_inventories" / "aiohttp.inv"),
    ),
}

# -- HTML ----------------------------------------------------------------------------

# Furo: a maintained theme whose content column fits an 88-column code block at
# 1280 px, with the page's own sections in a side panel instead of the landing
# page's table of contents.
html_theme = "furo"
html_title = f"weex_events {release}"
html_theme_options: dict[str, Any] = {}


def _napoleon(
    app: Sphinx, what: Any, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """Napoleon's Google-style parsing, reading property docstrings like
    function docstrings.

    Napoleon takes the first line of a property docstring, ``"Counters: ..."``,
    as ``type: description``. Ours are Google-style summaries (the types come
    from annotations, shown by autodoc), so they are parsed as functions are.
    """
    what = "method" if what == "property" else what
    parsed = GoogleDocstring(lines, NAPOLEON, app, what, name, obj, options)
    lines[:] = parsed.lines()


def _hide_internal_constructors(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: object,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str, str | None] | None:
    """No constructor signature for the classes in BUILT_BY_THE_LIBRARY."""
    if what == "class" and name in BUILT_BY_THE_LIBRARY:
        return "", return_annotation
    return None


def _drop_undocumented_constructor_params(
    app: Sphinx, domain: str, objtype: str, contentnode: Any
) -> None:
    """Keep only the constructor parameters a class docstring describes.

    With ``autodoc_typehints = "description"`` autodoc lists every annotated
    constructor parameter of a class. Most of ours are dataclasses whose fields
    are described under "Attributes", or classes the library builds itself, so
    the parameters it adds without a description are dropped, with their types.
    Parameters the docstring describes ("Args") keep their types.
    """
    if domain != "py" or objtype not in ("class", "exception"):
        return
    for field_list in [c for c in contentnode.children if c.tagname == "field_list"]:
        # Each field is (field_name "param x" / "type x", field_body).
        fields = [(f, f[0].astext().split()) for f in field_list.children]
        empty = {
            words[-1]
            for f, words in fields
            if words[0] == "param" and not f[1].astext().strip()
        }
        for f, words in fields:
            if words[0] in ("param", "type") and words[-1] in empty:
                field_list.remove(f)
        if not field_list.children:
            contentnode.remove(field_list)


def setup(app: Sphinx) -> None:
    """Add the ``event`` directive and role, and the autodoc adjustments above."""
    app.add_object_type(
        "event", "event", objname="event", indextemplate="pair: %s; event"
    )
    app.connect("autodoc-process-docstring", _napoleon)
    app.connect("autodoc-process-signature", _hide_internal_constructors)
    # After autodoc has added the parameter types (priority 500).
    app.connect(
        "object-description-transform", _drop_undocumented_constructor_params, 900
    )
