"""The simulator's encoders for WEEX V3 private pushes and trading REST bodies.

Written from WEEX-WS.md §1.3, §1.6 and the published private frames, independently
of the client's codec. Envelope ``{"e","E","v","msgEvent","d"}`` with ``E`` and
``v`` integers; inside items every number is a string: ids as decimal strings,
times as ms strings, prices and sizes with the instrument's decimals, money with 8
decimals, and zero amounts as a bare ``"0"`` like WEEX. Constant fields (margin
mode ``CROSSED``, ``COMBINED``, trigger fields) carry the values of WEEX's examples.

Imports: stdlib, ``orjson``, ``sim.orders``/``sim.ledger``/``sim.private_events``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from .ledger import Balance, Position, Wallet
from .orders import Fill, Order, OrderStatus, money_text
from .private_events import Item, PrivateEvent

__all__ = [
    "balance_item",
    "cancel_result",
    "close_result",
    "envelope",
    "fill_item",
    "order_item",
    "order_result",
    "ping",
    "position_item",
    "push",
    "wallet_item",
]

#: Fields every order, fill and position item carries, in this order, after its own
#: head (margin mode, combined positions: the values of WEEX's examples).
_COMMON = {
    "marginMode": "CROSSED",
    "separatedMode": "COMBINED",
    "separatedOpenOrderId": "0",
}


def _money(value: Decimal) -> str:
    return "0" if not value else money_text(value)


def _count(text: str, units: int) -> str:
    return text if units else "0"


def ping(now_ms: int) -> bytes:
    """The private endpoint's server ping (WEEX-WS.md §1.3 [code])."""
    return orjson.dumps({"type": "ping", "time": str(now_ms)})


def order_item(order: Order) -> dict[str, Any]:
    """One ``orders`` item (also an item of ``GET /capi/v3/openOrders``)."""
    inst = order.inst
    prices = (order.latest_fill_price, order.max_fill_price, order.min_fill_price)
    latest, high, low = (_count(inst.price(p), p) for p in prices)
    return {
        "id": order.order_id,
        "coin": "USDT",
        "symbol": inst.symbol,
        **_COMMON,
        "positionSide": order.position_side,
        "orderSide": order.side,
        "price": inst.price(order.price),
        "size": inst.size(order.size),
        "clientOrderId": order.client_order_id,
        "type": order.type,
        "timeInForce": order.time_in_force,
        "reduceOnly": order.reduce_only,
        "triggerPrice": "0",
        "triggerPriceType": "CONTRACT_PRICE",
        "orderSource": "API",
        "openTpslParentOrderId": "0",
        "positionTpsl": False,
        "setOpenTp": False,
        "setOpenSl": False,
        "leverage": str(order.leverage),
        "takerFeeRate": str(order.taker_fee_rate),
        "makerFeeRate": str(order.maker_fee_rate),
        "feeDiscount": "1",
        "liquidateFeeRate": "0.01",
        "status": str(order.status),
        "triggerTime": "0",
        "triggerPriceTime": "0",
        "triggerPriceValue": "0",
        "cancelReason": order.cancel_reason,
        "latestFillPrice": latest,
        "maxFillPrice": high,
        "minFillPrice": low,
        "cumFillSize": _count(inst.size(order.filled), order.filled),
        "cumFillValue": _count(inst.quote_value(order.fill_value), order.fill_value),
        "cumFillFee": _money(order.fill_fee),
        "cumLiquidateFee": "0",
        "cumRealizePnl": _money(order.realized_pnl),
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
    }


def fill_item(fill: Fill) -> dict[str, Any]:
    """One ``fill`` item; the price is ``fillValue / fillSize`` (none is sent)."""
    inst = fill.inst
    return {
        "id": fill.fill_id,
        "coin": "USDT",
        "symbol": inst.symbol,
        "orderId": fill.order_id,
        **_COMMON,
        "positionSide": fill.position_side,
        "orderSide": fill.side,
        "fillSize": inst.size(fill.size),
        "fillValue": inst.quote_value(fill.value),
        "fillFee": _money(fill.fee),
        "liquidateFee": "0",
        "realizePnl": _money(fill.realized_pnl),
        "direction": "MAKER" if fill.maker else "TAKER",
        "createdTime": str(fill.time_ms),
        "updatedTime": str(fill.time_ms),
    }


