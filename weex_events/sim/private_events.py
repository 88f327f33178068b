"""``PrivateEvent``: one private push the paper exchange owes an account's sockets.

The paper exchange (``sim.paper``) creates them, ``sim.private_frames`` encodes them
as WEEX V3 pushes (WEEX-WS.md §1.6), ``sim.v2_frames`` as V2 ones (§2), and each
private ``sim.endpoint.Endpoint`` delivers them to the connections of the event's
API key subscribed to its channel.

Pure data. Imports: stdlib and ``sim.orders``/``sim.ledger``/``sim.spot_ledger``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ledger import Position, Wallet
from .orders import Fill, Order
from .spot_ledger import CoinBalance

__all__ = ["CHANNELS", "FUNDING_SETTLE", "ORDER_UPDATE", "Item", "PrivateEvent"]

#: WEEX-WS.md §1.6: the private channels (bare param names).
CHANNELS = ("account", "positions", "orders", "fill")
#: ``msgEvent`` of pushes caused by an order, and by a funding settlement.
ORDER_UPDATE = "OrderUpdate"
FUNDING_SETTLE = "PositionFundingSettle"

#: A spot account's pushes carry :class:`CoinBalance` items (``sim.spot_paper``).
Item = Order | Fill | Position | Wallet | CoinBalance


@dataclass(frozen=True, slots=True)
class PrivateEvent:
    """One private push owed to the connections of ``api_key``.

    Attributes:
        channel: ``orders``, ``fill``, ``positions`` or ``account``.
        msg_event: ``OrderUpdate`` or ``PositionFundingSettle``.
        time_ms: simulated time of the change (the push's ``E``).
        version: the account's event version ``v``, +1 per event.
        items: copies of the orders, fills, positions or the wallet, as they were.
    """

    api_key: str
    channel: str
    msg_event: str
    time_ms: int
    version: int
    items: tuple[Item, ...]
