"""``weex_events.sim``: an embedded WEEX server for tests and demos.

It speaks WEEX's public and private WebSocket protocols and REST endpoints from
``WEEX-WS.md``, V3 and the legacy V2, with its own encoders (never the client's
codec), over a deterministic, seeded market with a paper exchange trading on it,
and can inject faults::

    async with Simulator(seed=1, speed=20) as sim:
        config = sim.config()          # a WeexConfig pointing at the simulator,
                                       # with the default account's credentials
        legacy = sim.config(protocol="v2")  # the same, on the V2 endpoints
        spot = sim.config(market="spot")    # the spot host (``sim.spot``)
        sim.faults.drop()              # abrupt TCP drop of every connection
        sim.move("BTCUSDT", "99000")   # walk the market through resting orders

Imports: stdlib, ``aiohttp``, ``orjson`` and (lazily) ``weex_events.config``.
"""

from __future__ import annotations

from .connection import ConnectionView
from .endpoint import EndpointStats
from .faults import Faults
from .instruments import DEFAULT_SYMBOLS, Instrument
from .ledger import Balance, Position, Wallet
from .market import MarketEngine, StepResult, TickerStats, Trade
from .orders import Fill, Order, OrderRejected, OrderStatus
from .paper import PaperExchange
from .private_events import PrivateEvent
from .server import Simulator
from .spot_ledger import CoinBalance
from .spot_paper import SpotExchange
from .spot_venue import SpotVenue

__all__ = [
    "DEFAULT_SYMBOLS",
    "Balance",
    "CoinBalance",
    "ConnectionView",
    "EndpointStats",
    "Faults",
    "Fill",
    "Instrument",
    "MarketEngine",
    "Order",
    "OrderRejected",
    "OrderStatus",
    "PaperExchange",
    "Position",
    "PrivateEvent",
    "Simulator",
    "SpotExchange",
    "SpotVenue",
    "StepResult",
    "TickerStats",
    "Trade",
    "Wallet",
]
