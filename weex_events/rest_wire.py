"""How the REST client writes arguments and reads WEEX's answers (WEEX-WS.md §3).

Argument checks raise :class:`~weex_events.errors.ConfigError` naming the argument;
:func:`parse` turns an HTTP status and body into the decoded answer or the matching
:class:`~weex_events.errors.WeexError` (V3 negative codes, V2 string codes, HTTP
401/403/429). Nothing here sees headers, so no secret can reach an error.

Imports: ``errors`` (and orjson).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from .errors import (
    AuthenticationError,
    ConfigError,
    RateLimitError,
    RestError,
    excerpt,
)

__all__ = [
    "choice",
    "decimal_text",
    "dump",
    "network_reason",
    "parse",
    "symbol_params",
    "text",
    "unexpected",
    "user_symbol",
]

# WEEX-WS.md §3: V3 auth/timestamp codes are -1040..-1047, V2 ones 40001..40012.
_V3_AUTH_CODES = range(-1047, -1039)
_V2_AUTH_CODES = range(40001, 40013)
_V2_SUCCESS_CODES = ("00000", "0")


def parse(path: str, status: int, reason: str, raw: bytes) -> Any:
    """Decode an answer, raising the matching error for a failed request."""
    try:
        answer: Any = orjson.loads(raw)
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


def _error_code(answer: Any) -> int | str | None:
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


def unexpected(status: int, wanted: str, answer: Any, path: str) -> RestError:
    return RestError(status, None, f"expected {wanted}: {dump(answer)}", path=path)


def dump(value: Any) -> str:
    return excerpt(orjson.dumps(value))


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