def position_item(pos: Position) -> dict[str, Any]:
    """One ``positions`` item (also of ``allPosition``); size ``"0"``: closed."""
    inst = pos.inst
    return {
        "id": pos.position_id,
        "coin": "USDT",
        "symbol": inst.symbol,
        "side": pos.side,
        **_COMMON,
        "leverage": str(pos.leverage),
        "size": _count(inst.size(pos.size), pos.size),
        "openValue": _money(pos.open_value),
        "openFee": _money(pos.open_fee),
        "fundingFee": _money(pos.funding_fee),
        "isolatedMargin": "0",
        "autoAppendIsolatedMargin": False,
        "cumOpenSize": _count(inst.size(pos.cum_open_size), pos.cum_open_size),
        "cumOpenValue": _money(pos.cum_open_value),
        "cumOpenFee": _money(pos.cum_open_fee),
        "cumCloseSize": _count(inst.size(pos.cum_close_size), pos.cum_close_size),
        "cumCloseValue": _money(pos.cum_close_value),
        "cumCloseFee": _money(pos.cum_close_fee),
        "cumFundingFee": _money(pos.cum_funding_fee),
        "cumLiquidateFee": "0",
        "createdMatchSequenceId": str(pos.created_seq),
        "updatedMatchSequenceId": str(pos.updated_seq),
        "createdTime": str(pos.created_ms),
        "updatedTime": str(pos.updated_ms),
    }


def wallet_item(wallet: Wallet) -> dict[str, Any]:
    """One ``account`` item: ``amount`` is the collateral (WEEX-WS.md §1.6)."""
    return {
        "coin": wallet.coin,
        "marginMode": "CROSSED",
        "crossSymbol": "",
        "isolatedPositionId": "0",
        "amount": _money(wallet.amount),
        "pendingDepositAmount": "0",
        "pendingWithdrawAmount": "0",
        "pendingTransferInAmount": "0",
        "pendingTransferOutAmount": "0",
        "liquidating": False,
        "legacyAmount": _money(wallet.amount),
        "cumDepositAmount": _money(wallet.cum_deposit),
        "cumWithdrawAmount": "0",
        "cumTransferInAmount": "0",
        "cumTransferOutAmount": "0",
        "cumMarginMoveInAmount": "0",
        "cumMarginMoveOutAmount": "0",
        "cumPositionOpenLongAmount": _money(wallet.cum_open_long),
        "cumPositionOpenShortAmount": _money(wallet.cum_open_short),
        "cumPositionCloseLongAmount": _money(wallet.cum_close_long),
        "cumPositionCloseShortAmount": _money(wallet.cum_close_short),
        "cumPositionFillFeeAmount": _money(wallet.cum_fill_fee),
        "cumPositionLiquidateFeeAmount": "0",
        "cumPositionFundingAmount": _money(wallet.cum_funding),
        "cumOrderFillFeeIncomeAmount": "0",
        "cumOrderLiquidateFeeIncomeAmount": "0",
        "createdTime": str(wallet.created_ms),
        "updatedTime": str(wallet.updated_ms),
    }


def _item(item: Item) -> dict[str, Any]:
    if isinstance(item, Order):
        return order_item(item)
    if isinstance(item, Fill):
        return fill_item(item)
    if isinstance(item, Position):
        return position_item(item)
    if isinstance(item, Wallet):
        return wallet_item(item)
    raise TypeError(f"no contract item for {type(item).__name__}")


def envelope(event: PrivateEvent, encode: Callable[[Item], dict[str, Any]]) -> bytes:
    """The V3 private push of ``event``, ``{"e","E","v","msgEvent","d"}`` (§1.6),
    each item encoded by ``encode``; spot pushes use it too (§1.7.4)."""
    return orjson.dumps(
        {
            "e": event.channel,
            "E": event.time_ms,
            "v": event.version,
            "msgEvent": event.msg_event,
            "d": [encode(item) for item in event.items],
        }
    )


def push(event: PrivateEvent) -> bytes:
    """The private push of ``event``: contract items in the envelope."""
    return envelope(event, _item)


# -- REST bodies (the shapes are the simulator's; WEEX does not publish them) --------


def order_result(order: Order) -> dict[str, Any]:
    """``POST /capi/v3/order`` answer."""
    return {
        "orderId": order.order_id,
        "clientOrderId": order.client_order_id,
        "success": True,
    }


def cancel_result(order: Order) -> dict[str, Any]:
    """``DELETE /capi/v3/order`` answer, and one item of ``allOpenOrders``."""
    return {"orderId": order.order_id, "success": True}


def close_result(pos: Position, order: Order) -> dict[str, Any]:
    """One item of ``POST /capi/v3/closePositions``."""
    return {
        "symbol": pos.symbol,
        "positionId": pos.position_id,
        "success": order.status is OrderStatus.FILLED,
    }


def balance_item(balance: Balance) -> dict[str, Any]:
    """The USDT item of ``GET /capi/v3/account/balance``."""
    return {
        "asset": "USDT",
        "balance": money_text(balance.amount),
        "availableBalance": money_text(balance.available),
        "frozen": money_text(balance.frozen),
        "unrealizePnl": money_text(balance.unrealized),
        "equity": money_text(balance.equity),
    }
