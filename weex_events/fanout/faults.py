"""What the fan-out's tasks do about a failed Redis call (pure): a subscriber's
reading and a publisher's writing (which has no group: ``NOGROUP`` stops it).

:func:`remedy` maps an exception to a :class:`Remedy`, from two tables:
redis-py's exception classes, then the first word of a Redis error reply
(its code). Anything neither table names stops the task: an error
nobody planned for is never retried in silence.

* **Retried** (the link is re-opened after a backoff delay): the connection
  failed or timed out, and the server is starting (``LOADING``), busy
  (``BUSY``: a script runs), a replica (``READONLY``, ``MASTERDOWN``: a
  failover is under way), out of memory (``OOM``), resharding (``TRYAGAIN``,
  ``CLUSTERDOWN``) or ended a blocking read (``UNBLOCKED``: the key was
  deleted, or ``CLIENT UNBLOCK``).
* **Group re-created**: ``NOGROUP``, the consumer group or its stream is gone.
* **Fatal**: wrong credentials or missing permissions (``WRONGPASS``,
  ``NOAUTH``, ``NOPERM``), a key that is not a stream (``WRONGTYPE``), a
  command the server lacks (a Redis older than 6.2), and any other exception.

Imports: redis (exception classes only).
"""

from __future__ import annotations

import enum

from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    ClusterDownError,
    NoPermissionError,
    OutOfMemoryError,
    ReadOnlyError,
    ResponseError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["Remedy", "remedy"]


class Remedy(enum.Enum):
    """What the task does next."""

    RECONNECT = "reconnect"
    """Wait a backoff delay, re-open the link, read again (own backlog first)."""
    REJOIN = "rejoin"
    """Create the consumer group again, then read on."""
    STOP = "stop"
    """Stop the subscriber or publisher loudly: the failure reaches its users."""


#: By exception class, first match wins (subclasses before their bases).
#: redis-py raises ``LOADING`` as ``BusyLoadingError`` and a full server as
#: ``MaxClientsReachedError``, both connection errors.
_BY_CLASS: tuple[tuple[type[BaseException], Remedy], ...] = (
    (AuthenticationError, Remedy.STOP),  # a ConnectionError; retrying cannot help
    (AuthorizationError, Remedy.STOP),
    (NoPermissionError, Remedy.STOP),
    (RedisConnectionError, Remedy.RECONNECT),
    (RedisTimeoutError, Remedy.RECONNECT),
    (OSError, Remedy.RECONNECT),
    (ReadOnlyError, Remedy.RECONNECT),
    (ClusterDownError, Remedy.RECONNECT),  # MASTERDOWN too
    (TryAgainError, Remedy.RECONNECT),
    (OutOfMemoryError, Remedy.RECONNECT),
)

#: By the code of an error reply redis-py raises as a plain ``ResponseError``.
_BY_CODE: dict[str, Remedy] = {
    "NOGROUP": Remedy.REJOIN,
    "BUSY": Remedy.RECONNECT,
    "UNBLOCKED": Remedy.RECONNECT,
}


def remedy(exc: BaseException) -> Remedy:
    """What to do after ``exc`` ended a round of reading or writing."""
    for cls, what in _BY_CLASS:
        if isinstance(exc, cls):
            return what
    if type(exc) is ResponseError:
        return _BY_CODE.get(str(exc).split(" ", 1)[0], Remedy.STOP)
    return Remedy.STOP
