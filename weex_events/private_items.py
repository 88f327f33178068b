"""The data private-state code passes around: items, REST reads, account views.

:class:`PrivateItem` is one normalized private update (pushed, or read over REST);
:class:`RestSnapshot` one pass over the REST endpoints of WEEX-WS.md §3.1;
:class:`AccountState` the read-only account view of DESIGN.md §5; the value
helpers compare ``data`` whatever ``number_type`` produced it. The decisions
about them live in ``private_state``.

Pure data. Imports: ``events``, ``protocol`` and the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .events import StreamMessage
from .protocol.rest_items import item_time_ms

__all__ = [
    "AccountState",
    "PrivateItem",
    "RestSnapshot",
    "as_decimal",
    "is_zero",
    "same_values",
    "zero_like",
]


@dataclass(frozen=True, slots=True)
class PrivateItem:
    """One private update, pushed or read over REST, normalized (DESIGN.md §3).

    Attributes:
        kind: ``"order"``, ``"fill"``, ``"position"`` or ``"account"``.
        symbol: user-form symbol, or ``None`` (account items).
        data: the normalized fields, as a handler would receive them.
        time_ms: the item's update time in exchange ms, if known.
        raw: the exchange's object, untouched (``None`` for a synthesized item).
    """

    kind: str
    symbol: str | None
    data: dict[str, Any]
    time_ms: int | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_message(cls, msg: StreamMessage) -> PrivateItem:
        """The item a private :class:`~weex_events.StreamMessage` carries.

        Its time is the raw item's ``updatedTime`` (WEEX-WS.md §1.6).
        """
        return cls(msg.kind, msg.symbol, msg.data, item_time_ms(msg.raw), msg.raw)

    @property
    def event(self) -> str:
        """The event name: ``"order:BTCUSDT"``, or ``"account"``."""
        return self.kind if self.symbol is None else f"{self.kind}:{self.symbol}"


@dataclass(frozen=True, slots=True)
class RestSnapshot:
    """What one pass over the REST endpoints of WEEX-WS.md §3.1 read.

    Attributes:
        open_orders: every open order.
        orders: orders from the history and single-order lookups.
        fills: fills of the window read.
        positions: every open position (closed ones are absent).
        balances: one row per coin.
        server_ms: the exchange's time when the pass started.
    """

    open_orders: tuple[PrivateItem, ...] = ()
    orders: tuple[PrivateItem, ...] = ()
    fills: tuple[PrivateItem, ...] = ()
    positions: tuple[PrivateItem, ...] = ()
    balances: tuple[PrivateItem, ...] = ()
    server_ms: int | None = None


@dataclass(frozen=True, slots=True)
class AccountState:
    """A read-only view of the account as delivered (DESIGN.md §5).

    Attributes:
        open_orders: ``data`` of each live order, by order id.
        positions: ``data`` of each open position, by ``(symbol, side)``.
        balances: ``data`` of each balance, by coin.
        updated_at: exchange time (seconds) of the last update, or ``None``.
        version: the account version ``v`` of the last push that gave one.
    """

    open_orders: Mapping[str, Mapping[str, Any]]
    positions: Mapping[tuple[str, str], Mapping[str, Any]]
    balances: Mapping[str, Mapping[str, Any]]
    updated_at: float | None
    version: int | None


def as_decimal(value: Any) -> Decimal | None:
    """``value`` (text, ``Decimal``, ``float``, ``int``) as a finite ``Decimal``,
    or ``None`` when it is not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def same_values(
    new: Mapping[str, Any], old: Mapping[str, Any], keys: Iterable[str]
) -> bool:
    """Equal on every key both carry (numbers compared by value)."""
    for key in keys:
        if key in new and key in old:
            a, b = new[key], old[key]
            da, db = as_decimal(a), as_decimal(b)
            if (da != db) if da is not None and db is not None else a != b:
                return False
    return True


def is_zero(value: Any) -> bool:
    """Whether ``value`` is a number equal to zero."""
    number = as_decimal(value)
    return number is not None and number == 0


def zero_like(value: Any) -> Any:
    """Zero in the type (``number_type``) of ``value``."""
    if isinstance(value, Decimal):
        return Decimal(0)
    if isinstance(value, float):
        return 0.0
    return "0"
