"""The reconnect decision: after a failed open or a dropped socket, retry after a
delay or give up. Pure: no clock, no sleep, no socket; the caller says what
failed and how long the socket had been up.

One :class:`ReconnectPolicy` per connection makes every decision, for failed
opens and for drops alike (DESIGN §2): the ``retryable`` classifier sees the
failure (a drop arrives as a :class:`~weex_events.WeexConnectionError` carrying
the close code), and the delays come from the injected backoff, restarted only
after a socket stayed up for ``reset_after`` seconds.

Imports: ``errors``, ``backoff``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .backoff import Backoff, is_retryable

__all__ = ["GiveUp", "ReconnectPolicy", "Retry"]


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again after ``delay`` seconds; ``attempt`` counts since the last
    healthy connection (1 for the first retry)."""

    delay: float
    attempt: int


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop: ``failure`` is final (``retryable`` said so)."""

    failure: BaseException


class ReconnectPolicy:
    """Retry or give up, for one connection.

    Args:
        backoff: factory of delays; a new sequence starts after a healthy period.
        retryable: whether a failure is worth another attempt.
        reset_after: seconds a socket must have stayed up for the delays to
            start over from the first one.
    """

    def __init__(
        self,
        backoff: Backoff,
        *,
        retryable: Callable[[BaseException], bool] = is_retryable,
        reset_after: float,
    ) -> None:
        self._backoff = backoff
        self._retryable = retryable
        self._reset_after = reset_after
        self._delays: Iterator[float] | None = None
        self.attempt = 0

    def after_drop(
        self, failure: BaseException, connected_for: float
    ) -> Retry | GiveUp:
        """A socket that was up for ``connected_for`` seconds was lost with
        ``failure``: the first decision of an outage."""
        if connected_for >= self._reset_after:
            self._delays = None
        return self.after_failure(failure)

    def after_failure(self, failure: BaseException) -> Retry | GiveUp:
        """An open failed with ``failure`` (or an outage begins): the next step."""
        if not self._retryable(failure):
            return GiveUp(failure)
        if self._delays is None:
            self._delays = self._backoff()
            self.attempt = 0
        self.attempt += 1
        return Retry(next(self._delays), self.attempt)
