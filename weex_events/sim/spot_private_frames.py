"""The simulator's encoders for WEEX spot V3 private pushes and trading REST bodies.

Written from WEEX-WS.md §1.7.4/§1.7.5 and the published spot frames, independently
of the client's codec. Pushes use the contract envelope ``{"e","E","v","msgEvent",
"d"}`` with spot's items: ``account`` is ``coin equity available frozen``;
``orders`` and ``fill`` carry ``baseCoin``/``quoteCoin`` (and orders ``value``, the
quote amount: ``price × size`` for a limit order, ``"0"`` for a market order sized
in base) and none of contract's margin, position or leverage fields. Every number
in an item is a string; amounts of coins have 8 decimals, zero is a bare ``"0"``.

Order status words: ``PENDING`` (accepted, pushed once), ``NEW`` (resting: the
REST word, §1.7.6; which word spot's WebSocket uses is [open]),
``PARTIALLY_FILLED``, ``FILLED``, ``CANCELED``.

REST bodies are Binance-shaped (§1.7.5): ids and times are JSON integers there.

Imports: stdlib, ``sim.orders``/``sim.private_events``/``sim.private_frames`` (the
envelope)/``sim.spot_ledger``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .orders import Fill, Order, OrderStatus, money_text
from .private_events import Item, PrivateEvent
from .private_frames import envelope
from .spot_ledger import CoinBalance

__all__ = [
    "account_body",
    "balance_item",
    "cancel_result",
    "fill_item",
    "order_item",
    "order_object",
    "order_result",
    "push",
    "status_word",
    "trade_object",
]

#: The simulator's status words as spot spells them (§1.7.6).
_STATUS = {OrderStatus.OPEN: "NEW"}


def status_word(status: OrderStatus) -> str:
    """Spot's word for ``status``: ``OPEN`` is ``NEW``, the rest as they are."""
    return _STATUS.get(status, str(status))


def _coins(value: Decimal) -> str:
    return money_text(value) if value else "0"


def _count(text: str, units: int) -> str:
    return text if units else "0"


def _value(order: Order) -> str:
    if order.type != "LIMIT":
        return "0"
    return order.inst.quote_value(order.price * order.size)


def order_item(order: Order) -> dict[str, Any]:
    """One spot ``orders`` item (WEEX-WS.md §1.7.4)."""
    inst = order.inst
    prices = (order.latest_fill_price, order.max_fill_price, order.min_fill_price)
    latest, high, low = (_count(inst.price(p), p) for p in prices)
    return {
        "id": order.order_id,
        "symbol": inst.symbol,
        "baseCoin": inst.base,
        "quoteCoin": inst.quote,
        "orderSide": order.side,
        "price": _count(inst.price(order.price), order.price),
        "size": inst.size(order.size),
        "value": _value(order),
        "clientOrderId": order.client_order_id,
        "type": order.type,
        "timeInForce": order.time_in_force,
        "reduceOnly": False,
        "triggerPrice": "0",
        "orderSource": "API",
        "openTpslParentOrderId": "0",
        "setOpenTp": False,
        "setOpenSl": False,
        "takerFeeRate": str(order.taker_fee_rate),
        "makerFeeRate": str(order.maker_fee_rate),
        "feeDiscount": "1",
        "takerFeeDiscount": "1",
        "makerFeeDiscount": "1",
        "status": status_word(order.status),
        "triggerTime": "0",
        "triggerPriceTime": "0",
        "triggerPriceValue": "0",
        "cancelReason": order.cancel_reason,
        "latestFillPrice": latest,
        "maxFillPrice": high,
        "minFillPrice": low,
        "cumFillSize": _count(inst.size(order.filled), order.filled),
        "cumFillValue": _count(inst.quote_value(order.fill_value), order.fill_value),
        "cumFillFee": _coins(order.fill_fee),
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
    }


