"""Watch the client's own events: connection lifecycle, subscriptions, health.

The client reconnects by itself (jittered exponential backoff) and subscribes
again to everything that was live; these events let an application log it, show
it, or pause trading while the data is not flowing. Run it with::

    python examples/lifecycle_events.py --seconds 30

and cut the network (or, against the simulator, ``sim.faults.drop()``) to see
``disconnected``, ``reconnecting`` and ``reconnected``.
"""

from __future__ import annotations

import asyncio

from _runner import run

from weex_events import (
    ConnectionEvent,
    ErrorEvent,
    ResyncEvent,
    SlowConsumerEvent,
    StaleEvent,
    SubscriptionError,
    SubscriptionEvent,
    WeexConfig,
    WeexWebSocketClient,
)


def on_connection(event: ConnectionEvent) -> None:
    """connected, disconnected, reconnecting, reconnected."""
    detail = f" ({event.reason})" if event.reason else ""
    if event.delay is not None:
        detail += f", attempt {event.attempt} in {event.delay:.2f} s"
    print(f"{event.event}: {event.endpoint} {event.url}{detail}")


def on_subscription(event: SubscriptionEvent) -> None:
    """subscribed, unsubscribed, subscription_failed."""
    reason = f": {event.reason}" if event.reason else ""
    print(f"{event.event}: {event.param}{reason}")


def on_resync(event: ResyncEvent) -> None:
    """An order book gap: a fresh snapshot was requested."""
    print(f"resync: {event.symbol} book ({event.reason}: {event.detail})")


def on_slow(event: SlowConsumerEvent) -> None:
    """A handler or stream fell behind."""
    print(f"slow_consumer: {event.consumer} {event.pending} pending ({event.policy})")


def on_stale(event: StaleEvent) -> None:
    """A channel has been silent for longer than stale_after allows."""
    print(f"stale: {event.channel} silent for {event.silent_for:.1f} s")


def on_error(event: ErrorEvent) -> None:
    """A handler raised, or a frame could not be decoded."""
    print(f"error ({event.source}): {event.message}")


async def main() -> None:
    """Print lifecycle events while a ticker subscription stays live."""
    # stale_after turns on the data-liveness watch for the kinds listed.
    config = WeexConfig.from_env(stale_after={"ticker": 10.0})
    async with WeexWebSocketClient(config) as client:
        for name in ("connected", "disconnected", "reconnecting", "reconnected"):
            client.on(name, on_connection)
        for name in ("subscribed", "unsubscribed", "subscription_failed"):
            client.on(name, on_subscription)
        client.on("resync", on_resync)
        client.on("slow_consumer", on_slow)
        client.on("stale", on_stale)
        client.on("error", on_error)
        # The public socket opened in `async with`, before the handlers existed:
        print(f"connected: {client.is_connected()}")

        await client.subscribe("ticker", ["BTCUSDT"])
        try:
            await client.subscribe("ticker", ["NOSUCHUSDT"])
        except SubscriptionError as exc:  # rejected channels are never retried
            print(f"rejected as expected: {exc.channel}")
        while True:
            await asyncio.sleep(5)
            stats = client.stats
            print(f"stats: {stats.messages} messages, {stats.reconnects} reconnects")


if __name__ == "__main__":
    run(main)
