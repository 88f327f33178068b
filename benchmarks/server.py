"""The load server: pre-encoded WEEX V3 frames pushed over loopback, fast or steady.

One ``aiohttp.web`` WebSocket endpoint on 127.0.0.1 that speaks just enough of
WEEX-WS.md §1 for a client to believe it: the greeting on open (§1.1), acks
``{"result":true,"id":<id>}`` for SUBSCRIBE, UNSUBSCRIBE, PING and PONG (§1.3,
§1.4) and rejections for channels it does not serve. Once ``expect`` channels are
subscribed it pushes a *run* for them, shaped by the URL's query string:

* ``rate=0`` (blast): ``warmup`` frames, the ``start``-marked frame, a pause of
  ``pause`` seconds, then the rest of the ``n`` measured frames as fast as the
  socket takes them, ``burst`` frames per write, the last one ``end``-marked.
  The pause lets the client work off the warmup backlog and go idle, so that a
  conflating stream hands the marker to its consumer before the measured frames
  arrive (by default 50 ms plus 50 µs per warmup frame);
* ``rate>0`` (steady, tickers only): the same run at ``rate`` frames per second,
  every frame stamped with its send time (``frames.SEND_TIME_FIELD``);
* ``scale=RATE&total=CHANNELS`` (the scale case, :mod:`benchmarks.scale`): from
  the first SUBSCRIBE until the socket closes, stamped ticker and trade frames at
  this connection's share of an aggregate ``RATE``, with no markers.

Ticker channels (``SYM@ticker``) get round-robin tickers for every subscribed
symbol; a depth channel (``SYM@depth15``, ``SYM@depth200``, ``SYM@depth``) gets a
snapshot and a valid chain of deltas for a book of that many levels. Frames are
framed once (RFC 6455 §5.2, unmasked text frames) and cached across connections,
so every round sends the same bytes.

Run it alone with ``python -m benchmarks.server [--port N]``: it prints
``PORT <n>`` and serves until terminated.

Imports: ``benchmarks.frames``, ``benchmarks.scale``, aiohttp, orjson.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal
import struct
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from . import frames
from .scale import push_steady

__all__ = ["LoadServer", "RunParams", "ws_frame"]

# Stop writing while this much is queued in the transport (the kernel's socket
# buffers hold more): the server stays ahead of the client without hoarding.
_HIGH_WATER = 1 << 20
_TICKER_CYCLE = 4096
_DEPTHS = {"depth": 15, "depth15": 15, "depth200": 200}


def ws_frame(payload: bytes) -> bytes:
    """``payload`` as one unmasked, final text frame (RFC 6455 §5.2)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


@dataclass(frozen=True)
class RunParams:
    """What one connection asks for, from its URL query string."""

    n: int = 10_000
    warmup: int = 1_000
    burst: int = 150
    rate: float = 0.0
    expect: int = 1
    pause: float | None = None
    scale: float = 0.0
    total: int = 1

    @property
    def idle(self) -> float:
        """Seconds to pause after the start marker."""
        return 0.05 + 50e-6 * self.warmup if self.pause is None else self.pause

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> RunParams:
        """Parse ``?n=..&warmup=..&burst=..&rate=..&expect=..&pause=..``."""
        return cls(
            n=max(2, int(query.get("n", cls.n))),
            warmup=max(0, int(query.get("warmup", cls.warmup))),
            burst=max(1, int(query.get("burst", cls.burst))),
            rate=float(query.get("rate", cls.rate)),
            expect=max(1, int(query.get("expect", cls.expect))),
            pause=float(query["pause"]) if "pause" in query else None,
            scale=float(query.get("scale", cls.scale)),
            total=max(1, int(query.get("total", cls.total))),
        )


def _reply(req_id: Any, ok: bool = True, msg: str | None = None) -> str:
    body: dict[str, Any] = {"result": ok, "id": req_id}
    if msg is not None:
        body["msg"] = msg
    return orjson.dumps(body).decode()


