"""Handler registration: what ``on`` (also as a decorator), ``once``, ``off``,
``listeners`` and ``wait_for`` of :class:`~weex_events.WeexWebSocketClient` do.

Registering a handler for a symbol event (``"ticker:BTCUSDT"``) or a private
event (``"order"``) holds a reference on the channel it needs; removing the
handler (or a ``once`` handler firing) gives it back. The references are the same
ones streams and explicit ``subscribe()`` calls hold.

:class:`Handlers` holds the references through a :class:`Holder` (the hub),
so this module does not depend on the connection layer.

Imports: ``errors``, ``config``, ``events``, ``kinds``, ``protocol``, ``dispatch``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from .config import CREDENTIALS
from .dispatch import Dispatcher
from .errors import ClientClosedError, ConfigError
from .events import LIFECYCLE_EVENTS, Channel, channel_for_event, split_event
from .kinds import KINDS
from .protocol.symbols import normalize as normalize_symbol

__all__ = ["H", "Handlers", "Holder"]

H = TypeVar("H", bound=Callable[..., Any])

_KNOWN = frozenset(KINDS) | LIFECYCLE_EVENTS


class Holder(Protocol):
    """Who keeps the reference counts of channels (the hub)."""

    def acquire(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        """Hold one reference on each channel."""

    def release(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        """Give one reference back on each channel."""


class Handlers:
    """Event handlers: registration on the dispatcher, references on the holder.

    Args:
        dispatcher: where handlers are registered.
        holder: where the channels handlers need are held.
        has_credentials: whether private events may be registered.
        closed: whether the client is closed (registering then raises).
        market: the client's market; kinds it does not serve are refused.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        holder: Holder,
        *,
        has_credentials: bool,
        closed: Callable[[], bool],
        market: str = "contract",
    ) -> None:
        self.market = market
        self._dispatcher = dispatcher
        self._holder = holder
        self._has_credentials = has_credentials
        self._closed = closed

    def on(
        self, event: str, handler: H | None = None, *, once: bool = False
    ) -> H | Callable[[H], H]:
        """Register ``handler`` (or return a decorator that does); ``once``
        removes it after its first event. See ``WeexWebSocketClient.on``.

        Raises:
            ConfigError: unknown event name, or a private event without
                credentials.
        """
        if handler is None:

            def decorator(func: H) -> H:
                self._register(event, func, once=once)
                return func

            return decorator
        self._register(event, handler, once=once)
        return handler

    def off(self, event: str, handler: Callable[..., Any]) -> None:
        """Remove ``handler`` from ``event`` (unsubscribing if it was the last)."""
        self._dispatcher.remove(self.event_name(event), handler)

    def listeners(self, event: str) -> list[Callable[..., Any]]:
        """The handlers registered for ``event``, in registration order."""
        return self._dispatcher.handlers(self.event_name(event))

    async def wait_for(
        self,
        event: str,
        timeout: float | None = None,
        predicate: Callable[[Any], bool] | None = None,
    ) -> Any:
        """Wait for the next ``event`` (matching ``predicate``) and return its payload.

        Raises:
            TimeoutError: nothing came within ``timeout`` seconds.
        """
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def waiter(payload: Any) -> None:
            if not fut.done() and (predicate is None or predicate(payload)):
                fut.set_result(payload)

        self.on(event, waiter)
        try:
            async with asyncio.timeout(timeout):
                return await fut
        finally:
            self.off(event, waiter)

    def event_name(self, event: str) -> str:
        """The canonical form of ``event`` (``"ticker:BTCUSDT"``).

        Raises:
            ConfigError: unknown kind, a kind the market does not serve, or a
                symbol on a lifecycle event.
        """
        kind, symbol = split_event(event)
        if kind not in _KNOWN:
            known = sorted(_KNOWN)
            raise ConfigError("event", f"unknown event {event!r}; known kinds: {known}")
        spec = KINDS.get(kind)
        if spec is not None:
            spec.check_market(self.market)
        if symbol is None:
            return kind
        if kind in LIFECYCLE_EVENTS:
            raise ConfigError("event", f"{kind!r} takes no symbol")
        return f"{kind}:{normalize_symbol(symbol)}"

    def _register(self, event: str, handler: Callable[..., Any], *, once: bool) -> None:
        if self._closed():
            raise ClientClosedError()
        name = self.event_name(event)
        channel = channel_for_event(name)
        if channel is not None and channel.private:
            self.require_credentials(channel.kind)
        holder = self._holder
        on_remove = (lambda: holder.release([channel])) if channel is not None else None
        if (
            self._dispatcher.add(name, handler, once=once, on_remove=on_remove)
            and channel
        ):
            holder.acquire([channel])

    def require_credentials(self, kind: str) -> None:
        """Raise unless private channels can be signed.

        Raises:
            ConfigError: no api_key, secret_key and passphrase.
        """
        if not self._has_credentials:
            raise ConfigError(
                "api_key",
                f"private channel {kind!r} needs {CREDENTIALS}",
            )
