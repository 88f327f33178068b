"""The contract host: its aiohttp application, four WebSocket endpoints and routes.

A :class:`ContractHost` is what ``api-contract``/``ws-contract`` are to WEEX: the
V3 and legacy V2 WebSocket endpoints (public and private, one
:class:`~weex_events.sim.endpoint.Endpoint` each, WEEX-WS.md §1.1 and §2), the
REST market routes of both generations and the signed trading routes, all on one
:class:`aiohttp.web.Application`. It fans a market step out to the public
endpoints and a paper exchange's private events out to the private ones. The
:class:`~weex_events.sim.server.Simulator` owns its lifecycle (binding, the pacer,
stopping); the spot host is :class:`~weex_events.sim.spot_venue.SpotVenue`.

Imports: stdlib, ``aiohttp``, ``sim.accounts``, ``sim.connection``,
``sim.endpoint``, ``sim.faults``, ``sim.generations``, ``sim.market``,
``sim.paper``, ``sim.private_events``, ``sim.replay``, ``sim.rest``,
``sim.trading_rest``, ``sim.v2_rest``.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from .accounts import Keyring
from .connection import Connection, ConnectionSettings
from .endpoint import DepthFaults, Endpoint
from .faults import Faults
from .generations import V2, V3
from .market import MarketEngine, StepResult
from .paper import PaperExchange
from .private_events import PrivateEvent
from .replay import Replay
from .rest import add_routes
from .trading_rest import add_trading_routes
from .v2_rest import add_v2_routes

__all__ = ["ContractHost"]


class ContractHost:
    """The contract market's endpoints and routes on one aiohttp application.

    Args:
        market: the contract market the endpoints serve.
        faults: the simulator's fault switches.
        settings: V3 connection limits; V2 differs only by ``v2_ping_interval``.
        v2_ping_interval: real seconds between server pings on the V2 endpoints.
        keyring: the API keys the private endpoints and signed REST accept.
        replay: a recording the V3 public endpoint serves instead of the market.
    """

    def __init__(
        self,
        market: MarketEngine,
        faults: Faults,
        settings: ConnectionSettings,
        v2_ping_interval: float,
        keyring: Keyring,
        replay: Replay | None = None,
    ) -> None:
        self.market = market
        self.keyring = keyring
        v3 = V3 if replay is None else replay.serving(V3)
        self.public = Endpoint(v3, market, faults, settings)
        if replay is not None:
            replay.attach(lambda: self.public.connections)
        self.private = Endpoint(V3, market, faults, settings, keyring)
        v2 = replace(settings, ping_interval=v2_ping_interval)
        self.v2_public = Endpoint(V2, market, faults, v2)
        self.v2_private = Endpoint(V2, market, faults, v2, keyring)
        #: V3 public, private, V2 public, private: ``Simulator.connections`` order.
        self.endpoints = (self.public, self.private, self.v2_public, self.v2_private)
        self.app = web.Application()
        for endpoint in self.endpoints:
            self.app.router.add_get(endpoint.path, endpoint.handle)
        add_routes(self.app, market)
        add_v2_routes(self.app, market, keyring)

    def add_trading(self, paper: PaperExchange) -> None:
        """Serve ``paper`` on the signed REST trading routes (before start)."""
        add_trading_routes(self.app, self.market, paper, self.keyring)

    @staticmethod
    def urls(host: str, port: int, protocol: str = "v3") -> tuple[str, str, str]:
        """``(public WebSocket, private WebSocket, REST)`` URLs of ``protocol``."""
        generation = V2 if protocol == "v2" else V3
        base = f"ws://{host}:{port}"
        return (
            base + generation.public_path,
            base + generation.private_path,
            f"http://{host}:{port}",
        )

    @property
    def connections(self) -> list[Connection]:
        """Every open connection, in :attr:`endpoints` order."""
        return [c for e in self.endpoints for c in e.connections]

    def publish(self, step: StepResult, depth_faults: DepthFaults) -> None:
        """Push one market step to both generations' public subscribers."""
        self.v2_public.publish(step, depth_faults)
        self.public.publish(step, depth_faults)

    def deliver(self, event: PrivateEvent) -> None:
        """Push a paper-exchange event to both generations' private sockets."""
        self.private.deliver(event)
        self.v2_private.deliver(event)

    async def close_all(self) -> None:
        """Close every connection (code 1001)."""
        for endpoint in self.endpoints:
            await endpoint.close_all()
