"""Positions and the collateral wallet of one paper account.

Positions are one-way (net): at most one per symbol, ``LONG`` or ``SHORT``. A
position's ``open_value`` is the entry value of its current size, so the entry
price is ``open_value / size`` and the unrealized PnL ``mark × size − open_value``
for a long (the SDK computes it the same way, WEEX-WS.md §1.6). Reducing a position
releases the matching share of ``open_value`` and ``open_fee`` and realizes
``close value − released open value`` (the opposite for a short).

Sign conventions: fees and funding are *paid* amounts, positive when the account
pays (``fundingFee``, ``cumFundingFee``, ``cumPositionFundingAmount``); the wallet's
``amount`` is the collateral after fees, funding and realized PnL.

An :class:`Account` holds one API key's wallet, positions and resting orders and
books executions into them (:meth:`Account.execute`).

Pure: no I/O, no clock. Imports: stdlib and ``sim.instruments``/``sim.orders``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .instruments import Instrument
from .orders import BUY, Fill, Order, money, value_of

__all__ = ["LONG", "SHORT", "Account", "Balance", "Position", "Wallet"]

LONG, SHORT = "LONG", "SHORT"
_ZERO = Decimal(0)


@dataclass(slots=True)
class Position:
    """One open (or just closed, ``size == 0``) position; sizes in units."""

    position_id: str
    inst: Instrument
    side: str
    leverage: int
    created_seq: int
    created_ms: int
    updated_seq: int = 0
    updated_ms: int = 0
    size: int = 0
    open_value: Decimal = _ZERO
    open_fee: Decimal = _ZERO
    funding_fee: Decimal = _ZERO
    cum_open_size: int = 0
    cum_open_value: Decimal = _ZERO
    cum_open_fee: Decimal = _ZERO
    cum_close_size: int = 0
    cum_close_value: Decimal = _ZERO
    cum_close_fee: Decimal = _ZERO
    cum_funding_fee: Decimal = _ZERO

    @property
    def symbol(self) -> str:
        """The upper-case symbol."""
        return self.inst.symbol

    @property
    def margin(self) -> Decimal:
        """Initial margin held: entry value / leverage."""
        return money(self.open_value / self.leverage)

    def unrealized(self, mark: int) -> Decimal:
        """Unrealized PnL at the mark price ``mark`` (ticks)."""
        worth = value_of(self.inst, mark * self.size)
        pnl = worth - self.open_value
        return pnl if self.side == LONG else -pnl

    def increase(
        self, units: int, tick_units: int, fee: Decimal, seq: int, now: int
    ) -> None:
        """Add ``units`` bought (long) or sold (short) for ``tick_units`` of value."""
        value = value_of(self.inst, tick_units)
        self.size += units
        self.open_value += value
        self.open_fee += fee
        self.cum_open_size += units
        self.cum_open_value += value
        self.cum_open_fee += fee
        self._touch(seq, now)

    def reduce(
        self, units: int, tick_units: int, fee: Decimal, seq: int, now: int
    ) -> Decimal:
        """Close ``units`` (at most :attr:`size`) for ``tick_units``; return the PnL."""
        if not 0 < units <= self.size:
            raise ValueError("can only reduce by 1..size units")
        value = value_of(self.inst, tick_units)
        if units == self.size:
            released, released_fee = self.open_value, self.open_fee
        else:
            released = money(self.open_value * units / self.size)
            released_fee = money(self.open_fee * units / self.size)
        self.size -= units
        self.open_value -= released
        self.open_fee -= released_fee
        self.cum_close_size += units
        self.cum_close_value += value
        self.cum_close_fee += fee
        self._touch(seq, now)
        return value - released if self.side == LONG else released - value

    def settle_funding(self, paid: Decimal, now: int) -> None:
        """Record a funding payment (negative: received)."""
        self.funding_fee += paid
        self.cum_funding_fee += paid
        self.updated_ms = now

    def _touch(self, seq: int, now: int) -> None:
        self.updated_seq = seq
        self.updated_ms = now


@dataclass(slots=True)
class Wallet:
    """The USDT collateral of one account, with WEEX's cumulative totals."""

    amount: Decimal
    created_ms: int
    updated_ms: int
    cum_deposit: Decimal = _ZERO
    cum_open_long: Decimal = _ZERO
    cum_open_short: Decimal = _ZERO
    cum_close_long: Decimal = _ZERO
    cum_close_short: Decimal = _ZERO
    cum_fill_fee: Decimal = _ZERO
    cum_funding: Decimal = _ZERO

    coin = "USDT"

    def deposit(self, amount: Decimal, now: int) -> None:
        """Credit ``amount`` (the opening balance counts as a deposit)."""
        self.amount += amount
        self.cum_deposit += amount
        self.updated_ms = now

    def fill(
        self,
        side: str,
        opening: bool,
        value: Decimal,
        fee: Decimal,
        pnl: Decimal,
        now: int,
    ) -> None:
        """Book one fill on a ``side`` position: fee paid and PnL realized."""
        if opening and side == LONG:
            self.cum_open_long += value
        elif opening:
            self.cum_open_short += value
        elif side == LONG:
            self.cum_close_long += value
        else:
            self.cum_close_short += value
        self.amount += pnl - fee
        self.cum_fill_fee += fee
        self.updated_ms = now

    def funding(self, paid: Decimal, now: int) -> None:
        """Book a funding payment (negative: received)."""
        self.amount -= paid
        self.cum_funding += paid
        self.updated_ms = now


