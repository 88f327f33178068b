"""The normalization rules of DESIGN.md §3, for one ``number_type``.

Both generations describe the same facts with different field names; the codecs
map names, :class:`Normalizer` applies the rules: number conversion per
``number_type`` (with the converters of :mod:`.numbers`), ``change`` in percent,
enum words, and the private items (account, position, order, fill) with the
values computed from two fields (entry and average prices, unrealized PnL).

Every method raises only ``LookupError``, ``TypeError``, ``ValueError``,
``AttributeError`` or ``ArithmeticError`` on bad input (see
:data:`.codec.MALFORMED`); the codecs turn those into
:class:`~weex_events.errors.DecodeError`.

Imports: ``errors``, ``.numbers``; the standard library only.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any, TypeAlias

from ..errors import ConfigError
from .numbers import (
    CONTEXT,
    decimal_in,
    decimal_percent,
    float_in,
    float_out,
    float_percent,
    number_text,
    percent_text,
    plain,
    text_out,
    to_bool,
)

__all__ = ["Field", "Normalizer"]

Conv: TypeAlias = Callable[[Any], Any]
#: ``(output key, wire key, converter or None to pass the value through)``.
Field: TypeAlias = tuple[str, str, Conv | None]

_ZERO = Decimal(0)

MARGIN_MODES = {"CROSSED": "cross", "SHARED": "cross", "ISOLATED": "isolated"}
POSITION_SIDES = {"LONG": "long", "SHORT": "short"}
# WEEX-WS.md §1.6: only PENDING is established; the rest map known words.
# DESIGN.md §3 keeps PENDING as its own word, so the two pushes of a new order
# (PENDING, then live) are two different states.
ORDER_STATUSES = {
    "PENDING": "pending",
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


def ident(value: Any) -> str:
    """An id as a decimal string: WebSocket sends strings, REST JSON integers
    (WEEX-WS.md §3.1.5), so both compare equal."""
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise TypeError(f"expected an id, got {type(value).__name__}")


def word(value: Any, table: dict[str, str] | None = None) -> str:
    """Map an exchange enum word through ``table``; unknown words are lower-cased."""
    if type(value) is not str:
        raise TypeError(f"expected a word, got {type(value).__name__}")
    return (table and table.get(value)) or value.lower()


_margin_mode = partial(word, table=MARGIN_MODES)
_position_side = partial(word, table=POSITION_SIDES)
_status = partial(word, table=ORDER_STATUSES)
_time_in_force = partial(word, table=TIMES_IN_FORCE)


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
            self.num, self.percent, self.out = number_text, percent_text, text_out
        elif number_type is Decimal:
            self.num, self.percent, self.out = decimal_in, decimal_percent, plain
        elif number_type is float:
            self.num, self.percent, self.out = float_in, float_percent, float_out
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
        den = decimal_in(denominator)
        if den == _ZERO:
            return None
        return self.out(CONTEXT.divide(decimal_in(numerator), den))

    def account(self, item: Any, coin_key: str) -> dict[str, Any]:
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
        return data

    def position(self, item: Any, symbol: str | None) -> dict[str, Any]:
        """Position item; entry price and unrealized PnL are computed."""
        num = self.num
        data = self._item(
            item,
            (
                ("position_id", "id", ident),
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
        worth = CONTEXT.multiply(mark_value, decimal_in(size))
        cost = decimal_in(open_value)
        if side == "long":
            return self.out(CONTEXT.subtract(worth, cost))
        return self.out(CONTEXT.subtract(cost, worth))

    def order(self, item: Any, symbol: str | None) -> dict[str, Any]:
        """Order item; the average fill price is computed."""
        num = self.num
        data = self._item(
            item,
            (
                ("order_id", "id", ident),
                ("client_order_id", "clientOrderId", ident),
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
        return data

    def fill(self, item: Any, symbol: str | None) -> dict[str, Any]:
        """Fill item; the price is ``fillValue / fillSize``."""
        num = self.num
        data = self._item(
            item,
            (
                ("fill_id", "id", ident),
                ("order_id", "orderId", ident),
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
        return data
