"""Cash balances of one spot paper account: coins free and locked, no leverage.

Spot holds coins, not collateral (WEEX-WS.md §1.7.4): each coin has a ``free``
amount and a ``locked`` one (held by resting orders); WEEX's ``equity`` is their
sum. Buying moves quote into base and selling back; the fee is taken from what
the trade brings in (base for a buy, quote for a sell, §1.7.4). There are no
positions and no margin: an order needs the coins it spends.

Pure: no I/O, no clock. Imports: stdlib and ``sim.instruments``/``sim.orders``.
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from .instruments import Instrument
from .orders import BUY, Fill, Order, OrderRejected, value_of

__all__ = [
    "HISTORY",
    "INSUFFICIENT_BALANCE",
    "ORDER_NOT_EXIST",
    "CoinBalance",
    "SpotAccount",
    "amount_of",
    "insufficient",
    "require_id",
    "spends",
]

_ZERO = Decimal(0)
#: The simulator's code for an order the account cannot pay for (Binance-style,
#: as spot's REST API is; WEEX-WS.md §1.7.7 names no spot code for it).
INSUFFICIENT_BALANCE = -2010
#: WEEX-WS.md §1.7.7: ``SPOT_ORDER_NOT_EXIST``.
ORDER_NOT_EXIST = -2200
#: Orders and fills an account remembers for REST lookups: a long-running
#: simulator must not grow without bound.
HISTORY = 10_000


def insufficient(coin: str) -> OrderRejected:
    """The refusal of an order that needs more ``coin`` than is free."""
    return OrderRejected(
        INSUFFICIENT_BALANCE,
        f"Account has insufficient balance for requested action ({coin}).",
    )


@dataclass(slots=True)
class CoinBalance:
    """One coin of a spot account; pushes carry copies."""

    coin: str
    free: Decimal
    locked: Decimal
    updated_ms: int

    @property
    def equity(self) -> Decimal:
        """Free plus locked: WEEX's ``equity``."""
        return self.free + self.locked


class SpotAccount:
    """One API key's spot coins and resting orders.

    Attributes:
        orders: resting orders by id, oldest first.
        history: the last :data:`HISTORY` orders by id (REST lookups), oldest
            first; resting orders are never forgotten (they are in ``orders``).
        fills: the last :data:`HISTORY` fills, oldest first (``myTrades``).
        version: the last event version ``v`` used (one counter per account).
    """

    __slots__ = ("api_key", "coins", "fills", "history", "orders", "version")

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.coins: dict[str, CoinBalance] = {}
        self.orders: dict[str, Order] = {}
        self.history: dict[str, Order] = {}
        self.fills: deque[Fill] = deque(maxlen=HISTORY)
        self.version = 0

    def remember(self, order: Order) -> None:
        """Keep ``order`` for lookups, forgetting the oldest past :data:`HISTORY`."""
        self.history[order.order_id] = order
        while len(self.history) > HISTORY:
            del self.history[next(iter(self.history))]

    def coin(self, name: str, now: int) -> CoinBalance:
        """The balance of ``name`` (created empty on first use)."""
        if name not in self.coins:
            self.coins[name] = CoinBalance(name, _ZERO, _ZERO, now)
        return self.coins[name]

    def snapshot(self, names: list[str]) -> list[CoinBalance]:
        """Copies of the named coins' balances, in that order."""
        return [copy.copy(self.coins[n]) for n in names if n in self.coins]

    def credit(self, name: str, amount: Decimal, now: int) -> None:
        """Add ``amount`` of ``name`` to its free balance."""
        bal = self.coin(name, now)
        bal.free += amount
        bal.updated_ms = now

    def debit(self, name: str, amount: Decimal, now: int, *, locked: bool) -> None:
        """Take ``amount`` of ``name`` from its locked (or free) balance."""
        bal = self.coin(name, now)
        if locked:
            bal.locked -= amount
        else:
            bal.free -= amount
        bal.updated_ms = now

    def lock(self, name: str, amount: Decimal, now: int) -> None:
        """Move ``amount`` of ``name`` from free to locked.

        Raises:
            OrderRejected: not that much is free.
        """
        bal = self.coin(name, now)
        if amount > bal.free:
            raise insufficient(name)
        bal.free -= amount
        bal.locked += amount
        bal.updated_ms = now

    def unlock(self, name: str, amount: Decimal, now: int) -> None:
        """Move ``amount`` of ``name`` back from locked to free."""
        bal = self.coin(name, now)
        bal.locked -= amount
        bal.free += amount
        bal.updated_ms = now


def amount_of(value: str | Decimal) -> Decimal:
    """A coin amount given by the caller.

    Raises:
        ValueError: not a finite, non-negative number.
    """
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError("balances must be non-negative numbers")
    return amount


def spends(inst: Instrument, side: str, price: int, units: int) -> tuple[str, Decimal]:
    """The coin, and how much of it, an order of ``units`` at ``price`` pays with."""
    if side == BUY:
        return inst.quote, value_of(inst, price * units)
    return inst.base, Decimal(units).scaleb(-inst.size_decimals)


def require_id(order_id: str | None, client_order_id: str | None) -> None:
    """Refuse (-1140) a lookup or cancel that names no order."""
    if order_id is None and client_order_id is None:
        raise OrderRejected(-1140, "Either orderId or origClientOrderId must be sent.")
