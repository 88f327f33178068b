"""Normalization shared by the V3 and V2 codecs (DESIGN.md §3).

Both generations describe the same facts with different field names; the codecs
map names, this module applies the rules: number conversion per ``number_type``,
``change`` in percent, enum words, values computed from two fields (entry and
average prices, unrealized PnL), and the "closed" flag of kline bars.

Every function raises only ``LookupError``, ``TypeError``, ``ValueError``,
``AttributeError`` or ``ArithmeticError`` on bad input (see :data:`MALFORMED`);
the codecs turn those into :class:`~weex_events.errors.DecodeError`.

Imports: ``errors``, ``events``; the standard library only.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, TypeAlias

from ..errors import ConfigError
from ..events import KLINE_INTERVALS

__all__ = [
    "MALFORMED",
    "Field",
    "KlineTracker",
    "Normalizer",
    "percent_text",
    "split_kline_arg",
    "to_bool",
    "to_int",
    "to_text",
]

#: The exceptions malformed input raises inside a decoder; codecs catch exactly these.
MALFORMED = (LookupError, TypeError, ValueError, AttributeError, ArithmeticError)

Conv: TypeAlias = Callable[[Any], Any]
#: ``(output key, wire key, converter or None to pass the value through)``.
Field: TypeAlias = tuple[str, str, Conv | None]

# Computed values (entry price, PnL) use a private context, so a caller changing
# the thread's decimal context cannot change what the codec produces.
_CTX = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_ZERO = Decimal(0)

MARGIN_MODES = {"CROSSED": "cross", "SHARED": "cross", "ISOLATED": "isolated"}
POSITION_SIDES = {"LONG": "long", "SHORT": "short"}
# WEEX-WS.md §1.6: only PENDING is established; the rest map known words.
ORDER_STATUSES = {
    "PENDING": "new",
    "NEW": "new",
    "OPEN": "new",
    "PARTIALLY_FILLED": "partially_filled",
    "PARTIAL_FILLED": "partially_filled",
    "FILLED": "filled",
    "CANCELED": "canceled",
    "CANCELLED": "canceled",
    "REJECTED": "rejected",
    "UNTRIGGERED": "untriggered",
}
# WEEX-WS.md §2: V2 spells IOC/FOK out in full.
TIMES_IN_FORCE = {
    "GTC": "gtc",
    "GOOD_TIL_CANCEL": "gtc",
    "GOOD_TILL_CANCEL": "gtc",
    "IOC": "ioc",
    "IMMEDIATE_OR_CANCEL": "ioc",
    "FOK": "fok",
    "FILL_OR_KILL": "fok",
    "POST_ONLY": "post_only",
}


def split_kline_arg(arg: str) -> tuple[str, str] | None:
    """Split a kline channel argument into ``(interval, price basis)``.

    ``"1m"`` -> ``("1m", "LAST_PRICE")``; ``"1m_MARK_PRICE"`` ->
    ``("1m", "MARK_PRICE")`` (WEEX-WS.md §1.5); ``None`` if it is neither.
    """
    interval, _, basis = arg.partition("_")
    if interval not in KLINE_INTERVALS:
        return None
    if not basis:
        return interval, "LAST_PRICE"
    if basis not in ("LAST_PRICE", "MARK_PRICE"):
        return None
    return interval, basis


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


def word(value: Any, table: dict[str, str] | None = None) -> str:
    """Map an exchange enum word through ``table``; unknown words are lower-cased."""
    if type(value) is not str:
        raise TypeError(f"expected a word, got {type(value).__name__}")
    return (table and table.get(value)) or value.lower()


_margin_mode = partial(word, table=MARGIN_MODES)
_position_side = partial(word, table=POSITION_SIDES)
_status = partial(word, table=ORDER_STATUSES)
_time_in_force = partial(word, table=TIMES_IN_FORCE)

# "0.05" -> "5.", "-0.43" -> "-43.": a fraction's first two decimals as percent.
_POSITIVE_HEADS = {f"0.{n:02d}": f"{n}." for n in range(100)}
_NEGATIVE_HEADS = {f"-0.{n:02d}": f"-{n}." for n in range(100)}


def percent_text(fraction: Any) -> str:
    """Shift a decimal fraction's text two places: ``"-0.043605"`` -> ``"-4.3605"``.

    Exact, and done on the text alone (no float, no Decimal) for the plain
    ``[-]digits[.digits]`` form WEEX sends; equal to
    ``format(Decimal(fraction).scaleb(2), "f")``. Exponent forms go through
    Decimal.
    """
    if type(fraction) is not str:
        raise TypeError(f"expected a string, got {type(fraction).__name__}")
    text = fraction
    # The common |fraction| < 1 case ("-0.043605", "0.005192"), on the ticker hot
    # path: one table lookup checks "[-]0.dd" and gives the shifted head ("-4.",
    # "0."); the rest must be ASCII digits.
    if text[:1] == "-":
        head = _NEGATIVE_HEADS.get(text[:5])
        tail = text[5:]
    else:
        head = _POSITIVE_HEADS.get(text[:4])
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
            return format(Decimal(text).scaleb(2, _CTX), "f")
        raise ValueError(f"not a decimal number: {text!r:.40}")
    if len(frac) < 2:
        frac += "00"[len(frac) :]
    head = (whole + frac[:2]).lstrip("0") or "0"
    tail = frac[2:]
    return sign + head + "." + tail if tail else sign + head


def _decimal_in(value: Any) -> Decimal:
    return Decimal(to_text(value))


def _float_in(value: Any) -> float:
    return float(to_text(value))


def _decimal_percent(value: Any) -> Decimal:
    return Decimal(to_text(value)).scaleb(2, _CTX)


def _float_percent(value: Any) -> float:
    # Via the exact text shift, so -0.043605 gives -4.3605, not -4.360500000000001.
    return float(percent_text(value))


def _plain(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and without a positive exponent."""
    value = value.normalize(_CTX)
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1), context=_CTX)
    return value