def fill_item(fill: Fill) -> dict[str, Any]:
    """One spot ``fill`` item; no price is sent (``fillValue / fillSize``)."""
    inst = fill.inst
    return {
        "id": fill.fill_id,
        "symbol": inst.symbol,
        "baseCoin": inst.base,
        "quoteCoin": inst.quote,
        "orderId": fill.order_id,
        "orderSide": fill.side,
        "fillSize": inst.size(fill.size),
        "fillValue": inst.quote_value(fill.value),
        "fillFee": _coins(fill.fee),
        "direction": "MAKER" if fill.maker else "TAKER",
        "createdTime": str(fill.time_ms),
        "updatedTime": str(fill.time_ms),
    }


def balance_item(balance: CoinBalance) -> dict[str, Any]:
    """One spot ``account`` item: ``equity`` = available + frozen (§1.7.4)."""
    return {
        "coin": balance.coin,
        "equity": _coins(balance.equity),
        "available": _coins(balance.free),
        "frozen": _coins(balance.locked),
    }


def _item(item: Item) -> dict[str, Any]:
    if isinstance(item, Order):
        return order_item(item)
    if isinstance(item, Fill):
        return fill_item(item)
    if isinstance(item, CoinBalance):
        return balance_item(item)
    raise TypeError(f"no spot item for {type(item).__name__}")


def push(event: PrivateEvent) -> bytes:
    """The spot private push of ``event``: the contract envelope, spot items."""
    return envelope(event, _item)


# -- REST bodies (WEEX-WS.md §1.7.5): ids and times as JSON integers ----------------


def order_result(order: Order) -> dict[str, Any]:
    """``POST /api/v3/order`` answer."""
    return {
        "symbol": order.symbol,
        "orderId": int(order.order_id),
        "clientOrderId": order.client_order_id,
        "transactTime": order.created_ms,
    }


def cancel_result(order: Order, *, by_client_id: bool = False) -> dict[str, Any]:
    """``DELETE /api/v3/order`` answer (keyed as the request was), and one item of
    ``DELETE /api/v3/openOrders``."""
    if by_client_id:
        return {"origClientOrderId": order.client_order_id, "status": "CANCELED"}
    return {"orderId": int(order.order_id), "status": "CANCELED"}


def order_object(order: Order) -> dict[str, Any]:
    """The spot REST order object (``order``, ``openOrders``, ``allOrders``)."""
    inst = order.inst
    status = order.status
    if status == OrderStatus.PENDING:
        status = OrderStatus.OPEN
    return {
        "symbol": inst.symbol,
        "orderId": int(order.order_id),
        "clientOrderId": order.client_order_id,
        "price": inst.price(order.price),
        "origQty": inst.size(order.size),
        "executedQty": inst.size(order.filled),
        "cummulativeQuoteQty": inst.quote_value(order.fill_value),
        "status": status_word(status),
        "timeInForce": order.time_in_force,
        "type": order.type,
        "side": order.side,
        "time": order.created_ms,
        "updateTime": order.updated_ms,
        "isWorking": order.is_open,
    }


def trade_object(fill: Fill) -> dict[str, Any]:
    """One ``GET /api/v3/myTrades`` item; ``commission`` in base for a buy."""
    inst = fill.inst
    return {
        "symbol": inst.symbol,
        "id": int(fill.fill_id),
        "orderId": int(fill.order_id),
        "price": inst.price(fill.price),
        "qty": inst.size(fill.size),
        "quoteQty": inst.quote_value(fill.value),
        "commission": money_text(fill.fee),
        "time": fill.time_ms,
        "isBuyer": fill.side == "BUY",
    }


def account_body(
    balances: list[CoinBalance], fee_rate: Decimal, uid: int, now_ms: int
) -> dict[str, Any]:
    """``GET /api/v3/account/``: the balances with WEEX's account fields."""
    basis_points = int(fee_rate * 10_000)
    rate = money_text(fee_rate)
    return {
        "makerCommission": basis_points,
        "takerCommission": basis_points,
        "commissionRates": {"maker": rate, "taker": rate},
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "updateTime": max((b.updated_ms for b in balances), default=now_ms),
        "accountType": "SPOT",
        "balances": [
            {"asset": b.coin, "free": _coins(b.free), "locked": _coins(b.locked)}
            for b in balances
        ],
        "permissions": ["SPOT"],
        "uid": uid,
    }
