"""``Simulator``: the embedded WEEX server's lifecycle and market controls.

The contract host (:class:`~weex_events.sim.contract_host.ContractHost`: V3 and
legacy V2 WebSockets, REST market and signed trading routes, WEEX-WS.md §1-§3)
and the spot host (:class:`~weex_events.sim.spot_venue.SpotVenue`, §1.7) serve
one deterministic :class:`~weex_events.sim.market.MarketEngine` and a paper
exchange (:class:`~weex_events.sim.paper.PaperExchange`). A pacer task
(``sim.pacer``) steps the market every ``step_ms / speed`` real seconds and
publishes what changed (resting paper orders fill, funding settles);
:meth:`Simulator.pause` freezes it, :meth:`Simulator.step` advances it by hand
and :meth:`Simulator.move` walks a symbol to a chosen price.

Simulated time starts at ``start_time_ms`` (default: the wall clock at
construction) and moves ``step_ms`` per step (``speed`` times real time); every
timestamp sent (``E``, ``time``, ``serverTime``) is simulated time. Server pings
and protocol limits use real time. With ``replay=path`` the V3 public WebSocket
serves a recording (``sim.replay``).

Imports: stdlib, ``aiohttp``, the ``sim`` modules, ``recording`` (through
``sim.replay``) and, lazily, ``weex_events.config``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .accounts import Keyring
from .connection import ConnectionSettings, ConnectionView
from .contract_host import ContractHost
from .endpoint import EndpointStats
from .faults import Faults
from .market import MarketEngine
from .pacer import Pacer
from .paper import PaperExchange
from .private_events import PrivateEvent
from .replay import Replay
from .spot_venue import SpotVenue

if TYPE_CHECKING:
    from os import PathLike

    from ..config import WeexConfig

__all__ = ["Simulator"]


class Simulator:
    """A WEEX V3 server on ``host:port`` (0: any free port); spot on ``port + 1``.

    Market data for everyone; paper trading for the API keys it knows (one by
    default, more with :meth:`add_account`), on the signed private WebSocket and the
    signed REST endpoints. ``sim.paper`` is the :class:`PaperExchange` behind them.

    Args:
        seed: seed of the market; same seed and same steps give the same frames.
        speed: market speed factor: steps, tickers and depth pushes come ``speed``
            times as often (``speed=20``: tickers every 5-15 ms, depth every 5 ms).
        host: interface to bind.
        port: TCP port; 0 picks a free one (read :attr:`port` after :meth:`start`).
        symbols: simulated symbols (default: all 10 built in).
        ping_interval: real seconds between server pings (not scaled by ``speed``).
        v2_ping_interval: the same on the V2 endpoints (WEEX-WS.md §2 [open]: 30 s).
        max_unanswered_pings: a connection is closed (code 4000) when more than this
            many server pings are left without a ``PONG``.
        max_channels: channels allowed per connection.
        max_ops_per_hour: subscribe/unsubscribe params allowed per connection and
            hour.
        max_rejects: rejected commands after which a connection is closed with
            code 1007.
        ticker_interval: range, in simulated seconds, of the random delay between
            ticker pushes of a symbol.
        depth_interval: simulated seconds between depth pushes.
        start_time_ms: simulated time before the first step.
        trade_history: trades in a ``tradeSnapshot``.
        kline_history: closed bars in a ``klineSnapshot``.
        api_key: the default account's API key (see :meth:`add_account`).
        secret_key: its secret.
        passphrase: its passphrase.
        balance: its opening USDT collateral.
        funding_interval: simulated seconds between funding settlements of the
            paper exchange's positions.
        replay: a V3 contract recording for the V3 public WebSocket to serve
            instead of the market, at the recorded pace times ``speed`` (see
            :doc:`recording`); the market then stands still. A bad file raises
            :class:`~weex_events.RecordingError`.

    The market steps every ``min(depth_interval, ticker_interval[0])`` simulated
    seconds; intervals are rounded to whole steps.
    """

    def __init__(
        self,
        *,
        seed: int = 1,
        speed: float = 1.0,
        host: str = "127.0.0.1",
        port: int = 0,
        symbols: Sequence[str] | None = None,
        ping_interval: float = 60.0,
        v2_ping_interval: float = 30.0,
        max_unanswered_pings: int = 5,
        max_channels: int = 100,
        max_ops_per_hour: int = 240,
        max_rejects: int = 6,
        ticker_interval: tuple[float, float] = (0.1, 0.3),
        depth_interval: float = 0.1,
        start_time_ms: int | None = None,
        trade_history: int = 50,
        kline_history: int = 100,
        api_key: str = "sim-key",
        secret_key: str = "sim-secret",
        passphrase: str = "sim-pass",
        balance: str | Decimal = "100000",
        funding_interval: float = 60.0,
        replay: str | PathLike[str] | None = None,
    ) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        if not ping_interval > 0 or not v2_ping_interval > 0:
            raise ValueError("ping_interval and v2_ping_interval must be positive")
        if not funding_interval > 0:
            raise ValueError("funding_interval must be positive")
        if not depth_interval > 0 or not 0 < ticker_interval[0] <= ticker_interval[1]:
            raise ValueError(
                "intervals must be positive, ticker_interval as (low, high)"
            )
        step_ms = max(1, round(min(depth_interval, ticker_interval[0]) * 1000))
        if start_time_ms is None:
            start_time_ms = int(time.time() * 1000) // step_ms * step_ms
        self.speed = float(speed)
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        engine: dict[str, Any] = dict(
            seed=seed,
            start_time_ms=start_time_ms,
            step_ms=step_ms,
            ticker_interval_ms=(
                max(1, round(ticker_interval[0] * 1000)),
                max(1, round(ticker_interval[1] * 1000)),
            ),
            depth_every=max(1, round(depth_interval * 1000 / step_ms)),
            trade_history=trade_history,
            kline_history=kline_history,
        )
        self.market = MarketEngine(symbols, **engine)
        self.faults = Faults(
            lambda: self._host.connections + list(self.spot.connections)
        )
        settings = ConnectionSettings(
            ping_interval=ping_interval,
            max_unanswered_pings=max_unanswered_pings,
            max_channels=max_channels,
            max_ops_per_hour=max_ops_per_hour,
            max_rejects=max_rejects,
        )
        self._replay = None if replay is None else Replay.load(replay, self.speed)
        #: The API keys the private endpoint and signed REST accept.
        self.keyring = Keyring()
        self._host = ContractHost(
            self.market,
            self.faults,
            settings,
            v2_ping_interval,
            self.keyring,
            self._replay,
        )
        self.spot = SpotVenue(symbols, engine, self.faults, settings, self.keyring)
        #: The paper exchange: one account per API key (inspect it in tests).
        self.paper = PaperExchange(
            self.market,
            sink=self._deliver,
            funding_interval_ms=max(1, round(funding_interval * 1000)),
        )
        self.api_key = api_key
        self._default = self.keyring.add(api_key, secret_key, passphrase)
        self.paper.open_account(api_key, balance)
        self.spot.open_account(api_key, {"USDT": balance})
        self._host.add_trading(self.paper)
        self._runner: web.AppRunner | None = None
        self._pacer = Pacer(self._advance)

    # -- addresses ------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port (``RuntimeError`` before :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def rest_url(self) -> str:
        """``http://host:port``: the REST base URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_public_url(self) -> str:
        """``ws://host:port/v3/ws/public``."""
        return self._host.urls(self.host, self.port)[0]

    @property
    def ws_private_url(self) -> str:
        """``ws://host:port/v3/ws/private``."""
        return self._host.urls(self.host, self.port)[1]

    def config(
        self, *, credentials: bool = True, protocol: str = "v3", **overrides: Any
    ) -> WeexConfig:
        """A :class:`~weex_events.WeexConfig` pointing at this simulator.

        ``protocol="v2"`` selects the legacy ``/v2/ws/...`` URLs, ``market="spot"``
        the spot host (V3 only). With ``credentials`` (the default) it carries the
        default account's ``api_key``, ``secret_key`` and ``passphrase``;
        ``credentials=False`` leaves them out. ``overrides`` win over all of these.
        """
        from ..config import WeexConfig  # lazy: keep the simulator importable alone

        if overrides.get("market") == "spot":
            public, private, rest = self.spot.urls(protocol)
        else:
            public, private, rest = self._host.urls(self.host, self.port, protocol)
        fields: dict[str, Any] = {
            "protocol": protocol,
            "ws_public_url": public,
            "ws_private_url": private,
            "rest_url": rest,
        }
        if credentials:
            key = self._default
            fields.update(
                api_key=key.api_key, secret_key=key.secret, passphrase=key.passphrase
            )
        fields.update(overrides)
        return WeexConfig(**fields)

    def add_account(
        self,
        api_key: str,
        secret_key: str,
        passphrase: str,
        balance: str | Decimal = "100000",
    ) -> None:
        """Accept another API key, with its own paper account of ``balance`` USDT.

        Raises:
            ValueError: the key is known already, or a value is empty.
        """
        if api_key in self.keyring:
            raise ValueError("this API key is known already")
        self.keyring.add(api_key, secret_key, passphrase)
        self.paper.open_account(api_key, balance)
        self.spot.open_account(api_key, {"USDT": balance})

    # -- introspection --------------------------------------------------------------

    @property
    def connections(self) -> tuple[ConnectionView, ...]:
        """Views of the open connections: V3 public, private, V2 public, private."""
        return tuple(ConnectionView(c) for c in self._host.connections)

    @property
    def stats(self) -> EndpointStats:
        """Counters: connections accepted, refused, handshakes rejected."""
        return self._host.public.stats

    @property
    def private_stats(self) -> EndpointStats:
        """The private endpoint's counters (bad credentials count as rejected)."""
        return self._host.private.stats

    @property
    def replay_progress(self) -> tuple[int, int] | None:
        """``(frames played, frames in all)`` of the recording served, if any."""
        r = self._replay
        return None if r is None else (r.position, len(r.feeds))

    @property
    def paused(self) -> bool:
        """Whether the market is frozen."""
        return self._pacer.paused

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and serve; the market starts moving (unless paused)."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already started")
        runner = web.AppRunner(
            self._host.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        try:
            await site.start()
            await self.spot.start(self.host, self._requested_port)
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        if self._replay is None:  # a replay plays recorded frames, not the market
            self._pacer.start(self.market.step_ms / 1000 / self.speed)

    async def stop(self) -> None:
        """Close every connection (code 1001) and stop serving.

        Raises:
            Exception: whatever crashed the market task, so bugs do not pass silently.
        """
        crash = await self._pacer.stop()
        if self._replay is not None:
            crash = await self._replay.stop() or crash
        await self._host.close_all()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self.spot.cleanup()
        if crash is not None:
            raise crash

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- market control -------------------------------------------------------------

    def pause(self) -> None:
        """Freeze the market: no trades, book changes or ticker pushes; pings go on."""
        self._pacer.pause()

    def resume(self) -> None:
        """Let the market move again."""
        self._pacer.resume()

    def step(self, n: int = 1) -> None:
        """Advance a paused market by ``n`` steps and queue the resulting pushes.

        Raises:
            RuntimeError: the market is not paused.
        """
        if not self._pacer.paused:
            raise RuntimeError("pause() the simulator before stepping it by hand")
        self._advance(n)

    def move(self, symbol: str, price: str | Decimal | float, steps: int = 1) -> None:
        """Walk ``symbol``'s market to ``price`` in ``steps`` steps, taken now.

        Each step pushes the fair price a further ``1/steps`` of the way from the
        current best bid (:meth:`MarketEngine.push_price`) and advances the market
        by one step, publishing its frames; resting paper orders the book reaches
        fill as in any step. The market then stays around ``price``. Works paused
        or running.

        Raises:
            KeyError: ``symbol`` is not simulated.
            ValueError: ``price`` is not a positive price, or ``steps < 1``.
        """
        if steps < 1:
            raise ValueError("steps must be at least 1")
        inst = self.market.instrument(symbol.upper())
        try:
            target = Decimal(str(price))
        except InvalidOperation:
            raise ValueError(f"not a price: {price!r}") from None
        start = Decimal(inst.price(self.market.book(inst.symbol).bids.best() or 0))
        for i in range(1, steps + 1):
            self.market.push_price(inst.symbol, start + (target - start) * i / steps)
            self._advance(1)

    def _advance(self, n: int) -> None:
        for _ in range(n):
            step = self.market.step()
            # Taken once per step: both generations' subscribers see them.
            depth_faults = self.faults.take_depth_faults()
            self._host.publish(step, depth_faults)
            self.paper.on_step()
            self.spot.advance(depth_faults)

    def _deliver(self, event: PrivateEvent) -> None:
        """The paper exchange's sink: both generations' private sockets."""
        if self.faults.take_private_drop():
            return
        self._host.deliver(event)
