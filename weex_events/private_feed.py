"""The client's private feed: exactly-once delivery, recovery over REST, and
``account_state`` (DESIGN.md §5).

Every private push goes through :meth:`PrivateFeed.push`: the
:class:`~weex_events.private_state.PrivateState` admits it (a fill id once, an
order never backwards, a position or balance when it changed) and only then is
it dispatched. A private connection hands its output to a :class:`PrivateSink`,
which is where pushes and the connection's lifecycle enter the feed.

Recovery (:func:`~weex_events.recovery.recover`) reads what the socket may have
missed and dispatches the difference as ordinary events with
``StreamMessage.recovered`` set, between ``recovering`` and ``recovered``
lifecycle events. It runs

- once the first private subscription is active (``"seed"``: open orders,
  positions and balances, when ``seed_private_state`` is on);
- after every private reconnect, once the private channels are active again
  (``"reconnect"``);
- on ``await client.recover_private()`` (``"request"``);
- every ``reconcile_interval`` seconds while the private socket is up
  (``"reconcile"``; what it finds is counted in ``stats.reconciled``);
- after a private backlog passed ``private_backlog`` (``"overflow"``).

Recoveries run one at a time; a REST failure is retried with backoff and ends
in an ``error`` event (source ``"recovery"``), never in a crash. Recovery needs
V3, credentials and a ``rest_url``; elsewhere pushes are still admitted (exactly
once, never backwards) but nothing is read over REST. On spot the history and
fills are read per symbol and there are no positions
(:mod:`~weex_events.recovery`).

Imports: ``errors``, ``config``, ``events``, ``backoff``, ``protocol``,
``private_items``, ``private_state``, ``dialer``, ``hub``, ``queues``,
``outputs``, ``rest``, ``recovery``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from .config import WeexConfig
from .dialer import Dialer
from .errors import ConfigError, WeexError
from .events import (
    Channel,
    Endpoint,
    ErrorEvent,
    RecoveryEvent,
    SlowConsumerEvent,
    StreamMessage,
)
from .hub import Hub
from .outputs import Outputs
from .private_items import AccountState, PrivateItem
from .private_state import PrivateState
from .protocol import Codec, Decoded, DeferredMessage, DepthUpdate
from .queues import RECOVER
from .recovery import DEFAULT_MARGIN_MS, Recovery, RecoverySource, recover
from .rest import WeexRestClient

__all__ = [
    "AccountState",
    "PrivateFeed",
    "PrivateSink",
    "Recovery",
    "recovery_unavailable",
]

log = logging.getLogger("weex_events.private")


def recovery_unavailable(config: WeexConfig) -> str | None:
    """Why recovery over REST cannot run with ``config``, or ``None`` if it can."""
    if config.protocol != "v3":
        return "recovery needs protocol='v3' (WEEX does not serve V2 REST history)"
    if config.market not in ("contract", "spot"):
        return f"recovery is not available on market={config.market!r}"
    if not config.has_credentials:
        return "recovery needs credentials"
    if config.rest_url is None:
        return "recovery needs rest_url"
    return None


class PrivateFeed:
    """Admits private pushes, recovers over REST, holds ``account_state``.

    Args:
        dialer: the client's settings, its reconnect delays and sleep (between
            failed REST passes), mark prices (positions' ``unrealized_pnl``) and
            server clock; it gets our sinks for private connections.
        outputs: the client's sink (admitted pushes go to ``outputs.deliver``)
            and, through it, the dispatcher (recovered and lifecycle events).
        hub: which private channels are wanted, and whether they are active.
        timeout: seconds to wait for the private channels before recovering.
        clock: the local wall clock (``received_at`` of recovered events).
        source: the REST reads; a :class:`~weex_events.WeexRestClient` made on
            first use when ``None``.
    """

    def __init__(
        self,
        dialer: Dialer,
        outputs: Outputs,
        hub: Hub,
        timeout: float,
        *,
        clock: Callable[[], float] = time.time,
        source: RecoverySource | None = None,
    ) -> None:
        self.config = config = dialer.config
        self.state = PrivateState()
        self.unavailable = recovery_unavailable(config)
        self._dispatcher = dispatcher = outputs.dispatcher
        self._deliver = outputs.deliver
        self._hub = hub
        self._timeout = timeout
        self._backoff = dialer.backoff
        self._sleep = dialer.sleep
        self._now = clock
        self._marks = dialer.marks
        self._server_ms = dialer.server_ms
        self._opened_ms: int | None = None  # exchange time the socket first opened
        self._source = source
        self._rest: WeexRestClient | None = None
        self._lock = asyncio.Lock()
        self._waiting = False  # a background recovery waits for the lock
        self._opened = False
        self._closed = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconciler: asyncio.Task[None] | None = None
        self.recoveries = 0
        self.recovered: collections.Counter[str] = collections.Counter()
        self.reconciled: collections.Counter[str] = collections.Counter()
        dialer.private_sink = lambda codec: PrivateSink(self, outputs, codec)
        if self.unavailable is None:
            dispatcher.observe(["slow_consumer"], self._slow)

    @property
    def account_state(self) -> AccountState:
        """The account as delivered so far (a read-only snapshot)."""
        return self.state.snapshot()

    def counters(self) -> dict[str, Any]:
        """The feed's part of ``client.stats``."""
        return {
            "recoveries": self.recoveries,
            "recovered": dict(self.recovered),
            "reconciled": dict(self.reconciled),
        }

    # -- what private connections hand us ---------------------------------------

    def push(self, msg: StreamMessage, version: int | None) -> None:
        """A private push: dispatched if the state admits it."""
        if self.state.admit(PrivateItem.from_message(msg), version=version):
            self._deliver(msg)

    def opened(self) -> None:
        """A private socket opened: seed the state (first time) or recover."""
        if self.unavailable is not None or self._closed:
            return
        reason = "reconnect" if self._opened else "seed"
        if not self._opened:
            self._opened = True
            self._opened_ms = self._server_ms()
        if reason == "reconnect" or self.config.seed_private_state:
            self._spawn(self._background(reason, wait=True))
        interval = self.config.reconcile_interval
        if interval is not None and self._reconciler is None:
            self._reconciler = self._spawn(self._reconcile_every(interval))

    def _slow(self, info: SlowConsumerEvent) -> None:
        if info.policy == RECOVER and not self._closed:
            self._spawn(self._background("overflow"))

    # -- recovery ---------------------------------------------------------------

    async def recover(self, reason: str = "request") -> Recovery:
        """Read REST, dispatch what was missed, and return the outcome.

        Raises:
            ConfigError: recovery is not available with this configuration.
            WeexError: REST failed after the retries (an ``error`` event too).
        """
        if self.unavailable is not None:
            raise ConfigError("protocol", self.unavailable)
        async with self._lock:
            return await self._recover(reason)

    async def _recover(self, reason: str) -> Recovery:
        # History and fills from the last event seen (minus the margin), or,
        # before any, from when the private socket first opened.
        since, margin = self.state.resume_ms, DEFAULT_MARGIN_MS
        if since is None:
            since, margin = self._opened_ms, 0
        self._emit(RecoveryEvent("recovering", Endpoint.PRIVATE, reason))
        try:
            result = await recover(
                self._reads(),
                self.state,
                since_ms=since,
                margin_ms=margin,
                backoff=self._backoff,
                sleep=self._sleep,
                per_symbol=self.config.market == "spot",
            )
        except WeexError as exc:
            message = f"private-state recovery ({reason}) failed: {exc}"
            log.error("%s", message)
            self._dispatcher.emit(
                "error", ErrorEvent("recovery", message, exception=exc)
            )
            raise
        received = self._now()
        emit = self._dispatcher.emit_message
        for item in result.items:
            time_ms = item.time_ms
            emit(
                StreamMessage(
                    item.event,
                    item.kind,
                    item.symbol,
                    item.data,
                    received if time_ms is None else time_ms / 1000,
                    received,
                    item.raw,
                    True,
                )
            )
        self.recoveries += 1
        found = {kind: n for kind, n in result.counts.items() if n}
        self.recovered.update(found)
        if reason == "reconcile":
            self.reconciled.update(found)
        if found:
            log.info("recovered over REST (%s): %s", reason, found)
        self._emit(
            RecoveryEvent(
                "recovered",
                Endpoint.PRIVATE,
                reason,
                result.window,
                dict(result.counts),
                result.seconds,
                result.attempts,
            )
        )
        return result

    async def _background(self, reason: str, *, wait: bool = False) -> None:
        """A recovery nobody awaits: failures end as ``error`` events."""
        if self._waiting:
            return  # one is about to run: it covers this request too
        self._waiting = True
        try:
            if wait:
                await self._wait_ready()
            async with self._lock:
                self._waiting = False
                if not self._closed:
                    await self._recover(reason)
        except WeexError:
            pass  # reported as an error event by _recover
        except Exception as exc:  # never let a background task die silently
            log.exception("private-state recovery (%s)", reason)
            self._dispatcher.emit(
                "error",
                ErrorEvent("recovery", f"{type(exc).__name__}: {exc}", exception=exc),
            )
        finally:
            self._waiting = False

    async def _wait_ready(self) -> None:
        hub = self._hub
        try:
            await hub.wait([c for c in hub if c.private], self._timeout)
        except (WeexError, TimeoutError) as exc:
            log.info("private channels not all active (%s); recovering anyway", exc)

    async def _reconcile_every(self, interval: float) -> None:
        while not self._closed:
            await asyncio.sleep(interval)
            up = any(c.connected for c in self._hub.connections(Endpoint.PRIVATE))
            if up and not self._waiting:
                await self._background("reconcile")

    def _reads(self) -> RecoverySource:
        if self._source is None:
            if self._rest is None:
                self._rest = WeexRestClient(self.config, marks=self._marks)
            return self._rest
        return self._source

    def _emit(self, payload: RecoveryEvent) -> None:
        self._dispatcher.emit(payload.event, payload)

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        """Stop recovering and close the REST client. Idempotent."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._rest is not None:
            await self._rest.close()
            self._rest = None


class PrivateSink:
    """A private connection's :class:`~weex_events.connection.Sink`: pushes go
    through the feed (with the frame's account version from ``codec``); an opened
    socket starts a seed or a recovery; everything else as :class:`Outputs`."""

    def __init__(self, feed: PrivateFeed, outputs: Outputs, codec: Codec) -> None:
        self._feed = feed
        self._outputs = outputs
        self._codec = codec

    def deliver(self, msg: StreamMessage | DeferredMessage) -> None:
        """A private push: admitted, then dispatched."""
        if isinstance(msg, DeferredMessage):  # never made for a private socket
            msg = msg.message()
        self._feed.push(msg, self._codec.private_version)

    def deliver_depth(self, update: DepthUpdate) -> None:
        """Never sent on the private endpoint; handled as any depth frame."""
        self._outputs.deliver_depth(update)

    def emit(self, event: str, payload: Any) -> None:
        """A lifecycle event; an opened socket also starts a seed or recovery."""
        self._outputs.emit(event, payload)
        if event in ("connected", "reconnected"):
            self._feed.opened()

    def connection_reset(self, channels: Iterable[Channel]) -> None:
        """The socket was lost (as :meth:`Outputs.connection_reset`)."""
        self._outputs.connection_reset(channels)

    def connection_failed(self, channels: Iterable[Channel], exc: WeexError) -> None:
        """The connection gave up (as :meth:`Outputs.connection_failed`)."""
        self._outputs.connection_failed(channels, exc)

    def blocked(self, item: Decoded, seconds: float) -> None:
        """A handler held the read loop (as :meth:`Outputs.blocked`)."""
        self._outputs.blocked(item, seconds)
