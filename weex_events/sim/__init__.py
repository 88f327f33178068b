"""``weex_events.sim``: an embedded WEEX V3 server for tests and demos.

It speaks WEEX's public WebSocket protocol and REST market endpoints from
``WEEX-WS.md`` with its own encoders (never the client's codec), over a deterministic,
seeded market, and can inject faults::

    async with Simulator(seed=1, speed=20) as sim:
        config = sim.config()          # a WeexConfig pointing at the simulator
        sim.faults.drop()              # abrupt TCP drop of every connection

Imports: stdlib, ``aiohttp``, ``orjson`` and (lazily) ``weex_events.config``.
"""

from __future__ import annotations

from .connection import ConnectionView
from .faults import Faults
from .instruments import DEFAULT_SYMBOLS, Instrument
from .market import MarketEngine, StepResult, TickerStats, Trade
from .public import EndpointStats
from .server import Simulator

__all__ = [
    "DEFAULT_SYMBOLS",
    "ConnectionView",
    "EndpointStats",
    "Faults",
    "Instrument",
    "MarketEngine",
    "Simulator",
    "StepResult",
    "TickerStats",
    "Trade",
]
