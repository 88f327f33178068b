"""The simulator's spot instruments: the same coins as the perpetuals, spot's precision.

Spot symbols are plain ``BTCUSDT`` like contract ones (WEEX-WS.md §1.7.2), so the
two venues name their markets alike and are told apart by host. Spot prints sizes
with more decimals than contract (ETH spot 5, contract 3: how WEEX-WS.md §1.7.3
attributes frames to spot), so each spot :class:`~weex_events.sim.instruments.
Instrument` has its own size step and lots; prices start where the perpetuals do.
``max_leverage`` is 1: spot has no leverage.

Imports: stdlib and ``sim.instruments``.
"""

from __future__ import annotations

from .instruments import Instrument

__all__ = ["SPOT_INSTRUMENTS", "SPOT_SYMBOLS"]


def _spot(
    symbol: str, price: str, size_decimals: int, trade_lot: int, level_lot: int
) -> Instrument:
    whole, _, frac = price.partition(".")
    return Instrument(
        symbol=symbol,
        base=symbol.removesuffix("USDT"),
        start_price=int(whole + frac),
        price_decimals=len(frac),
        size_decimals=size_decimals,
        trade_lot=trade_lot,
        level_lot=level_lot,
        max_leverage=1,
    )


#: Every spot instrument, in a fixed order (it fixes the random draws, as for the
#: perpetuals). Lots are in units of the size step.
SPOT_INSTRUMENTS: tuple[Instrument, ...] = (
    _spot("BTCUSDT", "100000.00", 6, 5_000, 250_000),
    _spot("ETHUSDT", "3500.00", 5, 10_000, 500_000),
    _spot("SOLUSDT", "180.00", 4, 2_500, 50_000),
    _spot("XRPUSDT", "2.3000", 2, 250_000, 10_000_000),
    _spot("DOGEUSDT", "0.18000", 1, 15_000, 500_000),
    _spot("ADAUSDT", "0.7000", 2, 50_000, 1_500_000),
    _spot("BNBUSDT", "650.00", 4, 5_000, 150_000),
    _spot("LTCUSDT", "90.00", 4, 25_000, 750_000),
    _spot("LINKUSDT", "15.000", 3, 25_000, 750_000),
    _spot("AVAXUSDT", "25.000", 3, 15_000, 500_000),
)

SPOT_SYMBOLS: tuple[str, ...] = tuple(i.symbol for i in SPOT_INSTRUMENTS)
