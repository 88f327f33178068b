"""The accounts side of the paper exchange: who holds what, and the pushes owed.

:class:`PaperAccounts` keeps one :class:`~weex_events.sim.ledger.Account` per API
key, answers the read-only questions the REST endpoints ask (wallet, positions,
resting orders, balance, and the order and fill history of ``sim.history``), and
numbers and sends the account's private events (:meth:`PaperAccounts._emit`): every
event gets the account's next version ``v`` (WEEX-WS.md §1.6) and is recorded in the
history before it goes to ``sink``. Trading lives in the subclass
:class:`~weex_events.sim.paper.PaperExchange`.

Pure and deterministic: no I/O, no clock (time is the market's ``now_ms``).
Imports: stdlib and ``sim.instruments``/``sim.market``/``sim.orders``/``sim.ledger``/
``sim.history``/``sim.private_events``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from decimal import Decimal

from .history import History
from .instruments import Instrument
from .ledger import Account, Balance, Position, Wallet
from .market import MarketEngine
from .orders import Order, OrderRejected, illegal, money
from .private_events import Item, PrivateEvent

__all__ = ["PaperAccounts"]


class PaperAccounts:
    """Accounts by API key over ``market``; events go to ``sink`` (``None``: none).

    Attributes:
        history: every order state and fill of every account (``sim.history``).
    """

    def __init__(
        self,
        market: MarketEngine,
        *,
        sink: Callable[[PrivateEvent], None] | None,
        leverage: int,
    ) -> None:
        self.market = market
        self.sink = sink
        self.leverage = leverage
        self.history = History()
        self._accounts: dict[str, Account] = {}

    # -- accounts -------------------------------------------------------------------

    def open_account(self, api_key: str, balance: str | Decimal = "100000") -> None:
        """Open the account of ``api_key`` with ``balance`` USDT of collateral.

        Raises:
            ValueError: the account exists or the balance is negative.
        """
        if api_key in self._accounts:
            raise ValueError("an account for this API key exists already")
        amount = Decimal(balance)
        if not amount.is_finite() or amount < 0:
            raise ValueError("balance must be a non-negative number")
        now = self.market.now_ms
        wallet = Wallet(Decimal(0), now, now)
        wallet.deposit(money(amount), now)
        self._accounts[api_key] = Account(api_key, wallet)

    @property
    def api_keys(self) -> tuple[str, ...]:
        """API keys with an account, oldest first."""
        return tuple(self._accounts)

    def set_leverage(self, api_key: str, symbol: str, leverage: int) -> None:
        """Use ``leverage`` for new orders on ``symbol`` (and its open position)."""
        acct, inst = self._account(api_key), self._instrument(symbol)
        if not 1 <= leverage <= inst.max_leverage:
            raise illegal("leverage")
        acct.leverage[inst.symbol] = leverage
        if inst.symbol in acct.positions:
            acct.positions[inst.symbol].leverage = leverage

    def wallet(self, api_key: str) -> Wallet:
        """The live wallet of ``api_key`` (do not mutate)."""
        return self._account(api_key).wallet

    def positions(self, api_key: str) -> list[Position]:
        """Open positions of ``api_key`` (live objects, do not mutate)."""
        return list(self._account(api_key).positions.values())

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[Order]:
        """Resting orders of ``api_key``, oldest first, all or for ``symbol``."""
        orders = self._account(api_key).orders.values()
        wanted = None if symbol is None else self._instrument(symbol).symbol
        return [o for o in orders if wanted is None or o.symbol == wanted]

    def balance(self, api_key: str) -> Balance:
        """Collateral, margin held and unrealized PnL at the mark price."""
        return self._account(api_key).balance(self._mark)

    def _account(self, api_key: str) -> Account:
        return self._accounts[api_key]  # KeyError: no account for this API key

    def _instrument(self, symbol: str) -> Instrument:
        upper = symbol.upper() if isinstance(symbol, str) else ""
        if upper not in self.market.symbols:
            raise OrderRejected(-1121, "Invalid symbol.")
        return self.market.instrument(upper)

    def _mark(self, symbol: str) -> int:
        return self.market.ticker(symbol).mark

    def _emit(
        self, acct: Account, channel: str, msg_event: str, items: Iterable[Item]
    ) -> None:
        acct.version += 1
        snapshot = tuple(copy.copy(item) for item in items)
        event = PrivateEvent(
            acct.api_key, channel, msg_event, self.market.now_ms, acct.version, snapshot
        )
        self.history.record(event)
        if self.sink is not None:
            self.sink(event)
