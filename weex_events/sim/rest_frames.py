"""The simulator's encoders for WEEX V3 contract REST objects (WEEX-WS.md §3.1.2).

REST differs from the private pushes of ``sim.private_frames`` in spelling and in
JSON types (WEEX-WS.md §3.1.5): ids, match sequence ids and times are JSON
**integers** here (strings on the WebSocket), prices and sizes stay decimal strings,
the order carries ``origQty``/``executedQty``/``cumQuote``/``avgPrice`` and the
position ``asset``/``marginType``/``marginSize``/``unrealizePnl``/``liquidatePrice``.
Status words follow the REST column of §3.1.6: a live order without fills is
``NEW`` (the WebSocket's ``PENDING``/``OPEN``), the others as pushed.

Imports: stdlib and ``sim.orders``/``sim.ledger``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .ledger import Position
from .orders import Fill, Order, OrderStatus, money_text

__all__ = ["rest_order", "rest_position", "rest_trade"]

_REST_STATUS = {OrderStatus.PENDING: "NEW", OrderStatus.OPEN: "NEW"}


def _money(value: Decimal) -> str:
    return "0" if not value else money_text(value)


def rest_order(order: Order) -> dict[str, Any]:
    """One order object of ``openOrders``, ``order/history`` and ``order``."""
    inst = order.inst
    avg = "0"
    if order.filled:
        # cumQuote / executedQty, exact in decimal (a fill price may be between ticks).
        mean = Decimal(inst.quote_value(order.fill_value)) / Decimal(
            inst.size(order.filled)
        )
        avg = format(mean.normalize(), "f")
    return {
        "orderId": int(order.order_id),
        "clientOrderId": order.client_order_id,
        "symbol": inst.symbol,
        "side": order.side,
        "positionSide": order.position_side,
        "type": order.type,
        "timeInForce": order.time_in_force,
        "status": _REST_STATUS.get(order.status, str(order.status)),
        "workingType": "UNKNOWN_PRICE_TYPE",
        "price": inst.price(order.price),
        "origQty": inst.size(order.size),
        "executedQty": inst.size(order.filled),
        "cumQuote": inst.quote_value(order.fill_value),
        "avgPrice": avg,
        "stopPrice": "0",
        "reduceOnly": order.reduce_only,
        "time": order.created_ms,
        "updateTime": order.updated_ms,
    }


def rest_trade(fill: Fill) -> dict[str, Any]:
    """One ``userTrades`` object; unlike the ``fill`` push it carries ``price``."""
    inst = fill.inst
    return {
        "id": int(fill.fill_id),
        "orderId": int(fill.order_id),
        "symbol": inst.symbol,
        "buyer": fill.side == "BUY",
        "maker": fill.maker,
        "side": fill.side,
        "positionSide": fill.position_side,
        "price": inst.price(fill.price),
        "qty": inst.size(fill.size),
        "quoteQty": inst.quote_value(fill.value),
        "commission": _money(fill.fee),
        "commissionAsset": "USDT",
        "realizedPnl": _money(fill.realized_pnl),
        "time": fill.time_ms,
    }


def rest_position(pos: Position, unrealized: Decimal) -> dict[str, Any]:
    """One ``allPosition`` object; ``unrealized`` is its PnL at the mark price."""
    inst = pos.inst
    return {
        "id": int(pos.position_id),
        "asset": "USDT",
        "symbol": inst.symbol,
        "side": pos.side,
        "marginType": "CROSSED",
        "separatedMode": "COMBINED",
        "separatedOpenOrderId": 0,
        "leverage": str(pos.leverage),
        "size": inst.size(pos.size),
        "openValue": _money(pos.open_value),
        "openFee": _money(pos.open_fee),
        "fundingFee": _money(pos.funding_fee),
        "marginSize": _money(pos.margin),
        "isolatedMargin": "0",
        "isAutoAppendIsolatedMargin": False,
        "cumOpenSize": inst.size(pos.cum_open_size),
        "cumOpenValue": _money(pos.cum_open_value),
        "cumOpenFee": _money(pos.cum_open_fee),
        "cumCloseSize": inst.size(pos.cum_close_size),
        "cumCloseValue": _money(pos.cum_close_value),
        "cumCloseFee": _money(pos.cum_close_fee),
        "cumFundingFee": _money(pos.cum_funding_fee),
        "unrealizePnl": _money(unrealized),
        "liquidatePrice": "0",
        "createdMatchSequenceId": pos.created_seq,
        "updatedMatchSequenceId": pos.updated_seq,
        "createdTime": pos.created_ms,
        "updatedTime": pos.updated_ms,
    }
