"""The scale case: 1,000 channels over sharded connections at a steady aggregate rate.

Users outgrowing one connection subscribe to hundreds of symbols: here 500
symbols × (``ticker``, ``trade``) = 1,000 channels. WEEX allows 100 channels per
connection, so the SDK shards them over ten connections (its configured
``max_channels_per_connection``); the floor, a bare ``aiohttp`` + ``orjson``
client, opens the same number of connections with the same channels.

Server side (:func:`push_steady`, used by :mod:`benchmarks.server` for
``?scale=RATE/CHANNELS``): each connection gets its share of the aggregate rate,
``RATE × (its channels) / CHANNELS``, round-robin over the channels it holds
*now* (so a connection that is still subscribing sends less), every frame
stamped with its send time (``frames.SEND_TIME_FIELD``). Frames are written in
millisecond batches; when the client does not keep up (more than a megabyte
queued), the frames due are skipped and counted rather than queued forever.

Client side (:func:`floor_scale`, :func:`sdk_scale`): subscribe everything, wait
for the server's acks, warm up one second, then measure ``n`` handled frames
(CPU time, latency percentiles, drops) through the shared
:class:`~benchmarks.runners.Window`.

Imports: ``benchmarks.frames``, ``benchmarks.runners`` and ``weex_events`` (in
the SDK runner: the runners import this module), aiohttp, orjson.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from . import frames

if TYPE_CHECKING:
    from .runners import Scenario, Window

__all__ = [
    "SCALE_CHANNELS",
    "SCALE_RATE",
    "SCALE_SYMBOLS",
    "floor_scale",
    "push_steady",
    "scale_params",
    "sdk_scale",
]

#: Symbols of the scale case: 500, each with a ticker and a trade channel.
SCALE_SYMBOLS = tuple(f"S{i:03d}USDT" for i in range(500))
#: Channels of the scale case.
SCALE_CHANNELS = 2 * len(SCALE_SYMBOLS)
#: Aggregate frames per second over every connection.
SCALE_RATE = 20_000.0
#: Channels per connection (WEEX's limit, and the SDK's default).
PER_CONNECTION = 100
#: Seconds of steady load between the last ack and the measured window.
WARMUP_S = 1.0

_HIGH_WATER = 1 << 20
_PLACEHOLDER = 1234567890123456789


def scale_params() -> list[str]:
    """The 1,000 wire params, tickers first (the SDK's ``subscribe`` order)."""
    return [f"{s}@ticker" for s in SCALE_SYMBOLS] + [
        f"{s}@trade" for s in SCALE_SYMBOLS
    ]


# -- server ------------------------------------------------------------------------


def _template(param: str) -> tuple[bytes, bytes]:
    """A stamped frame for ``SYM@ticker`` or ``SYM@trade``: ``(prefix, suffix)``."""
    symbol, _, stream = param.partition("@")
    symbol = symbol.upper()
    if stream == "ticker":
        return frames.stamped_template(symbol)
    # WEEX-WS.md §1.5 trade push, one trade per frame (as in quiet markets).
    item = {
        "T": 1775121040002,
        "t": "c2a965c5-1bb3-4bb5-9222-2ee3a96c6556",
        "p": "2041.50",
        "q": "0.020",
        "v": "40.83000",
        "m": False,
        frames.SEND_TIME_FIELD: _PLACEHOLDER,
    }
    frame = {"e": "trade", "E": 1775121040010, "s": symbol, "d": [item]}
    prefix, _, suffix = frames.encode(frame).partition(str(_PLACEHOLDER).encode())
    return prefix, suffix


async def push_steady(
    transport: asyncio.WriteTransport,
    channels: list[str],
    rate: float,
    total: int,
    ws_frame: Callable[[bytes], bytes],
) -> None:
    """Push stamped frames for the live ``channels`` list until the socket closes.

    This connection's rate is ``rate × len(channels) / total``.
    """
    templates: dict[str, tuple[bytes, bytes]] = {}
    began = time.perf_counter()
    sent = 0.0  # frames due so far (fractional), sent or skipped
    turn = 0
    skipped = 0
    while not transport.is_closing():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        live = list(channels)
        share = rate * len(live) / total
        due = share * (now - began) - sent
        count = int(due)
        if count <= 0 or not live:
            if not live:
                began, sent = now, 0.0
            continue
        sent += count
        if transport.get_write_buffer_size() > _HIGH_WATER:
            skipped += count  # the client is behind: do not hoard frames
            continue
        stamp = str(time.time_ns()).encode()
        batch = []
        for _ in range(count):
            param = live[turn % len(live)]
            turn += 1
            template = templates.get(param)
            if template is None:
                template = templates[param] = _template(param)
            batch.append(ws_frame(template[0] + stamp + template[1]))
        transport.write(b"".join(batch))


# -- clients -----------------------------------------------------------------------


def _shards(params: list[str]) -> list[list[str]]:
    return [
        params[i : i + PER_CONNECTION] for i in range(0, len(params), PER_CONNECTION)
    ]


def _count(window: Window, stamp: int) -> None:
    if window.active:
        window.latencies_ns.append(time.time_ns() - stamp)
        window.seen += 1


async def _measure(window: Window, n: int) -> None:
    """Warm up, then open the window until ``n`` frames were handled in it."""
    await asyncio.sleep(WARMUP_S)
    window.mark("start")
    window.seen = 0
    # Polled, so that the per-frame count stays the same in the floor and the SDK.
    while window.seen < n:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    window.mark("end")


async def floor_scale(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """Bare aiohttp: one connection per 100 channels, ``orjson.loads`` each frame."""
    loads = orjson.loads
    text = aiohttp.WSMsgType.TEXT
    field = frames.SEND_TIME_FIELD

    async def read(ws: Any) -> None:
        receive = ws.receive
        while True:
            msg = await receive()
            if msg.type is not text:
                return
            doc = loads(msg.data)
            items = doc.get("d")
            if items is None:
                continue  # greeting, acks
            for item in items:
                _count(window, item[field])

    async with aiohttp.ClientSession() as session:
        sockets = []
        for shard in _shards(list(scenario.params)):
            ws = await session.ws_connect(url, decode_text=False, max_msg_size=1 << 24)
            sockets.append(ws)
            command = {"method": "SUBSCRIBE", "params": shard, "id": 1}
            await ws.send_str(orjson.dumps(command).decode())
        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        try:
            await _measure(window, window.target)
        finally:
            for task in readers:
                task.cancel()
            for ws in sockets:
                await ws.close()
        return {"dropped": 0}


async def sdk_scale(url: str, scenario: Scenario, window: Window) -> dict[str, Any]:
    """The SDK: sync handlers on ``ticker`` and ``trade``, 1,000 channels."""
    from .runners import _client, _sdk_stats

    field = frames.SEND_TIME_FIELD

    def handler(msg: Any) -> None:
        _count(window, msg.raw[field])

    async with _client(url) as client:
        client.on("ticker", handler)
        client.on("trade", handler)
        await client.subscribe("ticker", SCALE_SYMBOLS)
        await client.subscribe("trade", SCALE_SYMBOLS)
        await _measure(window, window.target)
        return _sdk_stats(client)
