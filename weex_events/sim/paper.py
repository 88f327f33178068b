"""The paper exchange: one simulated USDT-margined trading account per API key.

Orders trade against the simulator's market (:class:`MarketEngine`) without changing
it: a market order, or the marketable part of a limit order, takes the book level by
level as a taker; the rest of a GTC limit order rests and fills in full at its own
price, as a maker, on the first market step where the opposite best price reaches
it (:meth:`PaperExchange.on_step`). ``IOC`` cancels what it could not take at once,
``FOK`` fills entirely or not at all, ``POST_ONLY`` is rejected if it would take.
Fees are ``taker_fee_rate``/``maker_fee_rate`` of each fill's value; positions are
one-way (see ``ledger``); every ``funding_interval_ms`` of simulated time each
position pays ``funding_rate`` of its mark value (shorts receive it).

Every change goes to ``sink`` as :class:`PrivateEvent` objects in WEEX's push order
(WEEX-WS.md §1.6): for an order that trades, ``orders`` (``PENDING``), ``orders``
(new status), ``fill``, ``positions``, ``account``; each with the account's next
version ``v`` and copies of the items (see ``sim.paper_accounts``, which also keeps
the accounts and their history).

Refusals raise :class:`OrderRejected` with WEEX V3 codes: -1121 invalid symbol,
-1140 missing parameter, -1141 illegal value and, Binance-style as V3's REST is,
-2011 unknown order, -2019 margin insufficient, -2022 reduce-only rejected. No
order exists after a refusal.

Pure and deterministic: no I/O, no clock (time is the market's ``now_ms``).
Imports: stdlib and ``sim.market``/``sim.orders``/``sim.ledger``/
``sim.paper_accounts``/``sim.private_events``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal

from .ledger import LONG, SHORT, Account, Position
from .market import MarketEngine
from .orders import (
    BUY,
    COULD_NOT_FILL,
    POST_ONLY_REJECTED,
    REDUCE_ONLY_CANCELED,
    SELL,
    USER_CANCELED,
    Fill,
    Order,
    OrderRejected,
    OrderStatus,
    crossed,
    illegal,
    order_terms,
    value_of,
    walk,
)
from .paper_accounts import PaperAccounts
from .private_events import FUNDING_SETTLE, ORDER_UPDATE, PrivateEvent

__all__ = ["PaperExchange"]


class PaperExchange(PaperAccounts):
    """Paper trading accounts over a :class:`MarketEngine` (see the module doc).

    Args:
        market: the simulated market orders trade against.
        sink: called with every :class:`PrivateEvent` (``None``: discard them).
        leverage: default leverage of new positions.
        taker_fee_rate: fee of liquidity-taking fills, a fraction of their value.
        maker_fee_rate: fee of resting-order fills.
        funding_interval_ms: simulated ms between funding settlements.
        funding_rate: the fraction of a position's mark value paid per settlement.
    """

    def __init__(
        self,
        market: MarketEngine,
        *,
        sink: Callable[[PrivateEvent], None] | None = None,
        leverage: int = 20,
        taker_fee_rate: str = "0.0006",
        maker_fee_rate: str = "0.0002",
        funding_interval_ms: int = 60_000,
        funding_rate: str = "0.0001",
    ) -> None:
        if funding_interval_ms < 1 or leverage < 1:
            raise ValueError("funding_interval_ms and leverage must be positive")
        super().__init__(market, sink=sink, leverage=leverage)
        self.taker_fee_rate = Decimal(taker_fee_rate)
        self.maker_fee_rate = Decimal(maker_fee_rate)
        self.funding_interval_ms = funding_interval_ms
        self.funding_rate = Decimal(funding_rate)
        self.next_funding_ms = 0
        self._schedule_funding()
        self._ids = itertools.count(700_000_000_000_000_001)
        self._seq = itertools.count(5_000_000_001)

    # -- orders -----------------------------------------------------------------------

    def place_order(
        self,
        api_key: str,
        symbol: str,
        side: str,
        quantity: str | Decimal | int,
        *,
        type: str = "MARKET",
        price: str | Decimal | int | None = None,
        time_in_force: str | None = None,
        reduce_only: bool = False,
        client_order_id: str | None = None,
        position_side: str | None = None,
    ) -> Order:
        """Accept an order and trade what it can now; return it (live object).

        Raises:
            OrderRejected: the order is invalid or cannot be accepted.
        """
        acct, inst = self._account(api_key), self._instrument(symbol)
        terms = order_terms(
            inst, side, type, quantity, price, time_in_force, position_side
        )
        side = terms.side
        if client_order_id is not None and (
            not client_order_id
            or any(o.client_order_id == client_order_id for o in acct.orders.values())
        ):
            raise illegal("newClientOrderId")
        natural = LONG if side == BUY else SHORT
        reducible = acct.reducible(inst.symbol, side)
        if reduce_only and not reducible:
            raise OrderRejected(-2022, "ReduceOnly Order is rejected.")
        held = acct.positions.get(inst.symbol)
        leverage = acct.leverage.get(inst.symbol, self.leverage)
        if not reduce_only:
            more = terms.size - reducible
            self._check_margin(acct, inst.symbol, side, more, terms.price)
        now = self.market.now_ms
        order_id = str(next(self._ids))
        order = Order(
            order_id=order_id,
            client_order_id=client_order_id or f"sim-{order_id}",
            inst=inst,
            side=side,
            position_side=held.side if reducible and held else natural,
            type=terms.type,
            time_in_force=terms.time_in_force,
            price=terms.price,
            size=terms.size,
            reduce_only=reduce_only,
            leverage=leverage,
            taker_fee_rate=self.taker_fee_rate,
            maker_fee_rate=self.maker_fee_rate,
            created_ms=now,
            updated_ms=now,
        )
        self._emit(acct, "orders", ORDER_UPDATE, [order])
        self._take(acct, order)
        return order

    def cancel_order(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Cancel one resting order by exchange id or client id.

        Raises:
            OrderRejected: -1140 without ids, -1121 bad symbol, -2011 not open.
        """
        if order_id is None and client_order_id is None:
            raise OrderRejected(
                -1140, "Either orderId or origClientOrderId must be sent."
            )
        for order in self.open_orders(api_key, symbol):
            if order.order_id == order_id or (
                order_id is None and order.client_order_id == client_order_id
            ):
                self._cancel(self._account(api_key), order, USER_CANCELED)
                return order
        raise OrderRejected(-2011, "Unknown order sent.")

    def cancel_all(self, api_key: str, symbol: str | None = None) -> list[Order]:
        """Cancel every resting order of ``api_key`` (of ``symbol``); return them."""
        orders = self.open_orders(api_key, symbol)
        acct = self._account(api_key)
        for order in orders:
            self._cancel(acct, order, USER_CANCELED)
        return orders

    def close_positions(
        self, api_key: str, symbol: str | None = None
    ) -> list[tuple[Position, Order]]:
        """Close positions at market with reduce-only orders; ``(position, order)``."""
        acct = self._account(api_key)
        wanted = None if symbol is None else self._instrument(symbol).symbol
        closing = [p for p in acct.positions.values() if wanted in (None, p.symbol)]
        done = []
        for pos in closing:
            side = SELL if pos.side == LONG else BUY
            size = pos.inst.size(pos.size)
            order = self.place_order(api_key, pos.symbol, side, size, reduce_only=True)
            done.append((pos, order))
        return done

    # -- market steps ---------------------------------------------------------------

    def on_step(self) -> None:
        """Fill resting orders the market now reaches; settle funding when due.

        Call it after every market step.
        """
        for acct in self._accounts.values():
            for order in tuple(acct.orders.values()):
                book = self.market.book(order.symbol)
                if crossed(book, order.side, order.price):
                    self._fill_resting(acct, order)
        now = self.market.now_ms
        if now >= self.next_funding_ms:
            self._schedule_funding()
            for acct in self._accounts.values():
                settled = acct.settle_funding(self._mark, self.funding_rate, now)
                if settled:
                    self._emit(acct, "positions", FUNDING_SETTLE, settled)
                    self._emit(acct, "account", FUNDING_SETTLE, [acct.wallet])

    # -- internals --------------------------------------------------------------------

    def _schedule_funding(self) -> None:
        # Settlements fall on multiples of the interval, like WEEX's fixed hours.
        interval = self.funding_interval_ms
        self.next_funding_ms = (self.market.now_ms // interval + 1) * interval

    def _check_margin(
        self, acct: Account, symbol: str, side: str, units: int, ticks: int
    ) -> None:
        if units <= 0:
            return
        if not ticks:
            levels = walk(self.market.book(symbol), side, 1, None)
            ticks = levels[0][0] if levels else self._mark(symbol)
        leverage = acct.leverage.get(symbol, self.leverage)
        inst = self.market.instrument(symbol)
        needed = value_of(inst, ticks * units) / leverage
        if needed > acct.balance(self._mark).available:
            raise OrderRejected(-2019, "Margin is insufficient.")

    def _take(self, acct: Account, order: Order) -> None:
        """Trade a new order as a taker, then rest, cancel or reject the rest."""
        book = self.market.book(order.symbol)
        tif = order.time_in_force
        if tif == "POST_ONLY" and crossed(book, order.side, order.price):
            self._finish(acct, order, OrderStatus.REJECTED, POST_ONLY_REJECTED)
            return
        want = order.size
        if order.reduce_only:
            want = min(want, acct.reducible(order.symbol, order.side))
        limit = order.price if order.type == "LIMIT" else None
        levels = walk(book, order.side, want, limit)
        if tif == "FOK" and sum(units for _, units in levels) < order.size:
            self._finish(acct, order, OrderStatus.CANCELED, COULD_NOT_FILL)
            return
        fills, positions = self._execute(acct, order, levels, maker=False)
        if order.remaining == 0:
            status, reason = OrderStatus.FILLED, ""
        elif tif in ("GTC", "POST_ONLY"):
            status = OrderStatus.PARTIALLY_FILLED if fills else OrderStatus.OPEN
            reason = ""
            acct.orders[order.order_id] = order
        else:
            status = OrderStatus.CANCELED
            reason = REDUCE_ONLY_CANCELED if want < order.size else COULD_NOT_FILL
        self._finish(acct, order, status, reason, fills, positions)

    def _fill_resting(self, acct: Account, order: Order) -> None:
        units = order.remaining
        if order.reduce_only:
            units = min(units, acct.reducible(order.symbol, order.side))
        levels = [(order.price, units)] if units else []
        fills, positions = self._execute(acct, order, levels, maker=True)
        if order.remaining == 0:
            status, reason = OrderStatus.FILLED, ""
        else:
            status, reason = OrderStatus.CANCELED, REDUCE_ONLY_CANCELED
        del acct.orders[order.order_id]
        self._finish(acct, order, status, reason, fills, positions)

    def _execute(
        self, acct: Account, order: Order, levels: list[tuple[int, int]], maker: bool
    ) -> tuple[list[Fill], list[Position]]:
        fills: list[Fill] = []
        touched: dict[str, Position] = {}
        for price, units in levels:
            new, positions = acct.execute(
                order,
                price,
                units,
                maker=maker,
                rate=self.maker_fee_rate if maker else self.taker_fee_rate,
                ids=lambda: str(next(self._ids)),
                seq=self._seq.__next__,
                now=self.market.now_ms,
                leverage=acct.leverage.get(order.symbol, self.leverage),
            )
            fills += new
            touched.update((p.position_id, p) for p in positions)
        return fills, list(touched.values())

    def _cancel(self, acct: Account, order: Order, reason: str) -> None:
        del acct.orders[order.order_id]
        self._finish(acct, order, OrderStatus.CANCELED, reason)

    def _finish(
        self,
        acct: Account,
        order: Order,
        status: OrderStatus,
        reason: str,
        fills: Sequence[Fill] = (),
        positions: Sequence[Position] = (),
    ) -> None:
        """Set the order's new status and push orders, fill, positions, account."""
        order.status = status
        if reason:
            order.cancel_reason = reason
        order.updated_ms = self.market.now_ms
        self._emit(acct, "orders", ORDER_UPDATE, [order])
        if fills:
            self._emit(acct, "fill", ORDER_UPDATE, fills)
            self._emit(acct, "positions", ORDER_UPDATE, positions)
            self._emit(acct, "account", ORDER_UPDATE, [acct.wallet])
