"""The ``weex-events`` argument parser.

Imports: ``config`` (the version), :mod:`~weex_events.cli.recordings` (its
subcommands' arguments).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..config import __version__
from .arguments import positive
from .recordings import add_parsers as add_recording_parsers

__all__ = ["DEFAULT_SYMBOLS", "build_parser"]

DEFAULT_SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")


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
        "type": positive(float),
        "metavar": "N",
        "help": "stop after N seconds",
    }
    seed: dict[str, Any] = {
        "type": int,
        "default": 1,
        "help": "simulator seed (default 1)",
    }
    speed: dict[str, Any] = {
        "type": positive(float),
        "default": 1.0,
        "help": "market speed factor",
    }

    market: dict[str, Any] = {
        "choices": ("contract", "spot"),
        "default": None,
        "help": "contract (default) or spot",
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
        "--metrics-port", type=int, metavar="N", help="serve /metrics, 0 = any port"
    )
    demo.add_argument(
        "--symbols",
        type=_symbols,
        default=DEFAULT_SYMBOLS,
        help="comma-separated (default BTCUSDT,ETHUSDT,SOLUSDT)",
    )
    demo.add_argument("--seed", **seed)
    demo.add_argument("--speed", **speed)
    demo.add_argument("--plain", action="store_true", help="plain lines, no redraw")
    demo.add_argument("--market", **market)

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
    # Counted from when the simulator listens, not from the start: a slow start
    # must not end the run before the exports are printed.
    sim.add_argument(
        "--seconds",
        dest="serve_for",
        **seconds | {"help": "stop N seconds after the simulator is listening"},
    )
    sim.set_defaults(seconds=None)
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
        help="ticker:BTCUSDT, trade:SYM, book:SYM, kline:SYM, order, "
        "book_ticker:SYM (spot)…",
    )
    tail.add_argument("--sim", action="store_true", help="use an embedded simulator")
    tail.add_argument("--market", **market)
    tail.add_argument("--seconds", **seconds)
    tail.add_argument(
        "--count", type=positive(int), metavar="N", help="stop after N events"
    )
    tail.add_argument("--redis", metavar="URL", help="read from Redis (fanout)")
    tail.add_argument("--start", default="$", help="with --redis: $, 0, id or time")
    _fanout_options(tail)
    tail.add_argument("--account", help="with --redis: the private stream's account")
    tail.set_defaults(seed=1, speed=1.0)
    add_recording_parsers(sub, common)

    fanout = sub.add_parser("fanout", parents=[common], help="publish to Redis")
    fanout.add_argument("events", nargs="+", metavar="EVENT", help="as for tail")
    fanout.add_argument("--redis", metavar="URL", required=True, help="redis://…")
    fanout.add_argument("--sim", action="store_true", help="use an embedded simulator")
    fanout.add_argument("--seconds", **seconds)
    fanout.add_argument("--seed", **seed)
    fanout.add_argument("--speed", **speed)
    _fanout_options(fanout)
    return parser


def _fanout_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prefix", default="weex", help="Redis key prefix (weex)")
    parser.add_argument(
        "--metrics-port", type=int, metavar="N", help="serve /metrics, 0 = any port"
    )
