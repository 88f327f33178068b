"""``sim`` and ``demo`` stop on ``--seconds``, SIGTERM and Ctrl-C at any speed.

Each case runs the real command in a child process at ``--speed 1e9`` (the market
is always behind schedule there) and waits, with a generous bound, for it to end.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

# Generous: the guarantee is "within a second" on a quiet machine; this bound only
# keeps a hung child from hanging the suite on a saturated one.
_BOUND = 60.0


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "weex_events", *args, "--speed", "1e9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_output(proc: subprocess.Popen[bytes]) -> None:
    """Block until the child wrote its first line (it is up and running)."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, "the command ended before printing anything"


def _ended(proc: subprocess.Popen[bytes]) -> int | None:
    try:
        return proc.wait(timeout=_BOUND)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None
    finally:
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.parametrize("command", ["demo", "sim"])
def test_seconds_stops_at_any_speed(command: str) -> None:
    """--seconds ends the command even when the market cannot keep up."""
    proc = _start(
        command, "--seconds", "1", *(["--port", "0"] if command == "sim" else [])
    )
    assert _ended(proc) == 0


@pytest.mark.parametrize("command", ["demo", "sim"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_at_any_speed(command: str, sig: signal.Signals) -> None:
    """SIGTERM and Ctrl-C (SIGINT) end the command at --speed 1e9."""
    proc = _start(command, *(["--port", "0"] if command == "sim" else []))
    _wait_for_output(proc)
    time.sleep(0)  # the child is running; nothing to wait for beyond its output
    proc.send_signal(sig)
    assert _ended(proc) is not None
