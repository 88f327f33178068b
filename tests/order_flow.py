"""A paper-exchange order flow for private-state tests: every kind of order.

Imports: ``weex_events.sim`` only.
"""

from __future__ import annotations

from weex_events.sim import Simulator


def trade_phase(sim: Simulator, symbol: str, resting: list[str]) -> list[str]:
    """Ten orders on ``symbol``, one market step after each: market buys and
    sells, limits resting far away, a limit taking three levels and resting the
    rest; then the older half of ``resting`` (and of those placed now) is
    canceled where still open. Returns the ids left resting."""
    inst = sim.market.instrument(symbol)
    for i in range(10):
        book = sim.market.book(symbol)
        if i % 4 == 0:
            sim.paper.place_order(sim.api_key, symbol, "BUY", "0.003")
        elif i % 4 == 1:
            order = sim.paper.place_order(
                sim.api_key, symbol, "SELL", "0.002", type="LIMIT",
                price=inst.price(book.asks.price_at(20)),
            )  # fmt: skip
            resting.append(order.order_id)
        elif i % 4 == 2:  # takes three levels, rests the rest
            units = sum(size for _, size in book.asks.top(3)) + 5
            order = sim.paper.place_order(
                sim.api_key, symbol, "BUY", inst.size(units), type="LIMIT",
                price=inst.price(book.asks.price_at(2)),
            )  # fmt: skip
            resting.append(order.order_id)
        else:
            sim.paper.place_order(sim.api_key, symbol, "SELL", "0.002")
        sim.step()
    open_ids = {o.order_id for o in sim.paper.open_orders(sim.api_key)}
    for order_id in resting[: len(resting) // 2]:
        if order_id in open_ids:
            sim.paper.cancel_order(sim.api_key, symbol, order_id=order_id)
    return resting[len(resting) // 2 :]
