"""``client.wait_for``: await the next event, optionally one matching a condition.

``wait_for`` registers a handler for the duration of the wait, so waiting for
``ticker:BTCUSDT`` subscribes until the ticker arrives; ``timeout`` raises
``TimeoutError`` and ``predicate`` filters the payloads. Waiting in a loop, hold
the subscription with ``subscribe()`` so that each wait does not subscribe and
unsubscribe again (WEEX allows 240 such operations per connection and hour).
Events arriving between two waits are not seen: to see every event, use a
handler or a stream. Run it with::

    python examples/wait_for_event.py --seconds 10
"""

from __future__ import annotations

from decimal import Decimal

from _runner import run

from weex_events import StreamMessage, WeexConfig, WeexWebSocketClient

#: A trade at least this large (in BTC) counts as "big".
BIG_TRADE = Decimal("0.5")


def is_big(msg: StreamMessage) -> bool:
    """Whether a trade message is at least BIG_TRADE in size."""
    return Decimal(msg.data["size"]) >= BIG_TRADE


async def main() -> None:
    """Print the first BTCUSDT ticker, then every big BTCUSDT trade."""
    async with WeexWebSocketClient(WeexConfig.from_env()) as client:
        first: StreamMessage = await client.wait_for("ticker:BTCUSDT", timeout=10)
        print(f"first ticker: last={first.data['last']} at {first.timestamp:.3f}")
        await client.subscribe("trade", ["BTCUSDT"])  # held across the waits
        while True:
            try:
                trade: StreamMessage = await client.wait_for(
                    "trade:BTCUSDT", timeout=30, predicate=is_big
                )
            except TimeoutError:
                print(f"no trade of {BIG_TRADE} BTC or more in 30 s")
                continue
            data = trade.data
            print(f"big trade: {data['side']} {data['size']} BTC @ {data['price']}")


if __name__ == "__main__":
    run(main)
