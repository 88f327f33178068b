"""The ``record`` and ``replay`` subcommands (DESIGN §6).

``weex-events record EVENT... [--sim] -o FILE [--rotate-mb N] [--seconds N]
[--count N]``
subscribes to the events and records every frame of the session to ``FILE``
(from the endpoint the ``WEEX_*`` variables configure, as ``tail`` does, or an
embedded simulator with ``--sim``). ``weex-events replay FILE [EVENT...]``
replays a recording through the client and prints its events like ``tail``;
without ``EVENT`` it prints the events of the channels the recording subscribed
(with the default book depth and kline interval).

Imports: ``errors``, ``config``, ``kinds``, ``protocol``, ``recording``,
``client``, and the ``cli`` modules.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, TextIO

from ..client import WeexWebSocketClient
from ..config import WeexConfig
from ..errors import ConfigError
from ..kinds import KINDS
from ..protocol.replies import is_subscribe
from ..recording import Recorder, RecordingReader
from .arguments import positive
from .commands import _simulator
from .output import check_events, json_line

__all__ = ["COMMANDS", "add_parsers", "event_of", "recorded_events"]

_MIB = 1024 * 1024


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``record`` and ``replay`` to the subcommand parsers ``sub``."""
    seconds: dict[str, Any] = {
        "type": positive(float),
        "metavar": "N",
        "help": "stop after N seconds",
    }
    record = sub.add_parser(
        "record",
        parents=[common],
        help="record a session to a file",
        description="Subscribe to EVENTs and record every frame received and sent "
        "(NDJSON, gzip when FILE ends in .gz), from the endpoint configured by the "
        "WEEX_* variables or, with --sim, from an embedded simulator. Secrets and "
        "handshake headers are never written.",
    )
    record.add_argument("events", nargs="+", metavar="EVENT", help="as for tail")
    record.add_argument("-o", "--output", required=True, metavar="FILE")
    record.add_argument("--sim", action="store_true", help="use an embedded simulator")
    record.add_argument(
        "--rotate-mb",
        type=positive(float),
        metavar="N",
        help="start a new file (FILE.1, FILE.2…) every N MiB",
    )
    record.add_argument("--seconds", **seconds)
    record.add_argument(
        "--count", type=positive(int), metavar="N", help="stop after N events"
    )
    record.set_defaults(seed=1, speed=1.0)

    replay = sub.add_parser(
        "replay",
        parents=[common],
        help="print a recording's events as JSON lines",
        description="Replay a recording through the client and print its events "
        "as JSON lines, like tail. Without EVENT: the events of the channels the "
        "recording subscribed.",
    )
    replay.add_argument("file", metavar="FILE")
    replay.add_argument("events", nargs="*", metavar="EVENT", help="as for tail")
    replay.add_argument(
        "--speed",
        type=positive(float),
        help="replay at N times the recorded pace (default: as fast as possible)",
    )
    replay.add_argument("--seconds", **seconds)
    replay.add_argument(
        "--count", type=positive(int), metavar="N", help="stop after N events"
    )


async def _record(args: argparse.Namespace, out: TextIO) -> None:
    events = check_events(args.events)
    rotate = int(args.rotate_mb * _MIB) if args.rotate_mb else None
    recorder = Recorder(args.output, rotate_bytes=rotate)
    try:
        if args.sim:
            async with _simulator(args) as sim:
                await _record_from(sim.config(), events, recorder, args.count, out)
        else:
            config = WeexConfig.from_env()
            await _record_from(config, events, recorder, args.count, out)
    finally:
        await recorder.aclose()  # flushes (the run may be ending by cancellation)
        stats = recorder.stats
        print(
            f"weex-events record: {stats.written} records in {stats.files} "
            f"file(s) from {args.output}"
            + (f"; {stats.dropped} dropped" if stats.dropped else ""),
            file=sys.stderr,
        )


async def _record_from(
    config: WeexConfig,
    events: list[str],
    recorder: Recorder,
    count: int | None,
    out: TextIO,
) -> None:
    client = WeexWebSocketClient(config, recorder=recorder)
    stream = client.stream(*events)  # checks names and credentials first
    seen = 0
    async with client, stream:
        out.write(f"# recording {' '.join(events)} to {recorder.path}\n")
        out.flush()
        async for _ in stream:
            seen += 1
            if count is not None and seen >= count:
                return


async def _replay(args: argparse.Namespace, out: TextIO) -> None:
    events = check_events(args.events or recorded_events(args.file))
    if not events:
        raise ConfigError("EVENT", f"{args.file} subscribed nothing; name events")
    client = WeexWebSocketClient.replay(args.file, speed=args.speed)
    stream = client.stream(*events)
    seen = 0
    async with client, stream:
        async for item in stream:
            out.write(json_line(item, time.time()).decode())
            out.flush()
            seen += 1
            if args.count is not None and seen >= args.count:
                return


def _template_pattern(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    for name, group in (
        ("sym", r"(?P<sym>[A-Za-z0-9_]+)"),
        ("arg", r"(?P<arg>[^.]+)"),
        ("basis", r"[A-Z_]+"),
        ("interval", r"[A-Z_0-9]+"),
    ):
        pattern = pattern.replace(re.escape("{" + name + "}"), group)
    return re.compile(pattern + "$")


def event_of(param: str, protocol: str, market: str = "contract") -> str | None:
    """The event name of a subscribed wire channel (``"BTCUSDT@ticker"`` →
    ``"ticker:BTCUSDT"``, ``"orders"`` → ``"order"``), if it is a known kind."""
    for kind in KINDS.values():
        try:
            template = kind.wire_name(protocol, market)
        except ConfigError:
            continue
        found = _template_pattern(template).match(param)
        if found is None:
            continue
        if kind.private:
            return kind.name
        symbol = found.group("sym").upper().removeprefix("CMT_")
        return f"{kind.name}:{symbol}"
    return None


def recorded_events(path: str | Path) -> list[str]:
    """The events of the channels a recording's client subscribed, in order.

    Raises:
        RecordingError: the file cannot be read.
    """
    reader = RecordingReader(path)
    protocol, market = reader.header.protocol, reader.header.market
    events: dict[str, None] = {}
    for record in reader:
        frame = record.frame
        if record.dir != "out" or frame is None or not is_subscribe(frame, protocol):
            continue
        doc = json.loads(frame)
        params = doc.get("params") if protocol != "v2" else [doc.get("channel")]
        for param in params if isinstance(params, list) else ():
            event = event_of(str(param), protocol, market)
            if event is not None:
                events.setdefault(event)
    return list(events)


COMMANDS: Mapping[
    str, Callable[[argparse.Namespace, TextIO], Coroutine[Any, Any, None]]
] = {"record": _record, "replay": _replay}
