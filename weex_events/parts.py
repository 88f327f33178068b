"""The client's parts, built and wired together, and closed in order.

:class:`Parts` is where the composition of ``WeexWebSocketClient`` lives: a
:class:`~weex_events.dialer.Dialer` (session, codecs, signed openers), the
:class:`~weex_events.hub.Hub` (desired channels, reference counts, placement over
connections), the :class:`~weex_events.dispatch.Dispatcher`,
:class:`~weex_events.handlers.Handlers`, :class:`~weex_events.streams.Streams`, a
:class:`~weex_events.bookkeeper.BookKeeper`, the
:class:`~weex_events.upkeep.Upkeep` and the
:class:`~weex_events.private_feed.PrivateFeed`. The client's methods delegate to
them.

Imports: every module listed above it in DESIGN §4.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from .backoff import Backoff
from .bookkeeper import BookKeeper
from .config import WeexConfig
from .connection import Sleep
from .dialer import Dialer, TransportFactory
from .dispatch import Dispatcher
from .handlers import Handlers
from .hub import Hub
from .liveness import Liveness
from .outputs import Outputs
from .private_feed import PrivateFeed
from .recording import Recorder
from .replay import Player
from .streams import Streams
from .upkeep import Upkeep

__all__ = ["Parts"]


class Parts:
    """One client's parts; the arguments are the client's (see its docstring).

    Args:
        closed: whether the client is closed for good (asked by handlers and
            streams before they subscribe).
    """

    def __init__(
        self,
        cfg: WeexConfig,
        *,
        closed: Callable[[], bool],
        backoff: Backoff | None,
        retryable: Callable[[BaseException], bool],
        sleep: Sleep | None,
        subscribe_timeout: float,
        clock: Callable[[], float],
        transports: TransportFactory | None,
        recorder: Recorder | str | os.PathLike[str] | None,
    ) -> None:
        self.dispatcher = dispatcher = Dispatcher(
            cfg.queue_size,
            cfg.private_backlog,
            slow_handler=cfg.slow_handler,
            clock=clock,
        )
        # The upkeep reacts to book gaps but needs the hub, which needs the
        # books: the books reach it through a late-bound call.
        self.books = books = BookKeeper(
            cfg.number_type,
            dispatcher.emit_message,
            lambda *gap: self.upkeep.gap(*gap),
            dispatcher.emit_book,
        )
        liveness = Liveness(cfg.stale_after)
        outputs = Outputs(dispatcher, liveness, books)
        self.dialer = Dialer(
            cfg,
            outputs,
            transports=transports,
            backoff=backoff,
            retryable=retryable,
            sleep=sleep,
            clock=clock,
            recorder=recorder,
            authenticate=not isinstance(transports, Player),
            deferred=dispatcher.deferred,
        )
        self.hub = hub = Hub(
            self.dialer.connection,
            books,
            max_channels=cfg.max_channels_per_connection,
            max_connections=cfg.max_connections or 1,
        )
        self.upkeep = Upkeep(
            hub,
            books,
            liveness,
            dispatcher,
            clock=clock,
            snapshot_timeout=cfg.snapshot_timeout,
        )
        self.handlers = Handlers(
            dispatcher,
            hub,
            has_credentials=self.dialer.has_credentials,
            closed=closed,
            market=cfg.market,
        )
        self.streams = Streams(
            dispatcher,
            hub,
            self.handlers,
            queue_size=cfg.queue_size,
            timeout=subscribe_timeout,
            closed=closed,
        )
        outputs.streams = self.streams
        self.private = PrivateFeed(self.dialer, outputs, hub, subscribe_timeout)

    def replaying(self, player: Player) -> None:
        """Read from ``player``: streams end with the recording, and the account
        is never read over REST."""
        player.on_end = self.streams.close_all
        # The recording is the whole truth: never read an account over REST
        # (its URLs are production's, its credentials placeholders).
        self.private.unavailable = "a replayed recording is not recovered over REST"

    async def close(self) -> None:
        """End every stream, stop the upkeep, close every socket, the private
        feed, the dispatcher and the dialer, in that order."""
        self.hub.placing = False
        self.streams.close_all()
        await self.upkeep.close()
        await asyncio.gather(*(conn.close() for conn in self.hub.connections()))
        await self.private.close()
        await self.dispatcher.close()
        await self.dialer.finish()
