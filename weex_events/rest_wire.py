"""How the REST client writes arguments and reads WEEX's answers (WEEX-WS.md §3).

Argument checks raise :class:`~weex_events.errors.ConfigError` naming the argument;
:func:`parse` turns an HTTP status and body into the decoded answer or the matching
:class:`~weex_events.errors.WeexError` (V3 negative codes, V2 string codes, HTTP
401/403/429); :func:`depth_snapshot` checks an answer's shape before the client
returns it as a :class:`~weex_events.jsontypes.DepthSnapshot`. Nothing here sees
headers, so no secret can reach an error.

Imports: ``errors``, ``jsontypes`` (and orjson).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TypedDict, TypeGuard

import orjson

from .errors import (
    AuthenticationError,
    ConfigError,
    RateLimitError,
    RestError,
    excerpt,
)
from .jsontypes import DepthSnapshot, JSONObject, JSONValue

__all__ = [
    "RequestArgs",
    "choice",
    "decimal_text",
    "depth_snapshot",
    "dump",
    "network_reason",
    "objects",
    "parse",
    "server_time_ms",
    "symbol_params",
    "text",
    "unexpected",
    "user_symbol",
]

# WEEX-WS.md §3: V3 auth/timestamp codes are -1040..-1047, V2 ones 40001..40012.
_V3_AUTH_CODES = range(-1047, -1039)
_V2_AUTH_CODES = range(40001, 40013)
_V2_SUCCESS_CODES = ("00000", "0")


class RequestArgs(TypedDict, total=False):
    """The keyword arguments of one REST request."""

    #: The query parameters (signed as sent).
    params: Mapping[str, str] | None
    #: The JSON body (signed as sent).
    body: JSONObject | None
    #: Whether the request carries the ``ACCESS-*`` signature headers.
    signed: bool


def parse(path: str, status: int, reason: str, raw: bytes) -> JSONValue:
    """Decode an answer, raising the matching error for a failed request."""
    try:
        answer: JSONValue = orjson.loads(raw)
    except orjson.JSONDecodeError:
        if 200 <= status < 300:
            raise RestError(
                status, None, f"invalid JSON in answer: {excerpt(raw)!r}", path=path
            ) from None
        answer = None
    code = _error_code(answer)
    if 200 <= status < 300 and code is None:
        return answer
    if code is None and isinstance(answer, dict):
        found = answer.get("code")  # a non-negative code on an HTTP error
        if isinstance(found, int | str) and not isinstance(found, bool):
            code = found
    msg = answer.get("msg") if isinstance(answer, dict) else None
    if not isinstance(msg, str) or not msg:
        msg = excerpt(raw) or reason or "request failed"
    raise _error_for(status, code, excerpt(msg), path)


def _error_code(answer: JSONValue) -> int | str | None:
    """Return the code of an exchange error body, or None for a success."""
    if not isinstance(answer, dict):
        return None
    code = answer.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code if code < 0 else None  # V3 errors are negative
    if isinstance(code, str):
        return None if code in _V2_SUCCESS_CODES else code  # V2 success "00000"
    return None


def _error_for(
    status: int, code: int | str | None, msg: str, path: str
) -> AuthenticationError | RestError:
    numeric = code
    if isinstance(code, str) and code.lstrip("-").isdigit():
        numeric = int(code)
    if status in (401, 403) or (
        isinstance(numeric, int)
        and (numeric in _V3_AUTH_CODES or numeric in _V2_AUTH_CODES)
    ):
        return AuthenticationError(msg, status=status, code=code)
    if status == 429 or numeric == 429:  # V2 also signals rate limits as code "429"
        return RateLimitError(status, code, msg, path=path)
    return RestError(status, code, msg, path=path)


def network_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "request timed out"
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def unexpected(status: int, wanted: str, answer: object, path: str) -> RestError:
    return RestError(status, None, f"expected {wanted}: {dump(answer)}", path=path)


def dump(value: object) -> str:
    return excerpt(orjson.dumps(value))


def objects(
    status: int, answer: JSONValue, path: str, wanted: str = "a list of objects"
) -> list[JSONObject]:
    """``answer`` itself, once checked to be a list of JSON objects.

    Raises:
        RestError: it is not (the text says it wanted ``wanted``).
    """
    if not isinstance(answer, list) or not _all_objects(answer):
        raise unexpected(status, wanted, answer, path)
    return answer


def _all_objects(values: list[JSONValue]) -> TypeGuard[list[JSONObject]]:
    return all(isinstance(value, dict) for value in values)


def server_time_ms(answer: JSONObject, path: str) -> int:
    """The ``serverTime`` of a V3 server-time answer, in ms (digits text accepted).

    Raises:
        RestError: the answer has none.
    """
    server_ms = answer.get("serverTime")
    if isinstance(server_ms, str) and server_ms.isdigit():
        server_ms = int(server_ms)
    if not isinstance(server_ms, int) or isinstance(server_ms, bool):
        raise RestError(
            200, None, f"no serverTime in answer: {dump(answer)}", path=path
        )
    return server_ms


def depth_snapshot(answer: JSONObject, path: str) -> DepthSnapshot:
    """``answer`` itself, once checked to be a depth snapshot: ``bids`` and
    ``asks`` lists of ``[price, size]`` texts, ``lastUpdateId`` an integer.

    Raises:
        RestError: it is not (WEEX-WS.md §3 fixes the shape).
    """
    if not _is_depth(answer):
        raise unexpected(200, "a depth snapshot", answer, path)
    return answer


def _is_depth(answer: JSONObject) -> TypeGuard[DepthSnapshot]:
    version = answer.get("lastUpdateId")
    return (
        _is_levels(answer.get("bids"))
        and _is_levels(answer.get("asks"))
        and isinstance(version, int)
        and not isinstance(version, bool)
    )


def _is_levels(value: JSONValue) -> TypeGuard[list[list[str]]]:
    return isinstance(value, list) and all(
        isinstance(level, list) and all(isinstance(x, str) for x in level)
        for level in value
    )


def user_symbol(symbol: str) -> str:
    if not isinstance(symbol, str) or not symbol.strip():
        raise ConfigError("symbol", f"must be a symbol like 'BTCUSDT', not {symbol!r}")
    return symbol.strip().upper()


def symbol_params(symbol: str | None) -> dict[str, str] | None:
    return None if symbol is None else {"symbol": user_symbol(symbol)}


def text(name: str, value: str | None) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(name, "must be a non-empty string")
    return value


def choice(name: str, value: str | None, allowed: tuple[str, ...]) -> str | None:
    """Upper-case ``value`` if it is one of ``allowed``; None stays None."""
    if value is None:
        return None
    word = value.upper() if isinstance(value, str) else None
    if word not in allowed:
        choices = ", ".join(a.lower() for a in allowed)
        raise ConfigError(name, f"must be one of {choices}, not {value!r}")
    return word


def decimal_text(name: str, value: str | Decimal | int | float) -> str:
    """Return ``value`` as a positive decimal string without exponent."""
    number: Decimal
    if isinstance(value, bool):
        raise ConfigError(name, "must be a number, not a bool")
    if isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text, not the binary expansion
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ConfigError(name, f"not a decimal number: {value!r}") from None
    else:
        raise ConfigError(name, "must be str, Decimal, int or float")
    if not number.is_finite() or number <= 0:
        raise ConfigError(name, f"must be a positive number, not {value!r}")
    return format(number, "f")
