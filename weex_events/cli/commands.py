"""The subcommands: ``demo``, ``sim``, ``tail`` and ``fanout``, one coroutine each.

Each takes the parsed arguments and the output stream; :func:`run_until` runs one
until it returns, ``--seconds`` pass or SIGTERM arrives.

Imports: ``errors``, ``config``, ``client``, ``sim``, ``dashboard``, and
:mod:`weex_events.cli.output`; ``metrics`` and ``fanout`` only inside the
commands that use them (their extras are optional).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, TextIO

from ..client import WeexWebSocketClient
from ..config import WeexConfig
from ..dashboard import DEMO_VARIABLES, demo_environment, run_demo
from ..errors import ConfigError, RecordingError
from ..sim import Simulator
from .output import CommandError, check_events, json_line

__all__ = ["COMMANDS", "run_until"]


async def run_until(work: Coroutine[Any, Any, None], seconds: float | None) -> None:
    """Run ``work`` until it returns, ``seconds`` pass or SIGTERM arrives.

    Ctrl-C cancels the whole run (asyncio.run); ``work`` is cancelled and awaited
    either way, so its ``async with`` blocks close sockets and the simulator.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(work, name="weex_events: cli command")
    stop = asyncio.Event()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)  # not on Windows
    stopper = asyncio.create_task(stop.wait(), name="weex_events: cli sigterm")
    try:
        await asyncio.wait(
            {task, stopper}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGTERM)
        stopper.cancel()
        task.cancel()
        await asyncio.gather(stopper, return_exceptions=True)
        try:
            await task
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if me is not None and me.cancelling():
                raise


def _simulator(args: argparse.Namespace, **kwargs: Any) -> Simulator:
    try:
        return Simulator(seed=args.seed, speed=args.speed, **kwargs)
    except ValueError as exc:  # an unknown symbol
        raise ConfigError("simulator", str(exc)) from None
    except RecordingError as exc:  # sim --replay with a file it cannot serve
        raise ConfigError("--replay", str(exc)) from None


async def _demo(args: argparse.Namespace, out: TextIO) -> None:
    live = out.isatty() and not args.plain
    overrides, ignored = demo_environment(os.environ)
    if ignored:
        print(
            f"weex-events demo: ignoring {', '.join(ignored)}: the demo runs its "
            "own simulator and paper account (it honours "
            f"{' and '.join(DEMO_VARIABLES)})",
            file=sys.stderr,
        )
    if args.market is not None:
        overrides["market"] = args.market
    async with _simulator(args, symbols=args.symbols) as sim:
        config = sim.config(**overrides)
        if not live:
            out.write(f"# weex-events demo: simulator at {config.public_url}\n")
        await run_demo(
            config, args.symbols, out, live=live, metrics_port=args.metrics_port
        )


async def _serve(args: argparse.Namespace, out: TextIO) -> None:
    sim = _simulator(
        args,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        secret_key=args.secret_key,
        passphrase=args.passphrase,
        balance=args.balance,
        replay=args.replay,
    )
    try:
        await sim.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        hint = "; --port 0 picks a free port" if args.port else ""
        raise CommandError(
            f"cannot listen on {args.host}:{args.port}: {reason}{hint}"
        ) from None
    try:
        out.write(
            f"WEEX simulator on {sim.host}:{sim.port} "
            f"(seed {args.seed}, speed {args.speed:g})\n"
            f"  public WebSocket:  {sim.ws_public_url}\n"
            f"  private WebSocket: {sim.ws_private_url}\n"
            f"  REST:              {sim.rest_url}\n"
            "Point a client at it:\n"
            f"export WEEX_WS_PUBLIC_URL={sim.ws_public_url}\n"
            f"export WEEX_WS_PRIVATE_URL={sim.ws_private_url}\n"
            f"export WEEX_REST_URL={sim.rest_url}\n"
            "# the simulator's paper account (its own credentials, not WEEX's):\n"
            f"export WEEX_API_KEY={shlex.quote(args.api_key)}\n"
            f"export WEEX_SECRET_KEY={shlex.quote(args.secret_key)}\n"
            f"export WEEX_PASSPHRASE={shlex.quote(args.passphrase)}\n"
            + sim.spot.exports()
        )
        if args.replay:
            out.write(f"# the public WebSocket replays {args.replay}\n")
        out.flush()  # a parent process may be waiting for these lines
        if args.serve_for is None:
            await asyncio.Event().wait()  # serve until cancelled
        else:
            await asyncio.sleep(args.serve_for)
    finally:
        await sim.stop()


async def _tail(args: argparse.Namespace, out: TextIO) -> None:
    events = check_events(args.events)
    if args.redis:
        from ..fanout.cli import tail_redis  # needs the fanout extra

        await tail_redis(args, out, json_line)
        return
    market = {} if args.market is None else {"market": args.market}
    if not args.sim:
        await _tail_from(WeexConfig.from_env(**market), events, args.count, out, args)
        return
    async with _simulator(args) as sim:
        await _tail_from(sim.config(**market), events, args.count, out, args)


async def _tail_from(
    config: WeexConfig,
    events: list[str],
    count: int | None,
    out: TextIO,
    args: argparse.Namespace,
) -> None:
    client = WeexWebSocketClient(config)
    stream = client.stream(*events)  # checks names and credentials before connecting
    seen = 0
    metrics: Any = contextlib.nullcontext()
    if args.metrics_port is not None:
        from ..metrics import maybe_serve_metrics  # needs the metrics extra

        metrics = maybe_serve_metrics(client, args.metrics_port, announce=sys.stderr)
    async with metrics, client, stream:  # metrics first: it sees "connected"
        async for item in stream:
            out.write(json_line(item, time.time()).decode())
            out.flush()  # live output through pipes (| jq)
            seen += 1
            if count is not None and seen >= count:
                return


COMMANDS: Mapping[
    str, Callable[[argparse.Namespace, TextIO], Coroutine[Any, Any, None]]
]


async def _fanout(args: argparse.Namespace, out: TextIO) -> None:
    check_events(args.events)
    from ..fanout.cli import run_fanout  # needs the fanout extra

    await run_fanout(args, out, _simulator)


COMMANDS = {"demo": _demo, "sim": _serve, "tail": _tail, "fanout": _fanout}
