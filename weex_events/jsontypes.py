"""Named JSON types: a decoded JSON document, and the REST answers whose shape
WEEX-WS.md fixes.

:data:`JSONValue` is whatever ``orjson.loads`` can return; :data:`JSONObject` and
:data:`JSONArray` are its object and array. Code that reads WEEX's raw JSON takes
and returns these rather than ``Any``, so the type checker makes it look before
it uses a field. A :class:`~typing.TypedDict` names an answer whose keys and
types WEEX-WS.md §3 fixes and that the client checks before returning it.

The aliases are ``TypeAliasType`` objects (PEP 695's ``type`` statement, which
Python 3.11 lacks): type checkers read them as the recursive unions they stand
for, and documentation and reprs show their names.

Pure: no I/O, no clock. Imports: stdlib and ``typing_extensions``.
"""

from __future__ import annotations

from typing import TypedDict

from typing_extensions import TypeAliasType

__all__ = ["DepthSnapshot", "JSONArray", "JSONObject", "JSONValue"]

JSONValue = TypeAliasType(
    "JSONValue",
    "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None",
)
JSONObject = TypeAliasType("JSONObject", "dict[str, JSONValue]")
JSONArray = TypeAliasType("JSONArray", "list[JSONValue]")


class DepthSnapshot(TypedDict):
    """An order book snapshot over REST (WEEX-WS.md §3 contract, §1.7.5 spot).

    Attributes:
        bids: ``[price, size]`` levels, WEEX's decimal text, as WEEX sent them.
        asks: ``[price, size]`` levels, likewise.
        lastUpdateId: the book's version (on contract, the ``u`` of WebSocket
            depth frames).
    """

    bids: list[list[str]]
    asks: list[list[str]]
    lastUpdateId: int
