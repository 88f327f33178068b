"""Start a `weex-events` command with `--metrics-port 0` and scrape it."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@asynccontextmanager
async def command(*args: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """Run ``weex-events ARGS`` and yield it with its metrics URL (read from stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "weex_events", *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        seen = []
        async with asyncio.timeout(120):
            while not (
                found := re.search(
                    r"metrics on (http://\S+)", seen[-1:][0] if seen else ""
                )
            ):
                line = (await proc.stderr.readline()).decode()
                assert line, "".join(seen)  # the command ended
                seen.append(line)
        # Keep reading stderr, or a chatty child would block on a full pipe.
        drain = asyncio.create_task(proc.stderr.read())
        try:
            yield proc, found.group(1)
        finally:
            if proc.returncode is None:
                proc.terminate()
            async with asyncio.timeout(60):
                await drain
    finally:
        if proc.returncode is None:
            proc.terminate()
        async with asyncio.timeout(60):
            await proc.wait()


async def scrape(url: str) -> tuple[str, Samples]:
    """``GET url`` over a plain socket; the body and its samples by name and labels."""
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    reader, writer = await asyncio.open_connection(name, int(port))
    writer.write(f"GET /{rest} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = response.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200"), head
    assert "text/plain" in head
    samples: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return body, samples
