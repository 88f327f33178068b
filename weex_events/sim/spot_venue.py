"""The spot venue: WEEX's spot host, served by the simulator beside contract.

WEEX runs spot on its own hosts with the contract V3 paths (``/v3/ws/public``,
``/v3/ws/private``; REST under ``/api/v3/``, WEEX-WS.md §1.7.1), and the same
symbol names a spot and a contract market (§1.7.2): clients tell them apart by
host. So the simulator serves spot on a second TCP port of the same process,
with its own aiohttp application: a :class:`SpotVenue` holds the spot market (a
:class:`~weex_events.sim.market.MarketEngine` over ``sim.spot_instruments``,
stepped with the contract one once the venue is awake), the two WebSocket
:class:`~weex_events.sim.endpoint.Endpoint` objects speaking :data:`SPOT`, the
spot paper exchange (``sim.spot_paper``) and the REST routes (``sim.spot_rest``).
The API keys are the contract ones (one ``Keyring``): a WEEX API key trades
both markets, and the private handshake signs ``/v3/ws/private`` on both hosts
(§1.7.1).

Imports: stdlib, ``aiohttp`` and ``sim.accounts``/``sim.connection``/
``sim.endpoint``/``sim.faults``/``sim.frames``/``sim.generations``/
``sim.instruments``/``sim.market``/``sim.spot_ledger``/
``sim.spot_channels``/``sim.spot_instruments``/``sim.spot_paper``/
``sim.spot_private_frames``/``sim.spot_rest``/``sim.v3_connection``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from . import frames, spot_channels, spot_private_frames
from .accounts import AuthFailure, Keyring
from .connection import Connection, ConnectionSettings
from .endpoint import DepthFaults, Endpoint
from .faults import Faults
from .generations import Generation
from .instruments import select
from .market import DEFAULT_START_MS, MarketEngine
from .private_events import PrivateEvent
from .spot_instruments import SPOT_INSTRUMENTS
from .spot_ledger import amount_of
from .spot_paper import SpotExchange
from .spot_rest import add_spot_routes
from .v3_connection import V3Connection

__all__ = ["SPOT", "SpotVenue"]


def _refusal(exc: AuthFailure, now_ms: int) -> dict[str, Any]:
    # WEEX-WS.md §1.2 [open], as contract: HTTP 401 + {"code","msg"}.
    return frames.rest_error(exc.code, exc.msg)


#: WEEX-WS.md §1.7: spot V3, the contract V3 protocol with spot's channels.
SPOT = Generation(
    public_path="/v3/ws/public",
    private_path="/v3/ws/private",
    connection=V3Connection,
    pushes=spot_channels.SPOT_PUSHES,
    public_channel=spot_channels.channel,
    private_channel=spot_channels.private,
    private_push=spot_private_frames.push,
    auth_refusal=_refusal,
)


@dataclass(frozen=True, slots=True)
class _Awake:
    market: MarketEngine
    public: Endpoint
    private: Endpoint
    paper: SpotExchange


class SpotVenue:
    """WEEX's spot host: market, endpoints, paper exchange and REST, on one app.

    The venue is **lazy**: it costs nothing until it is first used, so a
    contract-only user of the simulator pays no spot CPU. It wakes on the first
    request to the spot host (WebSocket or REST) or the first read of
    :attr:`market`, :attr:`paper`, ``public`` or ``private``; its market
    then starts at the simulated time of that moment (the contract market's: both
    move ``step_ms`` per step) from the simulator's seed, and steps with the
    contract market from then on. Same seed and same steps before and after the
    wake give the same spot frames.

    The :class:`~weex_events.sim.Simulator` builds it (``sim.spot``) from its own
    symbols, seed, times, faults, connection settings and API keys.
    """

    def __init__(
        self,
        symbols: Sequence[str] | None,
        engine: Mapping[str, Any],
        faults: Faults,
        settings: ConnectionSettings,
        keyring: Keyring,
    ) -> None:
        self._symbols = symbols
        self._engine = dict(engine)
        select(symbols, SPOT_INSTRUMENTS)  # unknown symbols fail now, not at wake
        self._now_ms: int = self._engine.pop("start_time_ms", DEFAULT_START_MS)
        self._faults = faults
        self._settings = settings
        self._keyring = keyring
        self._awake: _Awake | None = None
        self._accounts: dict[str, dict[str, str | Decimal]] = {}
        self.host = "127.0.0.1"
        self._app = web.Application()
        self._app.router.add_get(SPOT.public_path, self._public_ws)
        self._app.router.add_get(SPOT.private_path, self._private_ws)
        add_spot_routes(self._app, self, keyring)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- waking -----------------------------------------------------------------------

    @property
    def awake(self) -> bool:
        """Whether the spot market exists and steps (see the class docstring)."""
        return self._awake is not None

    def _wake(self) -> _Awake:
        if self._awake is None:
            market = MarketEngine(
                self._symbols,
                catalogue=SPOT_INSTRUMENTS,
                venue="spot",
                start_time_ms=self._now_ms,
                **self._engine,
            )
            faults, settings = self._faults, self._settings
            private = Endpoint(SPOT, market, faults, settings, self._keyring)

            def deliver(event: PrivateEvent) -> None:
                if not faults.take_private_drop():  # a lost push (Faults)
                    private.deliver(event)

            paper = SpotExchange(market, sink=deliver)
            for api_key, balances in self._accounts.items():
                paper.open_account(api_key, balances)
            public = Endpoint(SPOT, market, faults, settings)
            self._awake = _Awake(market, public, private, paper)
        return self._awake

    @property
    def market(self) -> MarketEngine:
        """The spot market, stepped with the contract one (wakes the venue)."""
        return self._wake().market

    @property
    def paper(self) -> SpotExchange:
        """The spot paper exchange: one cash account per API key (wakes)."""
        return self._wake().paper

    @property
    def public(self) -> Endpoint:
        """The spot public WebSocket endpoint (wakes the venue)."""
        return self._wake().public

    @property
    def private(self) -> Endpoint:
        """The spot private WebSocket endpoint (wakes the venue)."""
        return self._wake().private

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """The spot endpoints, public then private (none while asleep)."""
        awake = self._awake
        return () if awake is None else (awake.public, awake.private)

    @property
    def connections(self) -> tuple[Connection, ...]:
        """Open spot connections: public, then private."""
        return tuple(c for e in self.endpoints for c in e.connections)

    def open_account(self, api_key: str, balances: Mapping[str, str | Decimal]) -> None:
        """Open the spot cash account of ``api_key`` (now, or when the venue wakes).

        Raises:
            ValueError: the account exists or an amount is negative.
        """
        if self._awake is not None:
            self._awake.paper.open_account(api_key, balances)
            return
        if api_key in self._accounts:
            raise ValueError("a spot account for this API key exists already")
        for amount in balances.values():
            amount_of(amount)
        self._accounts[api_key] = dict(balances)

    async def _public_ws(self, request: web.Request) -> web.StreamResponse:
        return await self.public.handle(request)

    async def _private_ws(self, request: web.Request) -> web.StreamResponse:
        return await self.private.handle(request)

    # -- addresses --------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port of the spot host (``RuntimeError`` before start)."""
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def rest_url(self) -> str:
        """``http://host:spot_port``: the spot REST base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_public_url(self) -> str:
        """``ws://host:spot_port/v3/ws/public``."""
        return f"ws://{self.host}:{self.port}{SPOT.public_path}"

    @property
    def ws_private_url(self) -> str:
        """``ws://host:spot_port/v3/ws/private``."""
        return f"ws://{self.host}:{self.port}{SPOT.private_path}"

    def urls(self, protocol: str = "v3") -> tuple[str, str, str]:
        """``(ws_public_url, ws_private_url, rest_url)`` of the spot host.

        Raises:
            ValueError: ``protocol`` is not ``"v3"`` (spot is served on V3 only).
        """
        if protocol != "v3":
            raise ValueError("the simulator serves spot on V3 only")
        return self.ws_public_url, self.ws_private_url, self.rest_url

    def exports(self) -> str:
        """The spot host's addresses and, commented out, the ``export`` lines of a
        spot client: pasting the whole ``weex-events sim`` output still configures
        contract, and a spot user uncomments these."""
        lines = (
            "export WEEX_MARKET=spot",
            f"export WEEX_WS_PUBLIC_URL={self.ws_public_url}",
            f"export WEEX_WS_PRIVATE_URL={self.ws_private_url}",
            f"export WEEX_REST_URL={self.rest_url}",
        )
        return (
            f"WEEX spot simulator (spot market) on {self.host}:{self.port}\n"
            f"  spot public WebSocket:  {self.ws_public_url}\n"
            f"  spot private WebSocket: {self.ws_private_url}\n"
            f"  spot REST:              {self.rest_url}\n"
            "# For a SPOT client (same credentials), export these instead:\n"
            + "".join(f"# {line}\n" for line in lines)
        )

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, host: str, beside: int) -> None:
        """Bind the spot host on ``host`` and serve.

        The port is ``beside + 1`` (the contract port asked for, plus one), or any
        free one when ``beside`` is 0.
        """
        self.host = host
        port = beside + 1 if beside else 0
        runner = web.AppRunner(
            self._app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def cleanup(self) -> None:
        """Close every spot connection (code 1001) and stop serving."""
        for endpoint in self.endpoints:
            await endpoint.close_all()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def advance(self, depth_faults: DepthFaults) -> None:
        """One simulator step: the spot market steps, publishes and fills resting
        spot orders; asleep, only the venue's clock moves."""
        awake = self._awake
        if awake is None:
            self._now_ms += self._engine.get("step_ms", 100)
            return
        step = awake.market.step()
        awake.public.publish(step, depth_faults)
        awake.paper.on_step()
