"""Fault injection for the simulator: the failures a WEEX client must survive.

Tests reach these through ``Simulator.faults``. Connection-level faults act on the
connections open at the time of the call (``endpoint`` narrows them to ``"public"`` or
``"private"``); settings (``slow``, ``refuse_connections``, depth faults) stay in force
until changed or :meth:`Faults.reset`.

Imports: stdlib only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

__all__ = ["FaultTarget", "Faults"]


class FaultTarget(Protocol):
    """What a fault needs from one open WebSocket connection."""

    @property
    def endpoint(self) -> str:
        """``"public"`` or ``"private"``."""
        ...

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""

    async def close(self, code: int, reason: str) -> None:
        """Send a close frame with ``code`` and ``reason``."""

    def set_stalled(self, on: bool) -> None:
        """Stop (or restart) sending, pinging and reading."""

    def send_raw(self, data: str | bytes) -> None:
        """Queue an arbitrary text (``str``) or binary (``bytes``) frame."""


class Faults:
    """Switches and actions that make the simulator misbehave on purpose."""

    def __init__(self, connections: Callable[[], Iterable[FaultTarget]]) -> None:
        self._connections = connections
        self._slow = 0.0
        self._refuse_all = False
        self._refuse_count = 0
        self._skip_depth: set[str] = set()
        self._repeat_depth: set[str] = set()
        self._stalled: list[FaultTarget] = []
        self._mute_all = False
        self._mute_count = 0
        #: Private pushes withheld by :meth:`drop_private_pushes` so far.
        self.private_pushes_dropped = 0

    def _targets(self, endpoint: str | None) -> list[FaultTarget]:
        return [
            c for c in self._connections() if endpoint is None or c.endpoint == endpoint
        ]

    # -- connection faults --------------------------------------------------------

    def drop(self, endpoint: str | None = None) -> int:
        """Abort open connections at the TCP level: no close frame is sent.

        Returns:
            how many connections were dropped.
        """
        targets = self._targets(endpoint)
        for conn in targets:
            conn.abort()
        return len(targets)

    async def close(
        self, code: int, reason: str = "", endpoint: str | None = None
    ) -> int:
        """Close open connections with a close frame carrying ``code`` and ``reason``.

        Returns:
            how many connections were closed.
        """
        targets = self._targets(endpoint)
        for conn in targets:
            await conn.close(code, reason)
        return len(targets)

    def stall(self, on: bool = True, endpoint: str | None = None) -> int:
        """Freeze (``on``) or thaw the open connections.

        A stalled connection sends nothing (no data, no server pings) and reads
        nothing: commands wait and the client's WebSocket pings go unanswered, like a
        half-open link. Connections opened later are not stalled; ``stall(False)``
        thaws every connection this object stalled.

        Returns:
            how many connections changed state.
        """
        if on:
            targets = self._targets(endpoint)
            self._stalled.extend(targets)
        else:
            targets = [
                c for c in self._stalled if endpoint is None or c.endpoint == endpoint
            ]
            self._stalled = [c for c in self._stalled if c not in targets]
        for conn in targets:
            conn.set_stalled(on)
        return len(targets)

    async def send_raw(self, data: str | bytes, endpoint: str | None = None) -> int:
        """Send ``data`` as is: ``str`` as a text frame, ``bytes`` as a binary frame.

        Use it for malformed JSON, unknown frames or binary data a client must reject.

        Returns:
            how many connections it was queued on.
        """
        targets = self._targets(endpoint)
        for conn in targets:
            conn.send_raw(data)
        return len(targets)

    # -- data faults --------------------------------------------------------------

    def skip_depth_version(self, symbol: str) -> None:
        """Break the depth chain of ``symbol`` once on every current subscriber.

        The next delta is withheld, so the one after it arrives with ``U`` different
        from the previous frame's ``u`` (WEEX-WS.md §1.5: a gap).
        """
        self._skip_depth.add(symbol.upper())

    def repeat_depth_version(self, symbol: str) -> None:
        """Send the last depth delta of ``symbol`` again (duplicate ``U``/``u``)."""
        self._repeat_depth.add(symbol.upper())

    def slow(self, delay_seconds: float) -> None:
        """Delay every outgoing frame by ``delay_seconds`` (0 turns it off).

        Frames keep their order; the delay is added latency, not lower throughput.
        """
        if delay_seconds < 0:
            raise ValueError("delay_seconds must not be negative")
        self._slow = float(delay_seconds)

    def drop_private_pushes(self, n: int | None = None) -> None:
        """Silently withhold the next ``n`` private pushes; the sockets stay open.

        Each withheld push is an account event (WEEX-WS.md §1.6) that no
        connection of its account receives (V3 or V2, contract or spot), while
        the paper exchange and its REST history have it: what a client sees when
        WEEX loses a push.
        ``None`` withholds every push until ``drop_private_pushes(0)``.
        """
        if n is not None and n < 0:
            raise ValueError("n must not be negative")
        self._mute_all = n is None
        self._mute_count = n or 0

    def refuse_connections(self, n: int | None = None) -> None:
        """Answer the next ``n`` WebSocket upgrades with HTTP 503.

        ``None`` refuses every upgrade until ``refuse_connections(0)``.
        """
        if n is not None and n < 0:
            raise ValueError("n must not be negative")
        self._refuse_all = n is None
        self._refuse_count = n or 0

    def reset(self) -> None:
        """Clear every fault: delay, refusals, depth faults, muted pushes, stall."""
        self._slow = 0.0
        self._refuse_all = False
        self._refuse_count = 0
        self._skip_depth.clear()
        self._repeat_depth.clear()
        self._mute_all = False
        self._mute_count = 0
        self.stall(False)

    # -- read by the server -------------------------------------------------------

    @property
    def delay(self) -> float:
        """Seconds every outgoing frame is held back."""
        return self._slow

    def take_refusal(self) -> bool:
        """Whether to refuse the upgrade being handled (consumes one of ``n``)."""
        if self._refuse_all:
            return True
        if self._refuse_count > 0:
            self._refuse_count -= 1
            return True
        return False

    def take_private_drop(self) -> bool:
        """Whether to withhold the private push being delivered (consumes one)."""
        if self._mute_all or self._mute_count > 0:
            self._mute_count = max(0, self._mute_count - 1)
            self.private_pushes_dropped += 1
            return True
        return False

    def take_depth_faults(self) -> tuple[frozenset[str], frozenset[str]]:
        """Symbols to skip and to repeat a depth version for, cleared once taken."""
        taken = frozenset(self._skip_depth), frozenset(self._repeat_depth)
        self._skip_depth.clear()
        self._repeat_depth.clear()
        return taken
