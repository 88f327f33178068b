"""Kline series: the channel argument and the open bar of each series.

A kline channel's argument names an interval and a price basis (``"1m"``,
``"1m_MARK_PRICE"``); :func:`split_kline_arg` reads it for both generations.
WEEX-WS.md §1.5: bars carry no closed flag; :class:`KlineTracker` derives it
from the order in which bars arrive.

Imports: ``events``; the standard library only.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, TypeAlias

from ..events import KLINE_INTERVALS

__all__ = ["Bar", "KlineTracker", "split_kline_arg"]


def split_kline_arg(arg: str) -> tuple[str, str] | None:
    """Split a kline channel argument into ``(interval, price basis)``.

    ``"1m"`` -> ``("1m", "LAST_PRICE")``; ``"1m_MARK_PRICE"`` ->
    ``("1m", "MARK_PRICE")`` (WEEX-WS.md §1.5); ``None`` if it is neither.
    """
    interval, _, basis = arg.partition("_")
    if interval not in KLINE_INTERVALS:
        return None
    if not basis:
        return interval, "LAST_PRICE"
    if basis not in ("LAST_PRICE", "MARK_PRICE"):
        return None
    return interval, basis


#: One bar to report: ``(data with "closed" set, raw item)``.
Bar: TypeAlias = tuple[dict[str, Any], Any]


class KlineTracker:
    """The open bar of each kline series, to derive the missing "closed" flag.

    WEEX-WS.md §1.5: there is no closed flag on the wire; a bar is closed when a
    bar with a later start time arrives. The tracker keeps the last bar per
    series (symbol, interval, price basis), at most ``limit`` series, evicting
    the least recently started one.
    """

    __slots__ = ("_limit", "_open")

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._open: dict[Hashable, Bar] = {}

    def __len__(self) -> int:
        return len(self._open)

    def _remember(self, series: Hashable, bar: Bar) -> None:
        self._open.pop(series, None)
        if len(self._open) >= self._limit:
            del self._open[next(iter(self._open))]
        self._open[series] = bar

    def snapshot(
        self, bars: Sequence[tuple[Hashable, dict[str, Any], Any]]
    ) -> list[Bar]:
        """History bars: all closed except the latest of each series."""
        latest: dict[Hashable, int] = {}
        for series, data, _ in bars:
            start = data["start"]
            if start > latest.get(series, start - 1):
                latest[series] = start
        out: list[Bar] = []
        for series, data, raw in bars:
            data["closed"] = closed = data["start"] < latest[series]
            if not closed:
                self._remember(series, (data, raw))
            out.append((data, raw))
        return out

    def update(self, series: Hashable, data: dict[str, Any], raw: Any) -> list[Bar]:
        """A live bar; returns the bar it closes (if any) first, then the bar."""
        previous = self._open.get(series)
        start = data["start"]
        if previous is not None:
            prev_start = previous[0]["start"]
            if start < prev_start:
                # A late update of a bar already superseded: it is closed.
                data["closed"] = True
                return [(data, raw)]
            if start == prev_start:
                data["closed"] = False
                self._open[series] = (data, raw)
                return [(data, raw)]
        data["closed"] = False
        self._remember(series, (data, raw))
        if previous is None:
            return [(data, raw)]
        return [({**previous[0], "closed": True}, previous[1]), (data, raw)]
