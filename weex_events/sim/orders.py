"""Orders and fills of the paper exchange, and how they meet the simulated book.

Prices are integer ticks and sizes integer units, as in ``instruments``; a fill
value (price × size) is an exact integer of tick-units. Money that involves a rate
(fees, funding, PnL shares) is a :class:`~decimal.Decimal` rounded half-up to 8
decimals (:func:`money`).

Order status words (WEEX-WS.md §1.6 establishes only ``PENDING``; the rest are the
simulator's choice, all mapped by the SDK): ``PENDING`` accepted, ``OPEN`` resting
without fills, ``PARTIALLY_FILLED`` resting with some fills, ``FILLED``,
``CANCELED`` (by the user, or the unfilled rest of an IOC/FOK/market order) and
``REJECTED`` (a POST_ONLY order that would have taken liquidity).

Paper orders read the simulated book but never change it: the public market does
not see them.

Pure: no I/O, no clock. Imports: stdlib and ``sim.instruments``/``sim.orderbook``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .instruments import Instrument
from .orderbook import OrderBook

__all__ = [
    "BUY",
    "COULD_NOT_FILL",
    "NO_CANCEL_REASON",
    "POST_ONLY_REJECTED",
    "REDUCE_ONLY_CANCELED",
    "SELL",
    "USER_CANCELED",
    "Fill",
    "Order",
    "OrderRejected",
    "OrderStatus",
    "OrderTerms",
    "crossed",
    "illegal",
    "money",
    "money_text",
    "order_terms",
    "to_ticks",
    "to_units",
    "value_of",
    "walk",
]

BUY, SELL = "BUY", "SELL"
#: ``cancelReason`` words, as WEEX's sibling engine spells them (WEEX-WS.md §1.6
#: lists the field only); POST_ONLY_REJECTED is the simulator's own.
NO_CANCEL_REASON = "UNKNOWN_ORDER_CANCEL_REASON"
USER_CANCELED = "USER_CANCELED"
COULD_NOT_FILL = "COULD_NOT_FILL"
REDUCE_ONLY_CANCELED = "REDUCE_ONLY_CANCELED"
POST_ONLY_REJECTED = "POST_ONLY_REJECTED"

_MONEY = Decimal("0.00000001")


def money(value: Decimal) -> Decimal:
    """``value`` rounded half-up to 8 decimals."""
    return value.quantize(_MONEY, rounding=ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    """Money as WEEX prints it: a plain decimal string (8 decimals here)."""
    return format(money(value), "f")


def value_of(inst: Instrument, tick_units: int) -> Decimal:
    """The quote value of ``tick_units`` (price ticks × size units), exactly."""
    return Decimal(tick_units).scaleb(-inst.quote_decimals)


def _steps(text: str | Decimal | int, decimals: int) -> int | None:
    try:
        number = Decimal(text) if not isinstance(text, Decimal) else text
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or number <= 0:
        return None
    scaled = number.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def to_units(inst: Instrument, size: str | Decimal | int) -> int | None:
    """Size text → units; ``None`` unless positive and a multiple of the step."""
    return _steps(size, inst.size_decimals)


def to_ticks(inst: Instrument, price: str | Decimal | int) -> int | None:
    """Price text → ticks; ``None`` unless positive and a multiple of the tick."""
    return _steps(price, inst.price_decimals)


class OrderRejected(Exception):
    """A request the exchange refuses; ``code``/``msg`` form WEEX's error body."""

    def __init__(self, code: int, msg: str) -> None:
        self.code = code
        self.msg = msg
        super().__init__(f"{code}: {msg}")


def illegal(name: str) -> OrderRejected:
    """WEEX's -1141 refusal for parameter ``name``."""
    return OrderRejected(-1141, f"Illegal value for parameter '{name}'.")


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """The validated terms of a new order: words upper case, price/size in steps."""

    side: str
    type: str
    time_in_force: str
    price: int
    size: int


