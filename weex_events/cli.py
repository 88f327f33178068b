"""The ``weex-events`` command: ``demo``, ``sim`` and ``tail``.

``demo`` runs the embedded simulator and the live view of
:mod:`weex_events.dashboard` in one process; ``sim`` serves the simulator
standalone; ``tail`` prints events as JSON lines from the configured endpoint or
an embedded simulator. Every command runs under :func:`main`, which turns errors
into one line on stderr and an exit status: 0 done (``--seconds``, ``--count``,
Ctrl-C or SIGTERM), 1 connection failure, 2 usage, configuration, event name or a
subscription the server refused.

Imports: ``errors``, ``config``, ``events``, ``client``, ``sim``, ``dashboard``,
orjson.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from typing import Any, TextIO

import orjson

from .client import WeexWebSocketClient
from .config import WeexConfig, __version__
from .dashboard import DEMO_VARIABLES, demo_environment, run_demo
from .errors import ConfigError, RecordingError, SubscriptionError, WeexError
from .events import (
    LIFECYCLE_EVENTS,
    MARKET_KINDS,
    PRIVATE_KINDS,
    ErrorEvent,
    ResyncEvent,
    SlowConsumerEvent,
    StaleEvent,
    StreamMessage,
    split_event,
)
from .sim import Simulator

__all__ = ["build_parser", "check_events", "json_line", "main"]

DEFAULT_SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")

_LIFECYCLE_TYPES: Mapping[type, str] = {
    ErrorEvent: "error",
    ResyncEvent: "resync",
    SlowConsumerEvent: "slow_consumer",
    StaleEvent: "stale",
}


class CommandError(Exception):
    """A failure reported as one line on stderr with exit status ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def check_events(events: Sequence[str]) -> list[str]:
    """Validate ``tail`` event names; market kinds must name a symbol.

    Raises:
        ConfigError: an unknown kind, a bad name, or a bare market kind.
    """
    known = sorted(MARKET_KINDS | PRIVATE_KINDS | LIFECYCLE_EVENTS)
    for event in events:
        kind, symbol = split_event(event)
        if kind not in known:
            raise ConfigError("event", f"unknown event {event!r}; known: {known}")
        if kind in MARKET_KINDS and symbol is None:
            raise ConfigError("event", f"{kind!r} needs a symbol, e.g. {kind}:BTCUSDT")
        if kind in LIFECYCLE_EVENTS and symbol is not None:
            raise ConfigError("event", f"{kind!r} takes no symbol")
    return list(events)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, BaseException):
        return f"{type(obj).__name__}: {obj}"
    return str(obj)  # Decimal, Channel (a NamedTuple orjson refuses), anything else


def _payload_data(payload: Any) -> Any:
    if not dataclasses.is_dataclass(payload):
        return payload
    # Shallow on purpose: asdict() would deep-copy exceptions (ErrorEvent).
    data = {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload)}
    return {k: str(v) if isinstance(v, tuple) else v for k, v in data.items()}


def json_line(item: Any, now: float) -> bytes:
    """One JSON line for a :class:`StreamMessage` or a lifecycle payload.

    Keys: ``event kind symbol timestamp received_at data``. Lifecycle payloads
    are timestamped ``now`` and their fields become ``data``.
    """
    if isinstance(item, StreamMessage):
        record = {
            "event": item.event,
            "kind": item.kind,
            "symbol": item.symbol,
            "timestamp": item.timestamp,
            "received_at": item.received_at,
            "data": item.data,
        }
    else:
        # ConnectionEvent and SubscriptionEvent say which event they are; the
        # others are one event per payload type.
        name = _LIFECYCLE_TYPES.get(type(item)) or getattr(item, "event", "?")
        channel = getattr(item, "channel", None)
        symbol = getattr(item, "symbol", None) or getattr(channel, "symbol", None)
        record = {
            "event": name,
            "kind": name,
            "symbol": symbol,
            "timestamp": now,
            "received_at": now,
            "data": _payload_data(item),
        }
    return orjson.dumps(record, default=_json_default) + b"\n"


