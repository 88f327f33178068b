"""Argument types shared by the subcommands' parsers.

Imports: the standard library only.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["positive"]


def positive(kind: type[float] | type[int]) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)``, refused unless it is above zero."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
        return value

    return parse
