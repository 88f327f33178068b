"""The shared entry point of the examples: ``python examples/<name>.py [--seconds N]``.

Every example ends with ``run(main)``. Without ``--seconds`` it runs until the
coroutine returns or you press Ctrl-C; with ``--seconds N`` it is cancelled after
N seconds, cleanly (``async with`` blocks exit, streams are released, the sockets
close), and the process exits with status 0. Configuration comes from the
``WEEX_*`` environment variables read by ``WeexConfig.from_env()``.

Imports: the standard library only (the examples import ``weex_events``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
from collections.abc import Awaitable, Callable, Sequence

__all__ = ["run"]


def run(
    main: Callable[[], Awaitable[object]], argv: Sequence[str] | None = None
) -> None:
    """Run ``main()`` until it returns, Ctrl-C, or the ``--seconds`` limit.

    Args:
        main: a coroutine function taking no arguments (the example).
        argv: command-line arguments; ``sys.argv[1:]`` when omitted.

    An exception raised by ``main`` propagates (non-zero exit status), so a
    broken example never looks like a successful one.
    """
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        metavar="N",
        help="stop cleanly after N seconds (default: run until Ctrl-C)",
    )
    args = parser.parse_args(argv)
    if args.seconds is not None and not args.seconds > 0:
        parser.error("--seconds must be positive")
    if isinstance(sys.stdout, io.TextIOWrapper):
        # The seed examples print emoji; never die on a terminal that lacks them.
        sys.stdout.reconfigure(errors="replace")
    # Ctrl-C: asyncio.run cancels main() (so its cleanup runs), then re-raises.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_limited(main, args.seconds))


async def _limited(
    main: Callable[[], Awaitable[object]], seconds: float | None
) -> None:
    """Await ``main()``; the time limit expiring is a normal end, not an error."""
    try:
        async with asyncio.timeout(seconds) as deadline:
            await main()
    except TimeoutError:
        if not deadline.expired():
            raise  # main() itself timed out: that is the example's failure
