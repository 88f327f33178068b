"""Serving a recording: the V3 public endpoint plays recorded pushes to subscribers.

A recording (DESIGN.md §6) is read with ``weex_events.recording`` (the format is our
own contract, read by one reader; nothing of WEEX's protocol is decoded with client
code). Its public ``in`` frames that are market pushes (WEEX-WS.md §1.5: ``e`` is
``ticker``, ``depth``/``depthSnapshot``, ``trade``/``tradeSnapshot`` or
``kline``/``klineSnapshot``) become :class:`RecordedFeeds`: one timeline of frames,
each tagged with the channel it belongs to. Greetings, pings, acks and private
frames are left out: the simulator sends its own.

Timeline: it starts when the first ``SUBSCRIBE`` reaches the endpoint, with the
first recorded push, and plays every frame at its recorded offset divided by the
simulator's ``speed``, to every connection subscribed to its channel, byte for
byte. All connections share the timeline, as they would share a live market. A
channel subscribed after the timeline started first gets what a live subscriber
needs to be current, at once: its latest recorded snapshot (for a ticker: its
latest push) and every frame of the channel since, then the rest at the pace.
After the last frame the endpoint stays open and quiet (pings go on).

Imports: stdlib, ``orjson``, ``errors``, ``recording.format``/``recording.reader``
(never the client) and ``sim.channels``/
``sim.connection``/``sim.generations``/``sim.market``/``sim.subscriptions``.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import orjson

from ..errors import RecordingError
from ..recording.format import Record
from ..recording.reader import RecordingReader
from .channels import parse_channel
from .connection import Connection
from .generations import Generation
from .market import MarketEngine
from .subscriptions import ChannelSpec, FrameCache, Subscription

__all__ = ["Feed", "RecordedFeeds", "Replay", "ReplayChannel", "feed_of_frame"]

log = logging.getLogger("weex_events.sim")

#: A channel, as far as pushes tell: (symbol, kind, depth levels, kline interval,
#: kline basis). ``depth`` and ``depth15`` are one feed: the same 15-level frames.
Feed = tuple[str, str, int, str, str]

_KINDS = {
    "ticker": "ticker",
    "depth": "depth",
    "depthSnapshot": "depth",
    "trade": "trade",
    "tradeSnapshot": "trade",
    "kline": "kline",
    "klineSnapshot": "kline",
}


def feed_of_frame(frame: str | bytes) -> tuple[Feed, bool] | None:
    """The feed of a recorded V3 public push and whether it resets the channel.

    A snapshot (``e`` ending in ``Snapshot``) resets its channel, and so does every
    ticker push (each is the full state). ``None``: not a market push (a greeting,
    ping, ack, private frame, or a kline frame without bars).
    """
    try:
        doc = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict):
        return None
    event, symbol = doc.get("e"), doc.get("s")
    kind = _KINDS.get(event) if isinstance(event, str) else None
    if kind is None or not isinstance(symbol, str):
        return None
    resets = kind == "ticker" or str(event).endswith("Snapshot")
    if kind == "depth":
        levels = doc.get("l")
        if isinstance(levels, bool) or not isinstance(levels, int) or levels <= 0:
            return None
        return (symbol, kind, levels, "", ""), resets
    if kind == "kline":
        bars = doc.get("d")
        if not bars or not isinstance(bars, list) or not isinstance(bars[0], dict):
            return None
        interval, basis = bars[0].get("i"), doc.get("p", "LAST_PRICE")
        if not isinstance(interval, str) or not isinstance(basis, str):
            return None
        return (symbol, kind, 0, interval, basis), resets
    return (symbol, kind, 0, "", ""), resets


def feed_of_spec(spec: ChannelSpec) -> Feed:
    """The feed a subscribed channel receives."""
    if spec.kind == "kline":
        return (spec.symbol, "kline", 0, spec.interval, spec.basis)
    return (spec.symbol, spec.kind, spec.levels, "", "")


class RecordedFeeds:
    """The public pushes of a recording on one timeline (pure: no clock, no I/O).

    Attributes:
        offsets: seconds of each frame after the first (recorded ``mono``).
        frames: the frames, as on the wire.
        feeds: the feed of each frame.
        symbols: the symbols seen.
    """

    def __init__(self, records: Iterable[Record]) -> None:
        self.offsets: list[float] = []
        self.frames: list[bytes] = []
        self.feeds: list[Feed] = []
        self._indexes: dict[Feed, list[int]] = {}
        self._resets: dict[Feed, list[int]] = {}
        first: float | None = None
        for record in records:
            if record.dir != "in" or record.ep != "public" or record.frame is None:
                continue
            found = feed_of_frame(record.frame)
            if found is None:
                continue
            feed, resets = found
            first = record.mono if first is None else first
            index = len(self.frames)
            self.offsets.append(max(0.0, record.mono - first))
            self.frames.append(record.frame.encode())
            self.feeds.append(feed)
            self._indexes.setdefault(feed, []).append(index)
            if resets:
                self._resets.setdefault(feed, []).append(index)
        self.symbols = frozenset(feed[0] for feed in self._indexes)

    @classmethod
    def load(cls, path: str | Path) -> RecordedFeeds:
        """Read a V3 contract recording (rotated files included).

        Raises:
            RecordingError: the file cannot be read, or was not recorded with
                protocol ``v3`` on the contract market (what the simulator serves).
        """
        reader = RecordingReader(path)
        header = reader.header
        if (header.protocol, header.market) != ("v3", "contract"):
            raise RecordingError(
                str(path),
                1,
                f"recorded with {header.protocol} {header.market}; the simulator "
                "serves V3 contract recordings",
            )
        return cls(reader)

    def __len__(self) -> int:
        return len(self.frames)

    def frames_of(self, feed: Feed) -> list[bytes]:
        """Every frame of ``feed``, in order."""
        return [self.frames[i] for i in self._indexes.get(feed, ())]

    def catch_up(self, feed: Feed, position: int) -> list[bytes]:
        """What a subscriber joining at ``position`` gets at once.

        The frames of ``feed`` before ``position`` from its latest reset (snapshot,
        or ticker push) on; from its first frame if none reset it yet.
        """
        indexes = self._indexes.get(feed, [])
        end = bisect.bisect_left(indexes, position)
        if end == 0:
            return []
        resets = self._resets.get(feed, [])
        r = bisect.bisect_left(resets, position)
        start = bisect.bisect_left(indexes, resets[r - 1]) if r else 0
        return [self.frames[i] for i in indexes[start:end]]


class ReplayChannel(Subscription):
    """A public channel served from a recording (market steps give it nothing)."""

    def __init__(self, spec: ChannelSpec, replay: Replay) -> None:
        super().__init__(spec.key)
        self.feed = feed_of_spec(spec)
        self._replay = replay

    def start(self, market: MarketEngine) -> list[bytes]:
        """The catch-up frames; the first subscription starts the timeline."""
        return self._replay.joined(self.feed)

    def update(self, cache: FrameCache) -> list[bytes]:
        """Nothing: the replay task pushes."""
        return []


class Replay:
    """Plays :class:`RecordedFeeds` to the connections of one endpoint.

    Args:
        feeds: what to play.
        speed: pace factor (2.0: twice as fast as recorded).
    """

    def __init__(self, feeds: RecordedFeeds, speed: float) -> None:
        self.feeds = feeds
        self.speed = speed
        #: Index of the next frame to play.
        self.position = 0
        self._connections: Callable[[], Iterable[Connection]] = tuple
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str], speed: float) -> Replay:
        """A replay of the recording at ``path`` (see :meth:`RecordedFeeds.load`)."""
        return cls(RecordedFeeds.load(os.fspath(path)), speed)

    def serving(self, generation: Generation) -> Generation:
        """``generation`` with its public channels served by this replay."""
        channel = self.channel
        return replace(generation, public_channel=lambda param, _: channel(param))

    def attach(self, connections: Callable[[], Iterable[Connection]]) -> None:
        """Play to the connections ``connections()`` returns at each frame."""
        self._connections = connections

    def channel(self, param: str) -> Subscription:
        """The subscription a V3 public param names (recorded symbols only).

        Raises:
            ChannelError: an unknown stream, or a symbol not in the recording.
        """
        return ReplayChannel(parse_channel(param, self.feeds.symbols), self)

    @property
    def done(self) -> bool:
        """Whether every frame has been played."""
        return self.position >= len(self.feeds)

    def joined(self, feed: Feed) -> list[bytes]:
        """A subscription to ``feed`` starts: its catch-up (starting the timeline)."""
        if self._task is None:
            self._task = asyncio.create_task(
                self._run(), name="weex_events: sim replay"
            )
            return []
        return self.feeds.catch_up(feed, self.position)

    async def stop(self) -> BaseException | None:
        """Stop playing; return the exception that crashed the task, if one did."""
        task = self._task
        crash: BaseException | None = None
        if task is not None:
            if task.done() and not task.cancelled():
                crash = task.exception()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return crash

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        feeds, speed = self.feeds, self.speed
        began = loop.time()
        try:
            while self.position < len(feeds):
                due = began + feeds.offsets[self.position] / speed
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                # Everything due by now goes out in one pass, in recorded order.
                now = loop.time()
                while (
                    self.position < len(feeds)
                    and began + feeds.offsets[self.position] / speed <= now
                ):
                    self._play(self.position)
                    self.position += 1
        except Exception:
            log.exception("sim: the replay task crashed")
            raise

    def _play(self, index: int) -> None:
        feed, frame = self.feeds.feeds[index], self.feeds.frames[index]
        for conn in tuple(self._connections()):
            if conn.stalled or conn.closing:
                continue
            for sub in conn.subscriptions.values():
                if isinstance(sub, ReplayChannel) and sub.feed == feed:
                    conn.send(frame)
                    break
