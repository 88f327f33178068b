"""The paper exchange's memory: every order's latest state and every fill, per key.

:class:`History` is fed every :class:`PrivateEvent` the paper exchange emits (before
any fault can drop it on the way to a socket), so it is what the exchange *did*, not
what a client was told. The signed history endpoints (``sim.history_rest``) answer
from it. It lasts as long as the simulator: WEEX keeps a year, a test run is shorter.

Pure data. Imports: stdlib and ``sim.orders``/``sim.private_events``.
"""

from __future__ import annotations

from .orders import Fill, Order
from .private_events import PrivateEvent

__all__ = ["History"]


class History:
    """Orders by id (latest state, creation order) and fills (execution order)."""

    def __init__(self) -> None:
        self._orders: dict[str, dict[str, Order]] = {}
        self._fills: dict[str, list[Fill]] = {}

    def record(self, event: PrivateEvent) -> None:
        """Remember the orders and fills ``event`` carries (other channels: nothing)."""
        for item in event.items:
            if isinstance(item, Order):
                self._orders.setdefault(event.api_key, {})[item.order_id] = item
            elif isinstance(item, Fill):
                self._fills.setdefault(event.api_key, []).append(item)

    def order(self, api_key: str, order_id: str) -> Order | None:
        """The latest state of one order of ``api_key``, or ``None``."""
        return self._orders.get(api_key, {}).get(order_id)

    def orders(self, api_key: str) -> list[Order]:
        """Every order of ``api_key`` in its latest state, oldest first."""
        return list(self._orders.get(api_key, {}).values())

    def fills(self, api_key: str) -> list[Fill]:
        """Every fill of ``api_key``, in execution order."""
        return list(self._fills.get(api_key, ()))
