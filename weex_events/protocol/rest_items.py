"""REST answers of WEEX-WS.md §3.1 as the same normalized ``data`` as the pushes.

WEEX spells an order, a fill, a position and a balance differently over REST than
on the private WebSocket channels, and sends ids and times as JSON integers
(§3.1.2, §3.1.5). Each function here renames a REST object to the WebSocket's
spelling and hands it to :class:`~.normalize.Normalizer`, so a REST order and a
pushed order in the same state give equal ``data`` (DESIGN.md §3): ids as strings,
prices and sizes per ``number_type``, the average and fill prices computed the
same way. :func:`rest_order` also applies §3.1.6's rule: a live order with
``0 < executedQty < origQty`` is ``partially_filled`` whatever word REST used.

The REST objects of the V3 contract API are handled by the plain functions;
spot's (§1.7.5: ``cummulativeQuoteQty``, ``isBuyer``) by the ``rest_spot_*`` ones.

Pure: no I/O, no clock. Imports: ``.normalize``, ``.symbols``; the standard library.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .normalize import Normalizer
from .symbols import normalize as user_symbol

__all__ = [
    "TERMINAL_STATUSES",
    "item_time_ms",
    "rest_balance",
    "rest_fill",
    "rest_order",
    "rest_position",
    "rest_spot_fill",
    "rest_spot_order",
]

#: Normalized order statuses after which nothing changes (DESIGN.md §5).
TERMINAL_STATUSES = frozenset({"filled", "canceled", "rejected", "expired"})

_TIME_KEYS = ("updatedTime", "updateTime", "time", "createdTime")


def item_time_ms(item: Any) -> int | None:
    """The update time of a REST object or a pushed item, in ms, if it has one.

    REST sends JSON integers, the WebSocket decimal strings (§3.1.5).
    """
    if not isinstance(item, dict):
        return None
    for key in _TIME_KEYS:
        value = item.get(key)
        if type(value) is int:
            return value
        if type(value) is str and value.isdigit():
            return int(value)
    return None


def _symbol(item: dict[str, Any]) -> str | None:
    raw = item.get("symbol")
    return user_symbol(raw) if isinstance(raw, str) and raw else None


def _renamed(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {wire: item[rest] for wire, rest in names.items() if rest in item}


_ORDER = {
    "id": "orderId",
    "clientOrderId": "clientOrderId",
    "orderSide": "side",
    "positionSide": "positionSide",
    "type": "type",
    "price": "price",
    "size": "origQty",
    "cumFillSize": "executedQty",
    "cumFillValue": "cumQuote",
    "status": "status",
    "timeInForce": "timeInForce",
    "reduceOnly": "reduceOnly",
}


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(value) if isinstance(value, str | int) else None
    except InvalidOperation:
        return None


def rest_order(
    norm: Normalizer, item: dict[str, Any], names: dict[str, str] = _ORDER
) -> dict[str, Any]:
    """``openOrders``/``order/history``/``order`` object → ``order`` data."""
    data = norm.order(_renamed(item, names), _symbol(item))
    filled, size = _dec(item.get("executedQty")), _dec(item.get("origQty"))
    status = data.get("status")
    if (
        status is not None
        and status not in TERMINAL_STATUSES
        and filled is not None
        and size is not None
        and 0 < filled < size
    ):
        data["status"] = "partially_filled"
    return data


# §1.7.5: spot's order object spells the filled quote amount (sic) its own way.
_SPOT_ORDER = {**_ORDER, "cumFillValue": "cummulativeQuoteQty"}


def rest_spot_order(norm: Normalizer, item: dict[str, Any]) -> dict[str, Any]:
    """A spot REST order → ``order`` data, as a spot push reads (``EXPIRED`` is
    ``canceled``, §1.7.6)."""
    data = rest_order(norm, item, _SPOT_ORDER)
    if data.get("status") == "expired":
        data["status"] = "canceled"
    return data


_FILL = {
    "id": "id",
    "orderId": "orderId",
    "orderSide": "side",
    "fillSize": "qty",
    "fillValue": "quoteQty",
    "fillFee": "commission",
    "realizePnl": "realizedPnl",
}


def rest_fill(norm: Normalizer, item: dict[str, Any]) -> dict[str, Any]:
    """``userTrades`` object → ``fill`` data (price: ``quoteQty / qty``, as pushed)."""
    wire = _renamed(item, _FILL)
    maker = item.get("maker")
    if isinstance(maker, bool):
        wire["direction"] = "MAKER" if maker else "TAKER"
    return norm.fill(wire, _symbol(item))


_SPOT_FILL = {
    "id": "id",
    "orderId": "orderId",
    "fillSize": "qty",
    "fillValue": "quoteQty",
    "fillFee": "commission",
}


def rest_spot_fill(norm: Normalizer, item: dict[str, Any]) -> dict[str, Any]:
    """A spot ``myTrades`` object → ``fill`` data: side from ``isBuyer``; spot
    REST names no maker or taker, so ``liquidity`` is omitted (§1.7.5)."""
    wire = _renamed(item, _SPOT_FILL)
    buyer = item.get("isBuyer")
    if isinstance(buyer, bool):
        wire["orderSide"] = "BUY" if buyer else "SELL"
    return norm.fill(wire, _symbol(item))


_POSITION = {
    "id": "id",
    "side": "side",
    "size": "size",
    "leverage": "leverage",
    "marginMode": "marginType",
    "fundingFee": "fundingFee",
    "openValue": "openValue",
}


def rest_position(norm: Normalizer, item: dict[str, Any]) -> dict[str, Any]:
    """``allPosition`` object → ``position`` data (entry price and PnL as pushed)."""
    return norm.position(_renamed(item, _POSITION), _symbol(item))


_BALANCE = {
    "coin": "asset",
    "amount": "balance",
    "available": "availableBalance",
    "frozen": "frozen",
}


def rest_balance(norm: Normalizer, item: dict[str, Any]) -> dict[str, Any]:
    """``account/balance`` row → ``account`` data (``balance``, ``available``,
    ``frozen``; §3.1.2: a summary, not the pushed collateral ledger)."""
    return norm.account(_renamed(item, _BALANCE), "coin")
