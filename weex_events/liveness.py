"""Data liveness: when did each channel last carry data, and which are silent.

A quiet market is not a dead link (dead links are found by the keepalive), so
silence only produces a ``stale`` warning, once per silence. Pure: callers pass
the times; the client runs the periodic check.

Imports: ``events``, ``protocol`` (its types).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from .events import PRIVATE_KINDS, Channel, StaleEvent, StreamMessage
from .protocol import DeferredMessage

__all__ = ["Liveness"]

Data = StreamMessage | DeferredMessage
"""What the read loop delivers: a message, or one built when read."""


def _key(kind: str, symbol: str | None) -> str:
    # Private channels carry every symbol: their liveness is per kind.
    return kind if kind in PRIVATE_KINDS or symbol is None else f"{kind}:{symbol}"


class Liveness:
    """Last-data times per channel for the kinds that have a ``stale_after`` limit."""

    def __init__(self, limits: Mapping[str, float]) -> None:
        self.limits = dict(limits)
        self._seen: dict[str, float] = {}
        self._reported: dict[Channel, float] = {}

    @property
    def period(self) -> float:
        """How often to check: a quarter of the shortest limit."""
        return min(self.limits.values()) / 4

    def watching(self, kind: str) -> bool:
        """Whether ``kind`` has a limit."""
        return kind in self.limits

    def stamp(self, kind: str, symbol: str | None, when: float) -> None:
        """Data of ``kind`` for ``symbol`` arrived at ``when``."""
        self._seen[_key(kind, symbol)] = when

    def wrap(self, deliver: Callable[[Data], None]) -> Callable[[Data], None]:
        """``deliver`` with an arrival stamp for watched kinds (itself if none)."""
        watched = frozenset(self.limits)
        if not watched:
            return deliver
        seen = self._seen

        def stamped(msg: Data) -> None:
            if msg.kind in watched:
                seen[_key(msg.kind, msg.symbol)] = msg.received_at
            deliver(msg)

        return stamped

    def silent(self, channels: Iterable[Channel], now: float) -> list[StaleEvent]:
        """Channels silent longer than their limit and not yet reported.

        A channel seen for the first time starts its clock at ``now``; once
        reported it is not reported again until data arrives and stops again.
        """
        stale = []
        for channel in channels:
            limit = self.limits.get(channel.kind)
            if limit is None:
                continue
            last = self._seen.setdefault(_key(channel.kind, channel.symbol), now)
            if self._reported.get(channel, -1.0) >= last:
                continue  # already reported; waiting for data
            if now - last > limit:
                self._reported[channel] = last
                stale.append(StaleEvent(channel, now - last))
        return stale
