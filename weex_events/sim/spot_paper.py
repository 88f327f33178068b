"""The spot paper exchange: cash accounts per API key trading on the spot market.

Orders trade against the simulator's spot market (a
:class:`~weex_events.sim.market.MarketEngine` over ``sim.spot_instruments``) with
the contract paper exchange's order machinery (``sim.orders``: terms, book walk,
cross check, order and fill records): a market order, or the marketable part of a
limit order, takes the book level by level; the rest of a GTC limit order rests
and fills in full at its own price, as a maker, on the first step where the
opposite best price reaches it (:meth:`SpotExchange.on_step`). ``IOC`` cancels
what it could not take at once, ``FOK`` fills entirely or not at all. Spot has
only ``LIMIT``/``MARKET`` with ``GTC``/``IOC``/``FOK`` (WEEX-WS.md §1.7.5): no
``POST_ONLY``, no reduce-only, no leverage, no positions.

Money is cash (``sim.spot_ledger``): a buy needs the quote it spends (a resting
buy locks ``price × size``), a sell the base it sells (a resting sell locks it).
A fill moves quote to base (buy) or base to quote (sell); the fee is
``taker_fee_rate``/``maker_fee_rate`` of what the trade brings in, so it is paid
in base on a buy and in quote on a sell (§1.7.4), rounded half-up to 8 decimals.

Pushes (:class:`PrivateEvent`, to ``sink``) in order: ``orders`` (``PENDING``),
``orders`` (new status), ``fill``, then one ``account`` push per coin that
changed (every published spot ``account`` push carries one coin), each with the
account's next version ``v``. Funds locked or released without a trade push the
coin too. :meth:`SpotExchange.deposit` pushes ``account`` with ``DepositUpdate``.

Refusals raise :class:`OrderRejected`: -1121 invalid symbol, -1140 missing
parameter, -1141 illegal value, -2010 insufficient balance (``sim.spot_ledger``),
-2200 unknown order (``SPOT_ORDER_NOT_EXIST``, §1.7.7). A ``newClientOrderId``
already used by an active order returns that order, creating nothing (§1.7.5).

Pure and deterministic: no I/O, no clock. Imports: stdlib and ``sim.instruments``/
``sim.market``/``sim.orders``/``sim.private_events``/``sim.spot_ledger``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from .instruments import Instrument
from .market import MarketEngine
from .orders import (
    BUY,
    COULD_NOT_FILL,
    USER_CANCELED,
    Fill,
    Order,
    OrderRejected,
    OrderStatus,
    crossed,
    illegal,
    money,
    order_terms,
    value_of,
    walk,
)
from .private_events import ORDER_UPDATE, Item, PrivateEvent
from .spot_ledger import (
    ORDER_NOT_EXIST,
    CoinBalance,
    SpotAccount,
    amount_of,
    insufficient,
    require_id,
    spends,
)

__all__ = ["DEPOSIT_UPDATE", "SpotExchange"]

#: WEEX-WS.md §1.7.4: ``msgEvent`` of a deposit.
DEPOSIT_UPDATE = "DepositUpdate"
_ZERO = Decimal(0)


class SpotExchange:
    """Spot paper trading accounts over a spot :class:`MarketEngine`.

    Args:
        market: the spot market orders trade against.
        sink: called with every :class:`PrivateEvent` (``None``: discard them).
        taker_fee_rate: fee of liquidity-taking fills (WEEX spot: 0.1 %).
        maker_fee_rate: fee of resting-order fills.
    """

    def __init__(
        self,
        market: MarketEngine,
        *,
        sink: Callable[[PrivateEvent], None] | None = None,
        taker_fee_rate: str = "0.001",
        maker_fee_rate: str = "0.001",
    ) -> None:
        self.market = market
        self.sink = sink
        self.taker_fee_rate = Decimal(taker_fee_rate)
        self.maker_fee_rate = Decimal(maker_fee_rate)
        self._accounts: dict[str, SpotAccount] = {}
        self._ids = itertools.count(900_000_000_000_000_001)

    # -- accounts ---------------------------------------------------------------------

    def open_account(self, api_key: str, balances: Mapping[str, str | Decimal]) -> None:
        """Open the spot account of ``api_key`` holding ``balances`` (coin: amount).

        Raises:
            ValueError: the account exists or an amount is negative.
        """
        if api_key in self._accounts:
            raise ValueError("a spot account for this API key exists already")
        acct = SpotAccount(api_key)
        now = self.market.now_ms
        for coin, amount in balances.items():
            acct.credit(coin.upper(), amount_of(amount), now)
        self._accounts[api_key] = acct

    @property
    def api_keys(self) -> tuple[str, ...]:
        """API keys with a spot account, oldest first."""
        return tuple(self._accounts)

    def balances(self, api_key: str) -> list[CoinBalance]:
        """Every coin of ``api_key`` (live objects), oldest first."""
        return list(self._account(api_key).coins.values())

    def balance(self, api_key: str, coin: str) -> CoinBalance:
        """One coin of ``api_key`` (zero if it never held any; do not mutate)."""
        acct = self._account(api_key)
        return acct.coins.get(coin.upper()) or CoinBalance(
            coin.upper(), _ZERO, _ZERO, self.market.now_ms
        )

    def deposit(self, api_key: str, coin: str, amount: str | Decimal) -> None:
        """Credit ``amount`` of ``coin`` and push ``account`` (``DepositUpdate``)."""
        acct = self._account(api_key)
        acct.credit(coin.upper(), amount_of(amount), self.market.now_ms)
        self._push_coins(acct, [coin.upper()], DEPOSIT_UPDATE)

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[Order]:
        """Resting orders of ``api_key``, oldest first, all or for ``symbol``."""
        orders = self._account(api_key).orders.values()
        wanted = None if symbol is None else self._instrument(symbol).symbol
        return [o for o in orders if wanted in (None, o.symbol)]

    def orders(self, api_key: str, symbol: str) -> list[Order]:
        """Every order of ``api_key`` on ``symbol``, oldest first (live objects)."""
        wanted = self._instrument(symbol).symbol
        history = self._account(api_key).history.values()
        return [o for o in history if o.symbol == wanted]

    def order(
        self,
        api_key: str,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """One order by exchange id or client id (the latest with that client id).

        Raises:
            OrderRejected: -1140 without ids, -2200 no such order.
        """
        require_id(order_id, client_order_id)
        acct = self._account(api_key)
        for order in reversed([*acct.history.values(), *acct.orders.values()]):
            if order.order_id == order_id or (
                order_id is None and order.client_order_id == client_order_id
            ):
                return order
        raise OrderRejected(ORDER_NOT_EXIST, "Order does not exist.")

    def fills(self, api_key: str, symbol: str) -> list[Fill]:
        """Every fill of ``api_key`` on ``symbol``, oldest first."""
        wanted = self._instrument(symbol).symbol
        return [f for f in self._account(api_key).fills if f.inst.symbol == wanted]

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
        client_order_id: str | None = None,
    ) -> Order:
        """Accept an order and trade what it can now; return it (live object).

        Raises:
            OrderRejected: the order is invalid or the account cannot pay for it.
        """
        acct, inst = self._account(api_key), self._instrument(symbol)
        terms = order_terms(inst, side, type, quantity, price, time_in_force, None)
        if terms.time_in_force == "POST_ONLY":
            raise illegal("timeInForce")
        if client_order_id is not None:
            if not client_order_id:
                raise illegal("newClientOrderId")
            for live in acct.orders.values():
                if live.client_order_id == client_order_id:
                    return live  # WEEX-WS.md §1.7.5: idempotent while active
        now = self.market.now_ms
        book = self.market.book(inst.symbol)
        if terms.type == "LIMIT":
            coin, need = spends(inst, terms.side, terms.price, terms.size)
            acct.lock(coin, need, now)
        else:
            levels = walk(book, terms.side, terms.size, None)
            taken = sum(p * u for p, u in levels)
            coin, need = (
                (inst.quote, value_of(inst, taken))
                if terms.side == BUY
                else spends(inst, terms.side, 0, terms.size)
            )
            if need > acct.coin(coin, now).free:
                raise insufficient(coin)
        order_id = str(next(self._ids))
        order = Order(
            order_id=order_id,
            client_order_id=client_order_id or f"sim-{order_id}",
            inst=inst,
            side=terms.side,
            position_side="",
            type=terms.type,
            time_in_force=terms.time_in_force,
            price=terms.price,
            size=terms.size,
            reduce_only=False,
            leverage=1,
            taker_fee_rate=self.taker_fee_rate,
            maker_fee_rate=self.maker_fee_rate,
            created_ms=now,
            updated_ms=now,
        )
        acct.remember(order)
        self._emit(acct, "orders", ORDER_UPDATE, [order])
        self._take(acct, order)
        return order

    def cancel_order(
        self,
        api_key: str,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Cancel one resting order by exchange id or client id.

        Raises:
            OrderRejected: -1140 without ids, -2200 not a resting order.
        """
        require_id(order_id, client_order_id)
        acct = self._account(api_key)
        for order in tuple(acct.orders.values()):
            if order.order_id == order_id or (
                order_id is None and order.client_order_id == client_order_id
            ):
                self._cancel(acct, order)
                return order
        raise OrderRejected(ORDER_NOT_EXIST, "Order does not exist.")

    def cancel_all(self, api_key: str, symbol: str) -> list[Order]:
        """Cancel every resting order of ``api_key`` on ``symbol``; return them."""
        acct = self._account(api_key)
        orders = self.open_orders(api_key, symbol)
        for order in orders:
            self._cancel(acct, order)
        return orders

    # -- market steps ---------------------------------------------------------------

    def on_step(self) -> None:
        """Fill resting orders the market now reaches; call it after every step."""
        for acct in self._accounts.values():
            for order in tuple(acct.orders.values()):
                book = self.market.book(order.symbol)
                if crossed(book, order.side, order.price):
                    del acct.orders[order.order_id]
                    units = order.remaining
                    fill = self._execute(acct, order, order.price, units, True)
                    self._finish(acct, order, OrderStatus.FILLED, "", [fill])

    # -- internals --------------------------------------------------------------------

    def _account(self, api_key: str) -> SpotAccount:
        return self._accounts[api_key]  # KeyError: no account for this API key

    def _instrument(self, symbol: str) -> Instrument:
        upper = symbol.upper() if isinstance(symbol, str) else ""
        if upper not in self.market.symbols:
            raise OrderRejected(-1121, "Invalid symbol.")
        return self.market.instrument(upper)

    def _take(self, acct: SpotAccount, order: Order) -> None:
        """Trade a new order as a taker, then rest or cancel the rest."""
        book = self.market.book(order.symbol)
        limit = order.price if order.type == "LIMIT" else None
        levels = walk(book, order.side, order.size, limit)
        tif = order.time_in_force
        if tif == "FOK" and sum(units for _, units in levels) < order.size:
            self._release(acct, order)
            self._finish(acct, order, OrderStatus.CANCELED, COULD_NOT_FILL)
            return
        fills = [self._execute(acct, order, p, u, False) for p, u in levels]
        if order.remaining == 0:
            self._finish(acct, order, OrderStatus.FILLED, "", fills)
        elif tif == "GTC":
            acct.orders[order.order_id] = order
            status = OrderStatus.PARTIALLY_FILLED if fills else OrderStatus.OPEN
            self._finish(acct, order, status, "", fills)
        else:
            self._release(acct, order)
            self._finish(acct, order, OrderStatus.CANCELED, COULD_NOT_FILL, fills)

    def _execute(
        self, acct: SpotAccount, order: Order, price: int, units: int, maker: bool
    ) -> Fill:
        """Book ``units`` of ``order`` at ``price``: coins move, the fee is taken."""
        inst, now = order.inst, self.market.now_ms
        value = value_of(inst, price * units)
        size = Decimal(units).scaleb(-inst.size_decimals)
        rate = self.maker_fee_rate if maker else self.taker_fee_rate
        limit = order.type == "LIMIT"
        if order.side == BUY:
            if limit:
                acct.unlock(inst.quote, value_of(inst, order.price * units), now)
            acct.debit(inst.quote, value, now, locked=False)
            fee = money(size * rate)
            acct.credit(inst.base, size - fee, now)
        else:
            acct.debit(inst.base, size, now, locked=limit)
            fee = money(value * rate)
            acct.credit(inst.quote, value - fee, now)
        fill = Fill(
            str(next(self._ids)), order.order_id, inst, order.side, "", price,
            units, price * units, fee, _ZERO, maker, now,
        )  # fmt: skip
        order.record(fill)
        acct.fills.append(fill)
        return fill

    def _release(self, acct: SpotAccount, order: Order) -> None:
        """Unlock what a limit order still holds for its unfilled units."""
        if order.type == "LIMIT" and order.remaining:
            coin, held = spends(order.inst, order.side, order.price, order.remaining)
            acct.unlock(coin, held, self.market.now_ms)

    def _cancel(self, acct: SpotAccount, order: Order) -> None:
        del acct.orders[order.order_id]
        self._release(acct, order)
        self._finish(acct, order, OrderStatus.CANCELED, USER_CANCELED)

    def _finish(
        self,
        acct: SpotAccount,
        order: Order,
        status: OrderStatus,
        reason: str,
        fills: list[Fill] | None = None,
    ) -> None:
        """Set the order's status; push orders, fill and the coins that changed
        (a limit order locks or releases its coin even without fills)."""
        order.status = status
        if reason:
            order.cancel_reason = reason
        order.updated_ms = self.market.now_ms
        self._emit(acct, "orders", ORDER_UPDATE, [order])
        inst = order.inst
        coins = [inst.quote if order.side == BUY else inst.base]
        if fills:
            self._emit(acct, "fill", ORDER_UPDATE, fills)
            coins = [inst.base, inst.quote]
        elif order.type != "LIMIT":
            coins = []
        self._push_coins(acct, coins, ORDER_UPDATE)

    def _push_coins(self, acct: SpotAccount, coins: list[str], reason: str) -> None:
        for balance in acct.snapshot(coins):
            self._emit(acct, "account", reason, [balance])

    def _emit(
        self, acct: SpotAccount, channel: str, msg_event: str, items: Iterable[Item]
    ) -> None:
        acct.version += 1
        if self.sink is None:
            return
        snapshot = tuple(copy.copy(item) for item in items)
        event = PrivateEvent(
            acct.api_key, channel, msg_event, self.market.now_ms, acct.version, snapshot
        )
        self.sink(event)
