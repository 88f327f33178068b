"""``client.account_state``: a live account view that survives lost pushes.

Every private event (order, fill, position, balance) keeps
``client.account_state`` current. When the private socket comes back after an
outage, the client reads the account over REST and delivers what it missed as
ordinary events marked ``recovered=True``, between ``recovering`` and
``recovered`` events (docs/private-state.rst). The first private subscription
seeds the view the same way. Run it with credentials in WEEX_* variables::

    python examples/account_state.py --seconds 30
"""

from __future__ import annotations

import asyncio

from _runner import run

from weex_events import RecoveryEvent, StreamMessage, WeexConfig, WeexWebSocketClient


def describe(msg: StreamMessage) -> str:
    """One line for a private event."""
    data = msg.data
    if msg.kind == "fill":
        return f"{data['side']} {data['size']} @ {data['price']}"
    if msg.kind == "order":
        return f"{data['order_id']} {data['status']} {data.get('filled_size')}"
    if msg.kind == "position":
        return f"{data['side']} {data['size']}"
    return f"{data['coin']} balance {data.get('balance')}"


async def main() -> None:
    """Print every private event, marked live or recovered, and the account."""
    config = WeexConfig.from_env()
    async with WeexWebSocketClient(config) as client:

        def on_private(msg: StreamMessage) -> None:
            mark = "[recovered]" if msg.recovered else "[live]"
            print(f"{mark} {msg.kind} {msg.symbol or ''} {describe(msg)}")
            state = client.account_state
            usdt = state.balances.get("USDT", {}).get("balance", "?")
            print(
                f"account: {len(state.open_orders)} open orders, "
                f"{len(state.positions)} positions, USDT {usdt}"
            )

        def on_recovered(event: RecoveryEvent) -> None:
            counts = " ".join(f"{k}={n}" for k, n in event.counts.items())
            print(f"recovered ({event.reason}) in {event.seconds:.2f} s: {counts}")

        for kind in ("order", "fill", "position", "account"):
            client.on(kind, on_private)
        client.on("recovered", on_recovered)
        client.on("error", lambda e: print(f"error: {e.message}"))
        print("Watching the account...")
        await asyncio.Event().wait()


if __name__ == "__main__":
    run(main)
