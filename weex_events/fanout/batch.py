"""One pipelined batch of ``XADD``: what the publisher sends, and what Redis's
replies to it mean for the entries in it.

The oldest waiting entries leave in one pipeline (no transaction): market and
lifecycle entries first, then private ones. Redis answers each ``XADD`` on its
own, with an id or an error:

* a market entry confirmed leaves for good (counted per key); one refused
  goes back to the front of its buffer, oldest first, for the next try;
* private entries leave once confirmed, in order
  (:meth:`~weex_events.fanout.private_log.PrivateLog.settle`);
* after the accounting, the batch raises Redis's error, a fatal one first
  (:func:`~weex_events.fanout.faults.remedy`): the publisher waits out the
  others and stops on a fatal one.

Imports: ``fanout.faults``, ``fanout.market_buffer``, ``fanout.private_log``.
"""

from __future__ import annotations

import collections
import time
from typing import Any

from .faults import Remedy, remedy
from .market_buffer import Item, MarketBuffer, fields_of
from .private_log import PrivateLog

__all__ = ["send_batch"]


async def send_batch(
    redis: Any,
    market: MarketBuffer,
    private: PrivateLog,
    *,
    size: int,
    maxlen: int,
    book_levels: int | None,
    published: collections.Counter[str],
) -> None:
    """Send up to ``size`` waiting entries; count those Redis confirmed.

    Raises:
        Exception: the link failed (the whole batch waits again), or Redis
            refused an entry (that entry waits again): a fatal refusal first.
    """
    batch = market.take(size)
    pipe = redis.pipeline(transaction=False)
    for key, item in batch:
        pipe.xadd(key, fields_of(item, book_levels), maxlen=maxlen, approximate=True)
    sent = private.add_to(pipe, size - len(batch), int(time.time() * 1000))
    try:
        results = await pipe.execute(raise_on_error=False)
    except BaseException:
        market.put_back(batch)
        raise
    errors: list[Exception] = []
    refused: list[tuple[str, Item]] = []
    for (key, item), result in zip(batch, results, strict=False):
        if isinstance(result, Exception):
            errors.append(result)
            refused.append((key, item))
        else:
            published[key] += 1
    market.put_back(refused)
    try:
        await private.settle(redis, sent, results[len(batch) :])
    except Exception as exc:
        errors.append(exc)
    if errors:
        raise next((e for e in errors if remedy(e) is Remedy.STOP), errors[0])