def _text_out(value: Decimal) -> str:
    return format(_plain(value), "f")


def _float_out(value: Decimal) -> float:
    return float(value)


class Normalizer:
    """Rules of DESIGN.md §3 for one ``number_type``, and the shared mark prices.

    Attributes:
        number_type: ``str``, ``decimal.Decimal`` or ``float``.
        num: converts wire decimal text to ``number_type``.
        percent: converts a wire fraction to ``number_type`` percent.
        marks: latest mark price text per user symbol (shared between the
            public and private codecs of one client).
    """

    __slots__ = ("marks", "num", "number_type", "out", "percent")

    def __init__(self, number_type: type, marks: dict[str, str] | None) -> None:
        self.number_type = number_type
        self.num: Conv
        self.percent: Conv
        self.out: Callable[[Decimal], Any]
        if number_type is str:
            self.num, self.percent, self.out = to_text, percent_text, _text_out
        elif number_type is Decimal:
            self.num, self.percent, self.out = _decimal_in, _decimal_percent, _plain
        elif number_type is float:
            self.num, self.percent, self.out = _float_in, _float_percent, _float_out
        else:
            raise ConfigError("number_type", "must be str, decimal.Decimal or float")
        self.marks: dict[str, str] = {} if marks is None else marks

    @staticmethod
    def pick(data: dict[str, Any], item: Any, fields: tuple[Field, ...]) -> None:
        """Copy the ``fields`` present in ``item`` into ``data``, converted."""
        get = item.get
        for out, src, conv in fields:
            value = get(src)
            if value is not None:
                data[out] = value if conv is None else conv(value)

    def _item(
        self, item: Any, fields: tuple[Field, ...], symbol: str | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {} if symbol is None else {"symbol": symbol}
        self.pick(data, item, fields)
        return data

    def _ratio(self, numerator: Any, denominator: Any) -> Any:
        """``numerator / denominator`` in ``number_type``; ``None`` if either is
        absent or the denominator is zero."""
        if numerator is None or denominator is None:
            return None
        den = _decimal_in(denominator)
        if den == _ZERO:
            return None
        return self.out(_CTX.divide(_decimal_in(numerator), den))

    def account(self, item: Any, coin_key: str, reason: Any) -> dict[str, Any]:
        """Account (collateral) item: contract ``amount`` or spot ``equity``."""
        num = self.num
        data = self._item(
            item,
            (
                ("coin", coin_key, None),
                # WEEX-WS.md §1.6: contract items carry amount, spot items equity.
                ("balance", "amount" if "amount" in item else "equity", num),
                ("available", "available", num),
                ("frozen", "frozen", num),
                ("margin_mode", "marginMode", _margin_mode),
            ),
            None,
        )
        if reason is not None:
            data["reason"] = reason
        return data

    def position(self, item: Any, symbol: str | None, reason: Any) -> dict[str, Any]:
        """Position item; entry price and unrealized PnL are computed."""
        num = self.num
        data = self._item(
            item,
            (
                ("position_id", "id", None),
                ("side", "side", _position_side),
                ("size", "size", num),
                ("leverage", "leverage", None),
                ("margin_mode", "marginMode", _margin_mode),
                ("funding_fee", "fundingFee", num),
                ("realized_pnl", "realizePnl", num),
            ),
            symbol,
        )
        size, open_value = item.get("size"), item.get("openValue")
        entry = self._ratio(open_value, size)
        if entry is not None:
            data["entry_price"] = entry
            if symbol is not None:
                pnl = self._unrealized(symbol, data.get("side"), size, open_value)
                if pnl is not None:
                    data["unrealized_pnl"] = pnl
        if reason is not None:
            data["reason"] = reason
        return data

    def _unrealized(self, symbol: str, side: Any, size: Any, open_value: Any) -> Any:
        """(mark - entry) * size for longs, the opposite for shorts.

        Computed as ``mark * size - openValue`` so no rounded entry price enters.
        """
        mark = self.marks.get(symbol)
        if mark is None or side not in ("long", "short"):
            return None
        try:
            mark_value = Decimal(mark)
        except (decimal.InvalidOperation, TypeError):
            # A bad mark on a ticker frame must not break position frames.
            return None
        worth = _CTX.multiply(mark_value, _decimal_in(size))
        cost = _decimal_in(open_value)
        if side == "long":
            return self.out(_CTX.subtract(worth, cost))
        return self.out(_CTX.subtract(cost, worth))

    def order(self, item: Any, symbol: str | None, reason: Any) -> dict[str, Any]:
        """Order item; the average fill price is computed."""
        num = self.num
        data = self._item(
            item,
            (
                ("order_id", "id", None),
                ("client_order_id", "clientOrderId", None),
                ("side", "orderSide", word),
                ("position_side", "positionSide", word),
                ("type", "type", word),
                ("price", "price", num),
                ("size", "size", num),
                ("filled_size", "cumFillSize", num),
                ("status", "status", _status),
                ("time_in_force", "timeInForce", _time_in_force),
                ("reduce_only", "reduceOnly", to_bool),
            ),
            symbol,
        )
        avg = self._ratio(item.get("cumFillValue"), item.get("cumFillSize"))
        if avg is not None:
            data["avg_price"] = avg
        if reason is not None:
            data["reason"] = reason
        return data

    def fill(self, item: Any, symbol: str | None, reason: Any) -> dict[str, Any]:
        """Fill item; the price is ``fillValue / fillSize``."""
        num = self.num
        data = self._item(
            item,
            (
                ("fill_id", "id", None),
                ("order_id", "orderId", None),
                ("side", "orderSide", word),
                ("size", "fillSize", num),
                ("fee", "fillFee", num),
                ("realized_pnl", "realizePnl", num),
                ("liquidity", "direction", word),
            ),
            symbol,
        )
        price = self._ratio(item.get("fillValue"), item.get("fillSize"))
        if price is not None:
            data["price"] = price
        if reason is not None:
            data["reason"] = reason
        return data


#: One bar to report: ``(data with "closed" set, raw item)``.
Bar: TypeAlias = tuple[dict[str, Any], Any]


class KlineTracker:
    """The open bar of each kline series, to derive the missing "closed" flag.

    WEEX-WS.md §1.5: there is no closed flag on the wire; a bar is closed when a
    bar with a later start time arrives. The tracker keeps the last bar per
    series (symbol, interval, price basis), at most ``limit`` series, evicting
    the least recently started one.
    """

    __slots__ = ("_limit", "_open")

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._open: dict[Hashable, Bar] = {}

    def __len__(self) -> int:
        return len(self._open)

    def _remember(self, series: Hashable, bar: Bar) -> None:
        self._open.pop(series, None)
        if len(self._open) >= self._limit:
            del self._open[next(iter(self._open))]
        self._open[series] = bar

    def snapshot(
        self, bars: Sequence[tuple[Hashable, dict[str, Any], Any]]
    ) -> list[Bar]:
        """History bars: all closed except the latest of each series."""
        latest: dict[Hashable, int] = {}
        for series, data, _ in bars:
            start = data["start"]
            if start > latest.get(series, start - 1):
                latest[series] = start
        out: list[Bar] = []
        for series, data, raw in bars:
            data["closed"] = closed = data["start"] < latest[series]
            if not closed:
                self._remember(series, (data, raw))
            out.append((data, raw))
        return out

    def update(self, series: Hashable, data: dict[str, Any], raw: Any) -> list[Bar]:
        """A live bar; returns the bar it closes (if any) first, then the bar."""
        previous = self._open.get(series)
        start = data["start"]
        if previous is not None:
            prev_start = previous[0]["start"]
            if start < prev_start:
                # A late update of a bar already superseded: it is closed.
                data["closed"] = True
                return [(data, raw)]
            if start == prev_start:
                data["closed"] = False
                self._open[series] = (data, raw)
                return [(data, raw)]
        data["closed"] = False
        self._remember(series, (data, raw))
        if previous is None:
            return [(data, raw)]
        return [({**previous[0], "closed": True}, previous[1]), (data, raw)]