def order_terms(
    inst: Instrument,
    side: str,
    type: str,
    quantity: str | Decimal | int,
    price: str | Decimal | int | None,
    time_in_force: str | None,
    position_side: str | None,
) -> OrderTerms:
    """Validate an order's terms (WEEX-WS.md §3 ``POST /capi/v3/order`` fields).

    A LIMIT order needs a price and defaults to GTC; a MARKET order takes no price
    and is IOC, as WEEX reports it (frames/contract-v3-private-orders.json).

    Raises:
        OrderRejected: -1140 a LIMIT order without price, -1141 any illegal value.
    """
    side, type = side.upper(), type.upper()
    tif = (time_in_force or ("GTC" if type == "LIMIT" else "IOC")).upper()
    if side not in (BUY, SELL):
        raise illegal("side")
    if type not in ("MARKET", "LIMIT"):
        raise illegal("type")
    if position_side not in (None, "LONG", "SHORT", "BOTH"):
        raise illegal("positionSide")
    if tif not in (("GTC", "IOC", "FOK", "POST_ONLY") if type == "LIMIT" else ("IOC",)):
        raise illegal("timeInForce")
    size = to_units(inst, quantity)
    if size is None:
        raise illegal("quantity")
    if type == "MARKET":
        if price is not None:
            raise illegal("price")
        return OrderTerms(side, type, tif, 0, size)
    if price is None:
        raise OrderRejected(-1140, "Mandatory parameter 'price' was not sent.")
    ticks = to_ticks(inst, price)
    if ticks is None:
        raise illegal("price")
    return OrderTerms(side, type, tif, ticks, size)


class OrderStatus(enum.StrEnum):
    """Order status words on the ``orders`` channel (see the module docstring)."""

    PENDING = "PENDING"
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"


@dataclass(slots=True)
class Order:
    """One paper order; the exchange mutates it, pushes carry copies.

    ``price`` is 0 for market orders; ``filled``/``remaining`` are units;
    ``fill_value`` is tick-units; fill prices are ticks (0 before any fill).
    """

    order_id: str
    client_order_id: str
    inst: Instrument
    side: str
    position_side: str
    type: str
    time_in_force: str
    price: int
    size: int
    reduce_only: bool
    leverage: int
    taker_fee_rate: Decimal
    maker_fee_rate: Decimal
    created_ms: int
    updated_ms: int
    status: OrderStatus = OrderStatus.PENDING
    cancel_reason: str = NO_CANCEL_REASON
    filled: int = 0
    fill_value: int = 0
    fill_fee: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    latest_fill_price: int = 0
    max_fill_price: int = 0
    min_fill_price: int = 0

    @property
    def symbol(self) -> str:
        """The upper-case symbol."""
        return self.inst.symbol

    @property
    def remaining(self) -> int:
        """Units not filled yet."""
        return self.size - self.filled

    @property
    def is_open(self) -> bool:
        """Whether the order rests in the book (``OPEN``/``PARTIALLY_FILLED``)."""
        return self.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)

    def record(self, fill: Fill) -> None:
        """Account ``fill`` in the order's cumulative figures."""
        self.filled += fill.size
        self.fill_value += fill.value
        self.fill_fee += fill.fee
        self.realized_pnl += fill.realized_pnl
        self.latest_fill_price = fill.price
        self.max_fill_price = max(self.max_fill_price, fill.price)
        low = self.min_fill_price
        self.min_fill_price = fill.price if low == 0 else min(low, fill.price)
        self.updated_ms = fill.time_ms


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of an order against the simulated book.

    Attributes:
        position_side: the side of the position the fill opened or reduced (a fill
            that flips a position is split into a closing and an opening fill).
        value: price × size in tick-units.
        maker: whether the order rested (maker fee) or took liquidity.
    """

    fill_id: str
    order_id: str
    inst: Instrument
    side: str
    position_side: str
    price: int
    size: int
    value: int
    fee: Decimal
    realized_pnl: Decimal
    maker: bool
    time_ms: int


def crossed(book: OrderBook, side: str, price: int) -> bool:
    """Whether a ``side`` order at ``price`` meets the opposite best price."""
    if side == BUY:
        best = book.asks.best()
        return best is not None and best <= price
    best = book.bids.best()
    return best is not None and best >= price


def walk(
    book: OrderBook, side: str, size: int, limit: int | None
) -> list[tuple[int, int]]:
    """The ``(price, units)`` a taker ``side`` order of ``size`` would take.

    Walks the opposite side best first, level by level, up to ``limit`` (``None``:
    no limit, a market order); the result may add up to less than ``size``.
    """
    book_side = book.asks if side == BUY else book.bids
    taken: list[tuple[int, int]] = []
    left = size
    for rank in range(len(book_side)):
        if left <= 0:
            break
        price = book_side.price_at(rank)
        if limit is not None and (price > limit if side == BUY else price < limit):
            break
        units = min(left, book_side.sizes[price])
        taken.append((price, units))
        left -= units
    return taken
