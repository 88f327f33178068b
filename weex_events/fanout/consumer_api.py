"""The client's consumer API for :class:`~weex_events.fanout.RedisSubscriber`.

The same :class:`~weex_events.handlers.Handlers` and
:class:`~weex_events.streams.Streams` the client composes, so handlers and
streams behave exactly as on :class:`~weex_events.WeexWebSocketClient`; they
hold channels on a :class:`KeyHub` (the subscriber's stream keys) instead of
the client's hub, and private events need the publisher's account
(:class:`AccountHandlers`) instead of credentials.

Imports: ``errors``, ``events``, ``dispatch``, ``handlers``, ``streams``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, overload

from ..dispatch import Dispatcher
from ..errors import ConfigError
from ..events import Channel
from ..handlers import H, Handlers
from ..streams import Stream, Streams

__all__ = ["AccountHandlers", "ConsumerAPI", "KeyHub"]


class KeyHub:
    """What handlers and streams hold channels on: the subscriber's stream keys.

    Args:
        acquire: read the streams of these channels.
        release: stop reading them, unless held otherwise.
        wait: wait until the start of each channel's stream is fixed.
    """

    def __init__(
        self,
        acquire: Callable[[Sequence[Channel]], None],
        release: Callable[[Sequence[Channel]], None],
        wait: Callable[[Sequence[Channel]], Awaitable[None]],
    ) -> None:
        self._acquire = acquire
        self._release = release
        self._wait = wait

    def acquire(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        self._acquire(channels)

    def release(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        self._release(channels)

    async def wait(self, channels: Sequence[Channel], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self._wait(channels)


class AccountHandlers(Handlers):
    """Handlers whose private events need the publisher's account, not secrets."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        hub: KeyHub,
        *,
        account: str | None,
        closed: Callable[[], bool],
    ) -> None:
        super().__init__(dispatcher, hub, has_credentials=True, closed=closed)
        self._account = account

    def require_credentials(self, kind: str) -> None:
        if self._account is None:
            raise ConfigError(
                "account", f"private event {kind!r} needs the publisher's account"
            )


class ConsumerAPI:
    """``on``/``once``/``off``/``listeners``/``wait_for`` and the ``stream_*``
    methods, delegated to a :class:`Handlers` and a :class:`Streams`."""

    _handlers: Handlers
    _streams: Streams

    @overload
    def on(self, event: str) -> Callable[[H], H]: ...
    @overload
    def on(self, event: str, handler: H) -> H: ...
    def on(self, event: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Call ``handler`` for every ``event``; a decorator without ``handler``.

        A symbol or private event starts reading its stream; removing the last
        such handler stops it.
        """
        return self._handlers.on(event, handler)

    @overload
    def once(self, event: str) -> Callable[[H], H]: ...
    @overload
    def once(self, event: str, handler: H) -> H: ...
    def once(self, event: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Like :meth:`on`, but the handler is removed after its first event."""
        return self._handlers.on(event, handler, once=True)

    def off(self, event: str, handler: Callable[..., Any]) -> None:
        """Remove ``handler`` from ``event``."""
        self._handlers.off(event, handler)

    def listeners(self, event: str) -> list[Callable[..., Any]]:
        """The handlers registered for ``event``, in registration order."""
        return self._handlers.listeners(event)

    async def wait_for(
        self,
        event: str,
        timeout: float | None = None,
        predicate: Callable[[Any], bool] | None = None,
    ) -> Any:
        """Wait for the next ``event`` (matching ``predicate``); its payload.

        Raises:
            TimeoutError: nothing came within ``timeout`` seconds.
        """
        return await self._handlers.wait_for(event, timeout, predicate)

    def stream(self, *events: str) -> Stream:
        """Iterate over the given events, e.g. ``stream("ticker:BTCUSDT", "order")``."""
        return self._streams.stream(*events)

    def stream_tickers(self, symbols: str | Iterable[str]) -> Stream:
        """Tickers for ``symbols``, conflated to the latest per symbol when behind."""
        return self._streams.stream_tickers(symbols)

    def stream_trades(self, symbol: str) -> Stream:
        """Every trade of ``symbol``."""
        return self._streams.stream_trades(symbol)

    def stream_klines(self, symbol: str, interval: str = "1m") -> Stream:
        """Bar updates of ``symbol``."""
        return self._streams.stream_klines(symbol, interval)

    def stream_order_book(self, symbol: str, level: int = 5) -> Stream:
        """The book of ``symbol`` as published, cut to ``level`` levels per side."""
        return self._streams.stream_order_book(symbol, level)

    def stream_account(self) -> Stream:
        """Account (balance) updates."""
        return self._streams.stream_account()

    def stream_positions(self) -> Stream:
        """Position updates."""
        return self._streams.stream_positions()

    def stream_orders(self) -> Stream:
        """Order updates."""
        return self._streams.stream_orders()

    def stream_fills(self) -> Stream:
        """Fills (executions)."""
        return self._streams.stream_fills()
