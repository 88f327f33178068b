"""``client.stats``: the :class:`ClientStats` snapshot and how it is counted
from the dispatcher, the queues and the connections.

Imports: ``connection``, ``queues``, ``dispatch``, ``events``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .connection import Connection
from .dispatch import Dispatcher
from .events import Endpoint
from .queues import MessageQueue

__all__ = ["ClientStats", "collect"]


@dataclass(frozen=True, slots=True)
class ClientStats:
    """A snapshot of the client's counters (``client.stats``).

    Attributes:
        messages: data messages dispatched (one per ticker, trade, item…).
        frames: WebSocket frames received on all endpoints.
        decode_errors: frames refused as malformed, binary, oversized or unknown.
        handler_errors: exceptions raised by handlers.
        reconnects: successful reconnects on all endpoints.
        resyncs: order book resynchronisations.
        dropped: messages dropped by full queues, per consumer.
        conflated: tickers/books superseded before being read, per consumer.
        latency: mean of (receive time − exchange time) in seconds over recent
            frames, sampled (at most one frame every few milliseconds; includes
            any clock offset between this host and WEEX).
        recoveries: private-state recoveries over REST that completed.
        recovered: items delivered by recovery (``recovered=True``), per kind.
        reconciled: the part of ``recovered`` that periodic reconciliation
            (``reconcile_interval``) found: pushes WEEX never delivered.
        messages_by_kind: ``messages`` per kind (``ticker``, ``order``…).
        frames_by_endpoint: ``frames`` per endpoint (``public``, ``private``).
        decode_errors_by_endpoint: ``decode_errors`` per endpoint.
    """

    messages: int
    frames: int
    decode_errors: int
    handler_errors: int
    reconnects: int
    resyncs: int
    dropped: dict[str, int] = field(default_factory=dict)
    conflated: dict[str, int] = field(default_factory=dict)
    latency: float | None = None
    recoveries: int = 0
    recovered: dict[str, int] = field(default_factory=dict)
    reconciled: dict[str, int] = field(default_factory=dict)
    messages_by_kind: dict[str, int] = field(default_factory=dict)
    frames_by_endpoint: dict[str, int] = field(default_factory=dict)
    decode_errors_by_endpoint: dict[str, int] = field(default_factory=dict)

    @property
    def drops(self) -> int:
        """Total messages dropped by full queues."""
        return sum(self.dropped.values())


def collect(
    dispatcher: Dispatcher,
    stream_queues: Sequence[MessageQueue],
    conns: Sequence[Connection],
    public: Sequence[Connection],
    resyncs: int,
    **private: Any,
) -> ClientStats:
    """A snapshot of the counters: queues gone (retired) and live ones alike;
    ``private`` are the private feed's (``recoveries``, ``recovered``…)."""
    dropped = dict(dispatcher.retired_dropped)
    conflated = dict(dispatcher.retired_conflated)
    for queue in [*stream_queues, *dispatcher.queues()]:
        if queue.dropped:
            dropped[queue.name] = dropped.get(queue.name, 0) + queue.dropped
        if queue.conflated:
            conflated[queue.name] = conflated.get(queue.name, 0) + queue.conflated
    # Every endpoint is listed, a silent one with 0, so a series never vanishes.
    frames = dict.fromkeys(map(str, Endpoint), 0)
    decode_errors = dict(frames)
    for conn in conns:
        frames[conn.endpoint] += conn.frames
        decode_errors[conn.endpoint] += conn.decode_errors
    return ClientStats(
        messages=dispatcher.messages,
        frames=sum(frames.values()),
        decode_errors=sum(decode_errors.values()),
        handler_errors=dispatcher.handler_errors,
        reconnects=sum(c.reconnects for c in conns),
        resyncs=resyncs,
        dropped=dropped,
        conflated=conflated,
        latency=public[0].latency if public else None,
        messages_by_kind=dict(dispatcher.kinds),
        frames_by_endpoint=frames,
        decode_errors_by_endpoint=decode_errors,
        **private,
    )
