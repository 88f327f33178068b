"""The fan-out side of the ``weex-events`` command: ``fanout`` (an ingest
process publishing to Redis) and ``tail --redis`` (reading from it).

``weex_events.cli`` imports this module only when those options are used, so the
command works without the ``fanout`` extra.

Imports: ``errors``, ``config``, ``events``, ``client``, ``sim``, ``metrics``,
``fanout``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TextIO

from ..client import WeexWebSocketClient
from ..config import WeexConfig
from ..errors import ConfigError
from ..sim import Simulator
from .entries import account_id
from .publisher import RedisPublisher
from .redis_link import redacted
from .subscriber import RedisSubscriber

__all__ = ["parse_start", "run_fanout", "tail_redis"]

JsonLine = Callable[[Any, float], bytes]


def parse_start(text: str) -> str | float:
    """``--start``: ``$`` (live), ``0`` (beginning), an entry id, or a time.

    A time is seconds since the epoch (``1767225600``, ``1767225600.5``).

    Raises:
        ConfigError: none of these.
    """
    if text in ("$", "0") or re.fullmatch(r"\d+-\d+", text):
        return text
    try:
        return float(text)
    except ValueError:
        raise ConfigError(
            "start", f"not '$', '0', an entry id or a time: {text!r}"
        ) from None


def _metrics(
    client: Any, port: int | None, publisher: RedisPublisher | None = None
) -> AbstractAsyncContextManager[Any]:
    from ..metrics import maybe_serve_metrics

    return maybe_serve_metrics(client, port, publisher=publisher, announce=sys.stderr)


async def tail_redis(args: argparse.Namespace, out: TextIO, line: JsonLine) -> None:
    """``tail --redis URL EVENT…``: print events read from Redis as JSON lines.

    The private stream's account is ``--account``, else derived from
    ``WEEX_API_KEY`` as the publisher derives it (no secret is needed); the
    market is ``WEEX_MARKET`` (default ``contract``).
    """
    # A consumer needs no secret: the API key only names the account's stream.
    api_key = os.environ.get("WEEX_API_KEY")
    account = args.account or (account_id(api_key) if api_key else None)
    subscriber = RedisSubscriber(
        args.redis,
        prefix=args.prefix,
        market=os.environ.get("WEEX_MARKET") or "contract",
        account=account,
        start=parse_start(args.start),
    )
    stream = subscriber.stream(*args.events)
    seen = 0
    async with _metrics(subscriber, args.metrics_port), subscriber, stream:
        async for item in stream:
            out.write(line(item, time.time()).decode())
            out.flush()
            seen += 1
            if args.count is not None and seen >= args.count:
                return


async def run_fanout(
    args: argparse.Namespace,
    out: TextIO,
    simulator: Callable[[argparse.Namespace], Simulator],
) -> None:
    """``fanout --redis URL EVENT… [--sim]``: publish until stopped.

    Raises:
        FanoutError: private events could not reach Redis within the bound.
    """
    if not args.sim:
        await _publish(WeexConfig.from_env(), args, out)
        return
    async with simulator(args) as sim:
        await _publish(sim.config(), args, out)


async def _publish(config: WeexConfig, args: argparse.Namespace, out: TextIO) -> None:
    client = WeexWebSocketClient(config)
    publisher = RedisPublisher(
        client, args.redis, events=args.events, prefix=args.prefix
    )
    # The publisher and the metrics register first: they see the first events.
    async with publisher, _metrics(client, args.metrics_port, publisher), client:
        out.write(
            f"# weex-events fanout: {len(args.events)} events from "
            f"{config.public_url} to {redacted(args.redis)} "
            f"(prefix {args.prefix!r}, account {publisher.account or '-'})\n"
        )
        out.flush()
        await publisher.wait_closed()
