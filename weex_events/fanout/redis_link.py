"""The one place ``redis`` is opened: an asyncio client without hidden retries,
and the failures that mean "Redis is unreachable right now".

The publisher and the subscriber retry on their own terms (with
:func:`weex_events.backoff.backoff`), so the client's built-in retry is
disabled: a silent re-send of a pipeline could add private entries twice.

Imports: redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = [
    "UNREACHABLE",
    "ResponseError",
    "open_redis",
    "raise_if_cancelled",
    "redacted",
    "reopen_redis",
]

#: Failures after which the link is re-opened with backoff.
UNREACHABLE: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
)


def open_redis(url: str, *, timeout: float = 5.0) -> Any:
    """An asyncio Redis client for ``url`` (``redis://host:port/db``).

    Commands fail at once when the server is gone (no built-in retry).
    """
    return aioredis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


async def reopen_redis(redis: Any, url: str) -> Any:
    """Close ``redis`` (whatever state its link is in) and open ``url`` again."""
    with contextlib.suppress(*UNREACHABLE):
        await redis.aclose()
    return open_redis(url)


def redacted(url: str) -> str:
    """``url`` without its password (for logs and reprs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=user + host))


def raise_if_cancelled() -> None:
    """Re-raise a cancellation that redis turned into a connection error.

    redis-py closes a connection whose command was cancelled and may surface
    that as ``ConnectionError``; a retry loop must not mistake it for an outage.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