@dataclass(frozen=True, slots=True)
class Balance:
    """What ``GET /capi/v3/account/balance`` reports for the USDT wallet."""

    amount: Decimal
    available: Decimal
    frozen: Decimal
    unrealized: Decimal
    equity: Decimal


class Account:
    """One API key's paper account: wallet, positions by symbol, resting orders.

    Attributes:
        orders: resting orders by id, oldest first.
        leverage: leverage chosen per symbol (others use the exchange default).
        version: the last event version ``v`` used (WEEX-WS.md §1.6).
    """

    __slots__ = ("api_key", "leverage", "orders", "positions", "version", "wallet")

    def __init__(self, api_key: str, wallet: Wallet) -> None:
        self.api_key = api_key
        self.wallet = wallet
        self.positions: dict[str, Position] = {}
        self.orders: dict[str, Order] = {}
        self.leverage: dict[str, int] = {}
        self.version = 0

    def reducible(self, symbol: str, side: str) -> int:
        """Units a ``side`` order on ``symbol`` would close (0: it would open)."""
        pos = self.positions.get(symbol)
        natural = LONG if side == BUY else SHORT
        return pos.size if pos is not None and pos.side != natural else 0

    def balance(self, mark: Callable[[str], int]) -> Balance:
        """Collateral, margin held (positions and resting orders) and PnL at mark."""
        unrealized = sum(
            (p.unrealized(mark(p.symbol)) for p in self.positions.values()), _ZERO
        )
        frozen = sum((p.margin for p in self.positions.values()), _ZERO)
        for order in self.orders.values():
            if not order.reduce_only:
                value = value_of(order.inst, order.price * order.remaining)
                frozen += money(value / order.leverage)
        equity = self.wallet.amount + unrealized
        available = max(_ZERO, equity - frozen)
        return Balance(self.wallet.amount, available, frozen, unrealized, equity)

    def execute(
        self,
        order: Order,
        price: int,
        units: int,
        *,
        maker: bool,
        rate: Decimal,
        ids: Callable[[], str],
        seq: Callable[[], int],
        now: int,
        leverage: int,
    ) -> tuple[list[Fill], list[Position]]:
        """Execute ``units`` of ``order`` at ``price``; return fills and positions.

        The opposite position is closed first; the rest opens or adds to a position
        (never for a reduce-only order), so a flip gives two fills. Positions are
        returned as copies in their state after the execution, a closed one with
        size 0 (it leaves :attr:`positions`).
        """
        symbol, inst = order.symbol, order.inst
        natural = LONG if order.side == BUY else SHORT
        fills: list[Fill] = []
        touched: dict[str, Position] = {}
        while units > 0:
            pos = self.positions.get(symbol)
            number = seq()
            if pos is not None and pos.side != natural:
                part = min(units, pos.size)
                value = value_of(inst, price * part)
                fee = money(value * rate)
                pnl = pos.reduce(part, price * part, fee, number, now)
                self.wallet.fill(pos.side, False, value, fee, pnl, now)
                if pos.size == 0:
                    del self.positions[symbol]
            elif order.reduce_only:
                break
            else:
                if pos is None:
                    pos = Position(ids(), inst, natural, leverage, number, now)
                    self.positions[symbol] = pos
                part = units
                value = value_of(inst, price * part)
                fee, pnl = money(value * rate), _ZERO
                pos.increase(part, price * part, fee, number, now)
                self.wallet.fill(natural, True, value, fee, pnl, now)
            fill = Fill(
                ids(), order.order_id, inst, order.side, pos.side, price, part,
                price * part, fee, pnl, maker, now,
            )  # fmt: skip
            order.record(fill)
            fills.append(fill)
            touched[pos.position_id] = copy.copy(pos)
            units -= part
        return fills, list(touched.values())

    def settle_funding(
        self, mark: Callable[[str], int], rate: Decimal, now: int
    ) -> list[Position]:
        """Charge every position ``rate`` of its mark value; return them.

        Longs pay and shorts receive for a positive rate.
        """
        for pos in self.positions.values():
            paid = money(value_of(pos.inst, mark(pos.symbol) * pos.size) * rate)
            if pos.side == SHORT:
                paid = -paid
            pos.settle_funding(paid, now)
            self.wallet.funding(paid, now)
        return list(self.positions.values())
