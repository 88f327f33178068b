"""Handlers instead of loops: ``@client.on`` for several events on one client.

Registering a handler for ``ticker:BTCUSDT`` or ``trade:ETHUSDT`` subscribes to
that channel; removing the last handler (``client.off``) unsubscribes. Sync
handlers run inline, in arrival order; async handlers run in order on their own
bounded queue. A handler that raises does not stop the others: the exception
becomes an ``error`` event. Run it with::

    python examples/decorator_handlers.py --seconds 10
"""

from __future__ import annotations

import asyncio

from _runner import run

from weex_events import ErrorEvent, StreamMessage, WeexConfig, WeexWebSocketClient


async def main() -> None:
    """Print BTCUSDT tickers, ETHUSDT trades and the first BTCUSDT kline."""
    async with WeexWebSocketClient(WeexConfig.from_env()) as client:

        @client.on("ticker:BTCUSDT")
        def on_ticker(msg: StreamMessage) -> None:
            data = msg.data
            print(f"ticker {msg.symbol} last={data['last']} change={data['change']}%")

        @client.on("trade:ETHUSDT")
        async def on_trade(msg: StreamMessage) -> None:
            data = msg.data
            print(
                f"trade  {msg.symbol} {data['side']} {data['size']} @ {data['price']}"
            )

        @client.once("kline:BTCUSDT")
        def on_first_bar(msg: StreamMessage) -> None:
            data = msg.data
            print(f"kline  {msg.symbol} {data['interval']} close={data['close']}")

        @client.on("trade:ETHUSDT")
        def fragile(msg: StreamMessage) -> None:
            raise RuntimeError("this handler is broken")

        @client.on("error")
        def on_error(event: ErrorEvent) -> None:
            print(f"error  in {event.handler} on {event.event}: {event.message}")
            client.off("trade:ETHUSDT", fragile)  # the other handlers keep running

        await asyncio.Event().wait()  # handlers do the work until we are cancelled


if __name__ == "__main__":
    run(main)
