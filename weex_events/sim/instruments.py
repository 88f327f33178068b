"""The simulator's instruments (USDT perpetuals) and their fixed-point number text.

Prices are held as integer *ticks* and sizes as integer *units* (quantity steps), so
every value the simulator prints is exact and carries exactly the instrument's
decimals, as WEEX prints them (``"2043.20"``, WEEX-WS.md §1.5). A quote value
(price × size) is ``ticks * units`` with ``price_decimals + size_decimals`` decimals.

Imports: stdlib only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_SYMBOLS",
    "INSTRUMENTS",
    "Instrument",
    "fixed",
    "ratio",
    "select",
]


def fixed(value: int, decimals: int) -> str:
    """Render ``value × 10^-decimals`` with exactly ``decimals`` decimals."""
    sign = "-" if value < 0 else ""
    digits = str(abs(value))
    if decimals <= 0:
        return sign + digits
    digits = digits.rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


def ratio(numerator: int, denominator: int, decimals: int) -> str:
    """Render ``numerator / denominator`` rounded half-up to ``decimals`` decimals."""
    if denominator == 0:
        return fixed(0, decimals)
    negative = (numerator < 0) != (denominator < 0)
    scaled, rest = divmod(abs(numerator) * 10**decimals, abs(denominator))
    if 2 * rest >= abs(denominator):
        scaled += 1
    return fixed(-scaled if negative and scaled else scaled, decimals)


@dataclass(frozen=True, slots=True)
class Instrument:
    """One USDT-margined perpetual contract.

    Attributes:
        symbol: upper-case WEEX symbol (``BTCUSDT``).
        base: base asset (``BTC``).
        start_price: price in ticks the seeded walk starts from.
        price_decimals: decimals of the tick (tick = 10^-price_decimals).
        size_decimals: decimals of the quantity step.
        trade_lot: typical taker trade size, in units.
        level_lot: typical resting size of one book level, in units.
        max_leverage: advertised by ``exchangeInfo``.
    """

    symbol: str
    base: str
    start_price: int
    price_decimals: int
    size_decimals: int
    trade_lot: int
    level_lot: int
    max_leverage: int

    quote: str = "USDT"

    @property
    def quote_decimals(self) -> int:
        """Decimals of a quote value (price × size)."""
        return self.price_decimals + self.size_decimals

    def price(self, ticks: int) -> str:
        """Price text with exactly the tick's decimals."""
        return fixed(ticks, self.price_decimals)

    def size(self, units: int) -> str:
        """Size text with exactly the step's decimals."""
        return fixed(units, self.size_decimals)

    def quote_value(self, tick_units: int) -> str:
        """Quote value text for a ``ticks * units`` product."""
        return fixed(tick_units, self.quote_decimals)


def _inst(
    symbol: str,
    price: str,
    size_decimals: int,
    trade_lot: int,
    level_lot: int,
    max_leverage: int,
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
        max_leverage=max_leverage,
    )


#: Every instrument the simulator can serve, in a fixed order (the order matters for
#: determinism: the engine draws random numbers symbol by symbol in this order).
INSTRUMENTS: tuple[Instrument, ...] = (
    _inst("BTCUSDT", "100000.0", 3, 10, 500, 400),
    _inst("ETHUSDT", "3500.00", 2, 20, 1_000, 200),
    _inst("SOLUSDT", "180.00", 1, 50, 1_000, 100),
    _inst("XRPUSDT", "2.3000", 1, 5_000, 200_000, 100),
    _inst("DOGEUSDT", "0.18000", 0, 3_000, 100_000, 75),
    _inst("ADAUSDT", "0.7000", 0, 1_000, 30_000, 75),
    _inst("BNBUSDT", "650.00", 2, 100, 3_000, 75),
    _inst("LTCUSDT", "90.00", 2, 500, 15_000, 75),
    _inst("LINKUSDT", "15.000", 1, 500, 15_000, 75),
    _inst("AVAXUSDT", "25.000", 1, 300, 10_000, 75),
)

DEFAULT_SYMBOLS: tuple[str, ...] = tuple(i.symbol for i in INSTRUMENTS)


def select(
    symbols: Iterable[str] | None, catalogue: Sequence[Instrument] = INSTRUMENTS
) -> Sequence[Instrument]:
    """Return the instruments of ``catalogue`` (default: the perpetuals) named by
    ``symbols`` (case-insensitive), in table order.

    Raises:
        ValueError: a symbol is not one the simulator knows.
    """
    if symbols is None:
        return catalogue
    known = {i.symbol for i in catalogue}
    wanted = {s.upper() for s in symbols}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"unknown simulator symbols: {', '.join(unknown)}")
    if not wanted:
        raise ValueError("the simulator needs at least one symbol")
    return tuple(i for i in catalogue if i.symbol in wanted)
