"""Scalars as they come off the wire, and numbers in each ``number_type``.

WEEX sends prices, sizes and amounts as JSON strings, counts and times as
integers or integer strings, flags as booleans or ``"true"``/``"false"``
(WEEX-WS.md §1.5). The readers here check one value each; the converters turn
decimal text into ``str`` (the exact text), :class:`~decimal.Decimal` or
``float``, a wire fraction into a percent, and a computed Decimal back into the
``number_type``. :class:`~weex_events.protocol.normalize.Normalizer` picks the
converters of one ``number_type``.

Every function raises only ``TypeError``, ``ValueError`` or ``ArithmeticError``
on bad input; the codecs turn those into :class:`~weex_events.errors.DecodeError`.

Imports: the standard library only.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

__all__ = [
    "CONTEXT",
    "MAX_EXPONENT",
    "MAX_NUMBER_TEXT",
    "NEGATIVE_HEADS",
    "POSITIVE_HEADS",
    "decimal_in",
    "decimal_percent",
    "float_in",
    "float_out",
    "float_percent",
    "number_text",
    "percent_text",
    "plain",
    "text_out",
    "to_bool",
    "to_int",
    "to_text",
]

# Computed values (entry price, PnL) use a private context, so a caller changing
# the thread's decimal context cannot change what the codec produces.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


#: Longest numeric text accepted from the wire; WEEX's longest is about 20.
MAX_NUMBER_TEXT = 64
#: Largest exponent (either sign) accepted in numeric text such as ``"1E+5"``.
MAX_EXPONENT = 40


def number_text(value: Any) -> str:
    """Return ``value`` if it is numeric text of a sane size.

    A frame of a few hundred bytes must not become a million-digit number
    (``"1E+999990"``): text longer than :data:`MAX_NUMBER_TEXT` characters, or
    with an exponent beyond ±:data:`MAX_EXPONENT`, is refused.
    """
    if type(value) is not str:
        raise TypeError(f"expected a string, got {type(value).__name__}")
    if len(value) > MAX_NUMBER_TEXT:
        raise ValueError(
            f"numeric text of {len(value)} characters (at most {MAX_NUMBER_TEXT})"
        )
    if "e" in value or "E" in value:
        _check_exponent(value)
    return value


def _check_exponent(text: str) -> None:
    exponent = text.lower().rpartition("e")[2]
    try:
        value = int(exponent)
    except ValueError:
        raise ValueError(f"not a decimal number: {text!r:.40}") from None
    if abs(value) > MAX_EXPONENT:
        raise ValueError(f"exponent {value} in {text!r:.40} is beyond ±{MAX_EXPONENT}")


def to_text(value: Any) -> str:
    """Return ``value`` if it is a string; numbers on the wire are JSON strings."""
    if type(value) is str:
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def to_int(value: Any) -> int:
    """Return an integer from a JSON integer or a decimal-integer string."""
    if type(value) is int:
        return value
    if type(value) is str:
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def to_bool(value: Any) -> bool:
    """Return a boolean from a JSON boolean or ``"true"``/``"false"``."""
    if type(value) is bool:
        return value
    if type(value) is str:
        word = value.lower()
        if word == "true":
            return True
        if word == "false":
            return False
    raise TypeError(f"expected a boolean, got {value!r:.40}")


#: ``"0.05"`` -> ``"5."``, ``"-0.43"`` -> ``"-43."``: a fraction's first two
#: decimals as percent (percent_text's common case; the ticker fast path inlines it).
POSITIVE_HEADS = {f"0.{n:02d}": f"{n}." for n in range(100)}
NEGATIVE_HEADS = {f"-0.{n:02d}": f"-{n}." for n in range(100)}


def percent_text(fraction: Any) -> str:
    """Shift a decimal fraction's text two places: ``"-0.043605"`` -> ``"-4.3605"``.

    Exact, and done on the text alone (no float, no Decimal) for the plain
    ``[-]digits[.digits]`` form WEEX sends; equal to
    ``format(Decimal(fraction).scaleb(2), "f")``. Exponent forms go through
    Decimal.
    """
    if type(fraction) is not str:
        raise TypeError(f"expected a string, got {type(fraction).__name__}")
    if len(fraction) > MAX_NUMBER_TEXT:
        number_text(fraction)  # raises
    text = fraction
    # The common |fraction| < 1 case ("-0.043605", "0.005192"), on the ticker hot
    # path: one table lookup checks "[-]0.dd" and gives the shifted head ("-4.",
    # "0."); the rest must be ASCII digits.
    if text[:1] == "-":
        head = NEGATIVE_HEADS.get(text[:5])
        tail = text[5:]
    else:
        head = POSITIVE_HEADS.get(text[:4])
        tail = text[4:]
    if head is not None and tail.isdigit() and tail.isascii():
        return head + tail
    sign = ""
    body = text
    first = text[:1]
    if first == "-" or first == "+":
        sign = "-" if first == "-" else ""
        body = text[1:]
    whole, _, frac = body.partition(".")
    digits = whole + frac
    if not (digits.isdigit() and digits.isascii()):
        if "e" in body or "E" in body:
            number_text(text)
            return format(Decimal(text).scaleb(2, CONTEXT), "f")
        raise ValueError(f"not a decimal number: {text!r:.40}")
    if len(frac) < 2:
        frac += "00"[len(frac) :]
    head = (whole + frac[:2]).lstrip("0") or "0"
    tail = frac[2:]
    return sign + head + "." + tail if tail else sign + head


# -- wire text in: number_type Decimal and float (str keeps the text: to_text) ---


def decimal_in(value: Any) -> Decimal:
    """Wire decimal text as a Decimal."""
    return Decimal(number_text(value))


def float_in(value: Any) -> float:
    """Wire decimal text as a float."""
    return float(number_text(value))


def decimal_percent(value: Any) -> Decimal:
    """A wire fraction as a Decimal percent."""
    return Decimal(number_text(value)).scaleb(2, CONTEXT)


def float_percent(value: Any) -> float:
    """A wire fraction as a float percent."""
    # Via the exact text shift, so -0.043605 gives -4.3605, not -4.360500000000001.
    return float(percent_text(value))


# -- computed Decimal out: number_type str, Decimal and float ----------------------


def plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and without a positive exponent."""
    value = value.normalize(CONTEXT)
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1), context=CONTEXT)
    return value


def text_out(value: Decimal) -> str:
    """A computed value as plain decimal text."""
    return format(plain(value), "f")


def float_out(value: Decimal) -> float:
    """A computed value as a float."""
    return float(value)
