"""The ``weex-events`` command: ``demo``, ``sim``, ``tail``, ``record``, ``replay``.

``demo`` runs the embedded simulator and the live view of
:mod:`weex_events.dashboard` in one process; ``sim`` serves the simulator
standalone; ``tail`` prints events as JSON lines from the configured endpoint or
an embedded simulator; ``record`` and ``replay`` write and play back
recordings (:mod:`~weex_events.cli.recordings`). Every command runs under
:func:`main`, which turns errors into one line on stderr and an exit status: 0
done (``--seconds``, ``--count``, Ctrl-C or SIGTERM), 1 connection failure or a
damaged recording, 2 usage, configuration, event name or a subscription the
server refused.

The package: :mod:`~weex_events.cli.parser` (arguments),
:mod:`~weex_events.cli.commands` (one coroutine per subcommand) and
:mod:`~weex_events.cli.output` (what ``tail`` prints).

Imports: ``errors`` and its own modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Coroutine, Iterator
from typing import Any

from ..errors import ConfigError, SubscriptionError, WeexError
from .commands import COMMANDS, run_until
from .output import CommandError, check_events, json_line
from .parser import build_parser
from .recordings import COMMANDS as RECORDING_COMMANDS

__all__ = ["build_parser", "check_events", "json_line", "main"]


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
    command = {**COMMANDS, **RECORDING_COMMANDS}[args.command]
    with _logging(args.verbose):
        try:
            _run(run_until(command(args, out), args.seconds))
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
