"""Handler registration: ``on`` (also as a decorator), ``once``, ``off``,
``listeners`` and ``wait_for`` of :class:`~weex_events.WeexWebSocketClient`.

Registering a handler for a symbol event (``"ticker:BTCUSDT"``) or a private
event (``"order"``) holds a reference on the channel it needs; removing the
handler (or a ``once`` handler firing) gives it back. The references are the same
ones streams and explicit ``subscribe()`` calls hold.

Imports: ``errors``, ``events``, ``protocol``, ``auth``, ``dispatch``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from .auth import Credentials
from .config import CREDENTIALS
from .dispatch import Dispatcher
from .errors import ClientClosedError, ConfigError
from .events import (
    LIFECYCLE_EVENTS,
    MARKET_KINDS,
    PRIVATE_KINDS,
    Channel,
    channel_for_event,
    split_event,
)
from .protocol.symbols import normalize as normalize_symbol

__all__ = ["HandlerMethods"]

H = TypeVar("H", bound=Callable[..., Any])


class HandlerMethods:
    """The event-handler half of the client's public API (a mixin)."""

    _dispatcher: Dispatcher
    _credentials: Credentials | None
    _state: str

    def _acquire(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        raise NotImplementedError

    def _release(
        self, channels: Sequence[Channel], *, book_level: int | None = None
    ) -> None:
        raise NotImplementedError

    @overload
    def on(self, event: str) -> Callable[[H], H]: ...
    @overload
    def on(self, event: str, handler: H) -> H: ...
    def on(self, event: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Call ``handler`` for every ``event``; use as a decorator without ``handler``.

        Registering for a symbol event (``"ticker:BTCUSDT"``) or a private event
        (``"order"``) subscribes; removing the last such handler unsubscribes.
        Handlers may be sync (run inline, in order) or async (run in order on
        their own bounded queue). Exceptions become ``error`` events.

        Raises:
            ConfigError: unknown event name, or a private event without
                credentials.
        """
        if handler is None:

            def decorator(func: H) -> H:
                self._register(event, func, once=False)
                return func

            return decorator
        self._register(event, handler, once=False)
        return handler

    @overload
    def once(self, event: str) -> Callable[[H], H]: ...
    @overload
    def once(self, event: str, handler: H) -> H: ...
    def once(self, event: str, handler: H | None = None) -> H | Callable[[H], H]:
        """Like :meth:`on`, but the handler is removed after its first event."""
        if handler is None:

            def decorator(func: H) -> H:
                self._register(event, func, once=True)
                return func

            return decorator
        self._register(event, handler, once=True)
        return handler

    def off(self, event: str, handler: Callable[..., Any]) -> None:
        """Remove ``handler`` from ``event`` (unsubscribing if it was the last)."""
        self._dispatcher.remove(self._event_name(event), handler)

    def listeners(self, event: str) -> list[Callable[..., Any]]:
        """The handlers registered for ``event``, in registration order."""
        return self._dispatcher.handlers(self._event_name(event))

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

    def _event_name(self, event: str) -> str:
        kind, symbol = split_event(event)
        if kind not in MARKET_KINDS | PRIVATE_KINDS | LIFECYCLE_EVENTS:
            known = sorted(MARKET_KINDS | PRIVATE_KINDS | LIFECYCLE_EVENTS)
            raise ConfigError("event", f"unknown event {event!r}; known kinds: {known}")
        if symbol is None:
            return kind
        if kind in LIFECYCLE_EVENTS:
            raise ConfigError("event", f"{kind!r} takes no symbol")
        return f"{kind}:{normalize_symbol(symbol)}"

    def _register(self, event: str, handler: Callable[..., Any], *, once: bool) -> None:
        if self._state == "closed":
            raise ClientClosedError()
        name = self._event_name(event)
        channel = channel_for_event(name)
        if channel is not None and channel.private:
            self._require_credentials(channel.kind)
        on_remove = (lambda: self._release([channel])) if channel is not None else None
        if (
            self._dispatcher.add(name, handler, once=once, on_remove=on_remove)
            and channel
        ):
            self._acquire([channel])

    def _require_credentials(self, kind: str) -> None:
        if self._credentials is None:
            raise ConfigError(
                "api_key",
                f"private channel {kind!r} needs {CREDENTIALS}",
            )