class LoadServer:
    """Serves ``/v3/ws/public`` on 127.0.0.1; see the module docstring."""

    def __init__(self) -> None:
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._tickers: dict[tuple[str, ...], list[bytes]] = {}
        self._depths: dict[tuple[str, int, int], list[bytes]] = {}

    async def start(self, port: int = 0) -> int:
        """Listen on 127.0.0.1:``port`` (0: any free port); returns the port."""
        app = web.Application()
        app.router.add_get("/v3/ws/public", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    # -- one connection --------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        params = RunParams.from_query(request.query)
        ws = web.WebSocketResponse(compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        # WEEX-WS.md §1.1: the greeting comes unprompted on open.
        now = str(int(time.time() * 1000))
        await ws.send_str(
            orjson.dumps(
                {"cid": str(uuid.uuid4()), "event": "connected", "time": now}
            ).decode()
        )
        channels: list[str] = []
        pusher: asyncio.Task[None] | None = None
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    await self._command(ws, msg.data, channels, params.scale > 0)
                except ConnectionError:
                    break  # the client left while we answered: the run is over
                if pusher is None and params.scale > 0 and channels:
                    transport = request.transport
                    assert isinstance(transport, asyncio.WriteTransport)
                    pusher = asyncio.create_task(
                        push_steady(
                            transport, channels, params.scale, params.total, ws_frame
                        )
                    )
                elif pusher is None and len(channels) >= params.expect:
                    pusher = asyncio.create_task(
                        self._push(request, ws, list(channels), params)
                    )
        finally:
            if pusher is not None:
                pusher.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await pusher
        return ws

    async def _command(
        self,
        ws: web.WebSocketResponse,
        text: str,
        channels: list[str],
        trades: bool = False,
    ) -> None:
        try:
            cmd = orjson.loads(text)
            method, req_id = cmd.get("method"), cmd.get("id")
        except (orjson.JSONDecodeError, AttributeError):
            # WEEX-WS.md §1.4: an unparseable message is rejected without an id.
            await ws.send_str(
                orjson.dumps(
                    {"result": False, "msg": f"INVALID_ARGUMENT: {text[:80]}"}
                ).decode()
            )
            return
        if method == "SUBSCRIBE":
            bad = [
                p
                for p in cmd.get("params", [])
                if _stream_of(p) is None
                and not (trades and isinstance(p, str) and p.endswith("@trade"))
            ]
            if bad:
                await ws.send_str(
                    _reply(req_id, False, f"INVALID_ARGUMENT: invalid event : {bad[0]}")
                )
                return
            channels.extend(cmd["params"])
        elif method == "UNSUBSCRIBE":
            for param in cmd.get("params", []):
                if param in channels:
                    channels.remove(param)
        # SUBSCRIBE, UNSUBSCRIBE, PING and PONG are all acked (WEEX-WS.md §1.3-4).
        await ws.send_str(_reply(req_id))

    async def _push(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        channels: list[str],
        params: RunParams,
    ) -> None:
        transport = request.transport
        assert transport is not None
        tickers = [p.partition("@")[0].upper() for p in channels if _stream_of(p) == 0]
        depths = [p for p in channels if _stream_of(p)]
        if params.rate > 0:
            await self._steady(transport, tickers[0], params)
            return
        if depths:
            symbol = depths[0].partition("@")[0].upper()
            depth = _stream_of(depths[0]) or 15
            run = self._depth_run(symbol, depth, params)
            head = run[: params.warmup + 1]  # the snapshot and the warmup deltas
            rest = run[params.warmup + 1 :]
            start_frame, end_frame = run[params.warmup + 1], run[-1]
        else:
            cycle = self._ticker_cycle(tuple(tickers))
            body = list(
                itertools.islice(itertools.cycle(cycle), params.warmup + params.n)
            )
            head = body[: params.warmup]
            rest = body[params.warmup :]
            start_frame, end_frame = rest[0], rest[-1]
        await self._blast(transport, [*head, _remark(start_frame, "start")], params)
        await asyncio.sleep(params.idle)
        await self._blast(transport, [*rest[1:-1], _remark(end_frame, "end")], params)

    async def _blast(
        self, transport: asyncio.BaseTransport, run: list[bytes], params: RunParams
    ) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        burst = params.burst
        for i in range(0, len(run), burst):
            if transport.is_closing():
                return
            transport.write(b"".join(run[i : i + burst]))
            # The transport's flow-control callbacks belong to aiohttp's protocol;
            # polling its public buffer size every millisecond is enough here.
            while transport.get_write_buffer_size() > _HIGH_WATER:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            await asyncio.sleep(0)  # one burst per loop turn: acks stay timely

    async def _steady(
        self, transport: asyncio.BaseTransport, symbol: str, params: RunParams
    ) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        plain, start, end = (
            frames.stamped_template(symbol, mark) for mark in (None, "start", "end")
        )
        total = params.warmup + params.n
        interval = 1.0 / params.rate
        began = time.perf_counter()
        for i in range(total):
            due = began + i * interval
            wait = due - time.perf_counter()
            if wait > 0.002:
                await asyncio.sleep(wait - 0.001)
                wait = due - time.perf_counter()
            if wait > 0:
                # asyncio's timers are only millisecond-precise; this process
                # feeds one client, so a short blocking sleep keeps the pace.
                time.sleep(wait)  # noqa: ASYNC251
            prefix, suffix = (
                start if i == params.warmup else end if i == total - 1 else plain
            )
            if transport.is_closing():
                return
            transport.write(ws_frame(prefix + str(time.time_ns()).encode() + suffix))
            if i % 16 == 0:
                await asyncio.sleep(0)  # let the loop read the client's frames

    # -- cached runs -----------------------------------------------------------

    def _ticker_cycle(self, symbols: tuple[str, ...]) -> list[bytes]:
        cycle = self._tickers.get(symbols)
        if cycle is None:
            raw = frames.ticker_frames(symbols, _TICKER_CYCLE)
            cycle = self._tickers[symbols] = [ws_frame(frames.encode(f)) for f in raw]
        return cycle

    def _depth_run(self, symbol: str, depth: int, params: RunParams) -> list[bytes]:
        """Snapshot + ``warmup + n`` deltas, framed (cached per shape)."""
        key = (symbol, depth, params.warmup + params.n)
        run = self._depths.get(key)
        if run is None:
            if len(self._depths) > 4:
                self._depths.clear()  # bounded: the suite uses two shapes
            stream = frames.depth_frames(symbol, depth, key[2])
            run = self._depths[key] = [ws_frame(frames.encode(f)) for f in stream]
        return run


def _stream_of(param: Any) -> int | None:
    """0 for a ticker param, the depth for a depth param, ``None`` otherwise."""
    if not isinstance(param, str):
        return None
    symbol, at, stream = param.partition("@")
    if not at or not symbol.isalnum():
        return None
    if stream == "ticker":
        return 0
    return _DEPTHS.get(stream)


def _unframe(framed: bytes) -> bytes:
    size = framed[1] & 0x7F
    return framed[2 + {126: 2, 127: 8}.get(size, 0) :]


def _remark(framed: bytes, mark: str) -> bytes:
    """The framed push ``framed`` re-encoded with the run marker ``mark``."""
    return ws_frame(frames.encode(frames.marked(orjson.loads(_unframe(framed)), mark)))


async def _serve(port: int) -> None:
    server = LoadServer()
    bound = await server.start(port)
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.server [--port N]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