# -- commands -----------------------------------------------------------------------


async def _run_until(work: Coroutine[Any, Any, None], seconds: float | None) -> None:
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
    async with _simulator(args, symbols=args.symbols) as sim:
        config = sim.config(**overrides)
        if not live:
            out.write(f"# weex-events demo: simulator at {config.public_url}\n")
        await run_demo(config, args.symbols, out, live=live)


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
        await asyncio.Event().wait()  # serve until cancelled
    finally:
        await sim.stop()


async def _tail(args: argparse.Namespace, out: TextIO) -> None:
    events = check_events(args.events)
    if not args.sim:
        await _tail_from(WeexConfig.from_env(), events, args.count, out)
        return
    async with _simulator(args) as sim:
        await _tail_from(sim.config(), events, args.count, out)


async def _tail_from(
    config: WeexConfig, events: list[str], count: int | None, out: TextIO
) -> None:
    client = WeexWebSocketClient(config)
    stream = client.stream(*events)  # checks names and credentials before connecting
    seen = 0
    async with client, stream:
        async for item in stream:
            out.write(json_line(item, time.time()).decode())
            out.flush()  # live output through pipes (| jq)
            seen += 1
            if count is not None and seen >= count:
                return


# -- arguments, logging, main --------------------------------------------------------


def _positive(kind: type[float] | type[int]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
        return value

    return parse


def _symbols(text: str) -> tuple[str, ...]:
    symbols = tuple(dict.fromkeys(s.strip().upper() for s in text.split(",")))
    symbols = tuple(s for s in symbols if s)
    if not symbols:
        raise argparse.ArgumentTypeError("name at least one symbol")
    return symbols


def build_parser() -> argparse.ArgumentParser:
    """The ``weex-events`` argument parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="log to stderr: -v info, -vv debug",
    )
    parser = argparse.ArgumentParser(
        prog="weex-events",
        description="Real-time WEEX events: a live demo, a local simulator, a tail.",
        epilog="Exit status: 0 done, 1 connection failure, 2 usage or configuration.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log to stderr: -v info, -vv debug",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    seconds: dict[str, Any] = {
        "type": _positive(float),
        "metavar": "N",
        "help": "stop after N seconds",
    }
    seed: dict[str, Any] = {
        "type": int,
        "default": 1,
        "help": "simulator seed (default 1)",
    }
    speed: dict[str, Any] = {
        "type": _positive(float),
        "default": 1.0,
        "help": "market speed factor",
    }

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="live dashboard, no network",
        description="Run the embedded WEEX simulator and a live view of its market "
        "(tickers, order book, trades) and of a paper account trading on it. "
        "Nothing to configure, no network. Through a pipe, or with --plain, it "
        "prints plain lines instead. Of the WEEX_* variables it honours "
        "WEEX_PROTOCOL and WEEX_NUMBER_TYPE.",
    )
    demo.add_argument("--seconds", **seconds)
    demo.add_argument(
        "--symbols",
        type=_symbols,
        default=DEFAULT_SYMBOLS,
        help="comma-separated (default BTCUSDT,ETHUSDT,SOLUSDT)",
    )
    demo.add_argument("--seed", **seed)
    demo.add_argument("--speed", **speed)
    demo.add_argument("--plain", action="store_true", help="plain lines, no redraw")

    sim = sub.add_parser(
        "sim",
        parents=[common],
        help="run the simulator standalone",
        description="Serve the WEEX simulator (V3 and V2, public and private "
        "WebSocket endpoints, REST) until stopped, and print the export lines "
        "that point WeexConfig.from_env() at it.",
    )
    sim.add_argument("--host", default="127.0.0.1", help="interface (127.0.0.1)")
    sim.add_argument("--port", type=int, default=8080, help="TCP port, 0 = any free")
    sim.add_argument("--seed", **seed)
    sim.add_argument("--speed", **speed)
    sim.add_argument("--seconds", **seconds)
    sim.add_argument(
        "--api-key", default="sim-key", help="paper account API key (sim-key)"
    )
    sim.add_argument(
        "--secret-key", default="sim-secret", help="paper account secret (sim-secret)"
    )
    sim.add_argument(
        "--passphrase", default="sim-pass", help="paper account passphrase (sim-pass)"
    )
    sim.add_argument(
        "--balance", default="100000", help="paper account USDT balance (100000)"
    )
    sim.add_argument(
        "--replay",
        metavar="FILE",
        help="serve this recording on the public WebSocket (--speed sets its pace)",
    )

    tail = sub.add_parser(
        "tail",
        parents=[common],
        help="print events as JSON lines",
        description="Print events as JSON lines, from the endpoint configured by "
        "the WEEX_* variables or, with --sim, from an embedded simulator.",
    )
    tail.add_argument(
        "events",
        nargs="+",
        metavar="EVENT",
        help="ticker:BTCUSDT, trade:SYM, book:SYM, kline:SYM, order…",
    )
    tail.add_argument("--sim", action="store_true", help="use an embedded simulator")
    tail.add_argument("--seconds", **seconds)
    tail.add_argument(
        "--count", type=_positive(int), metavar="N", help="stop after N events"
    )
    tail.set_defaults(seed=1, speed=1.0)
    return parser


COMMANDS: Mapping[
    str, Callable[[argparse.Namespace, TextIO], Coroutine[Any, Any, None]]
]
COMMANDS = {"demo": _demo, "sim": _serve, "tail": _tail}


#: Library log lines about a failure that ends the command, which :func:`main`
#: reports as its error line: without ``-v`` they are not printed twice.
_REPORTED_BY_MAIN = frozenset(
    {
        "%s: %s; not reconnecting",  # connection.py: the connection gave up
        "%s: subscription %s rejected: %s",  # connection.py: a refused channel
    }
)


def _not_reported_by_main(record: logging.LogRecord) -> bool:
    return record.msg not in _REPORTED_BY_MAIN


@contextlib.contextmanager
def _logging(verbose: int) -> Iterator[None]:
    """Send ``weex_events`` logs to stderr for the run; restore the logger after."""
    logger = logging.getLogger("weex_events")
    saved = logger.level
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger.setLevel(
        logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    )
    if not verbose:
        handler.addFilter(_not_reported_by_main)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def main(argv: list[str] | None = None) -> int:
    """Run ``weex-events`` with ``argv`` (default: the command line).

    Returns:
        The exit status: 0 done, 1 connection failure, 2 usage or configuration.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 2
    out = sys.stdout
    command = COMMANDS[args.command]
    with _logging(args.verbose):
        try:
            _run(_run_until(command(args, out), args.seconds))
        except KeyboardInterrupt:
            return 0  # Ctrl-C is how a live command is meant to end
        except (ConfigError, SubscriptionError) as exc:
            return _fail(str(exc), 2)
        except CommandError as exc:
            return _fail(str(exc), exc.code)
        except (WeexError, TimeoutError) as exc:
            return _fail(str(exc) or type(exc).__name__, 1)
        except BrokenPipeError:
            _silence_stdout()
            return 0  # e.g. `weex-events tail … | head`
    return 0


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run``, re-raising the first error of a task group by itself."""
    try:
        asyncio.run(coro)
    except BaseExceptionGroup as group:
        leaf: BaseException = group
        while isinstance(leaf, BaseExceptionGroup):
            leaf = leaf.exceptions[0]
        raise leaf from None


def _silence_stdout() -> None:
    # The reader is gone: point stdout at devnull so the interpreter's final flush
    # does not print a second BrokenPipeError.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _fail(message: str, code: int) -> int:
    print(f"weex-events: error: {message}", file=sys.stderr)
    return code
