"""Replaying a recording into a client: a transport factory whose sockets read
their frames from the file (DESIGN.md §6).

A :class:`Player` is the transport factory of a replaying client: the client's
connections read, decode, keep books and dispatch exactly as they do live; only
the frames come from the recording. The player walks the recording once, in file
order, and hands each recorded connection to the client's next socket of the same
endpoint:

- **Order.** Records are delivered in the order they were recorded, across
  connections: a socket's next frame waits until every frame recorded before it,
  on any socket the client has open, has been read. A recorded ``close`` drops the
  client's socket with the recorded code and reason (unless the recorded client
  closed it itself, see :data:`~weex_events.tap.CLOSED_BY_CLIENT`: then the
  socket just goes quiet); the client reconnects (the
  replaying client's backoff is zero) and its new socket takes the next recorded
  connection of that endpoint. Frames of an endpoint the client never opened are
  skipped.
- **Start.** A connection's frames up to its first recorded subscribe command
  (the greeting) come at once; the rest of the recording waits until the client
  sends its first subscribe command, so that handlers and streams opened right
  after connecting see the recording from its start.
- **Answers.** The client's subscribe and unsubscribe commands are answered by
  the player at once (WEEX-WS.md §1.4, and §2 for V2): the recorded answers were
  to the recorded client's commands, whose ids may differ, and are skipped. A
  subscription the server rejected while recording is accepted on replay (it has
  no frames). Pongs go nowhere.
- **Pace.** ``speed=None``: as fast as the client reads, yielding to the event
  loop between frames. ``speed=s``: each frame waits until its recorded
  monotonic time, counted from the first subscribe command, divided by ``s``.
- **Time.** :meth:`Player.now` is the recorded receive time of the frame being
  read: the replaying client's clock, so ``received_at`` is the recorded one.
- **End.** When the recording ends, :attr:`Player.on_end` is called with
  ``None``; when it cannot be read further, with the
  :class:`~weex_events.errors.RecordingError`, after every record before the
  damage has been delivered. The sockets stay open and quiet.

Imports: ``errors``, ``config``, ``events``, ``protocol``, ``transport``, ``tap``,
``recording``, stdlib.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

from .config import WeexConfig
from .errors import ConfigError, RecordingError
from .events import Endpoint
from .protocol.replies import answer, is_reply, is_subscribe
from .recording import Header, Record, RecordingReader
from .tap import CLOSED_BY_CLIENT
from .transport import TEXT, BinaryFrame, RawMessage, TransportClosed

__all__ = ["Player", "ReplayTransport"]

log = logging.getLogger("weex_events.replay")

_CLOSE = object()  # message type of a drop or a local close (never TEXT)

Sleep = Callable[[float], Awaitable[None]]


# -- one replayed socket ---------------------------------------------------------


class ReplayTransport:
    """One client socket fed by a :class:`Player` (a ``Transport``).

    Attributes:
        endpoint: the endpoint it was opened for.
        conn: the recorded connection it replays (``None`` until one is assigned).
    """

    def __init__(self, player: Player, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.conn: int | None = None
        self._player = player
        self._inbox: collections.deque[RawMessage] = collections.deque()
        self._dropped = False  # the recording closed it
        self._closed = False  # the client closed it
        self._code: int = 1000

    def receiver(self) -> Callable[[], Awaitable[RawMessage]]:
        """The receive coroutine; see :class:`~weex_events.transport.Transport`."""
        return self._receive

    async def _receive(self) -> RawMessage:
        player = self._player
        while True:
            if self._inbox:
                return self._inbox.popleft()
            if self._closed:
                return _CLOSE, self._code, "closed locally"
            record = player.turn(self)
            if self._inbox:
                continue  # the walk dropped this socket
            if record is not None:
                await player.pace(record)
                if player.turn(self) is record:
                    player.consume(record)
                    assert record.frame is not None
                    return TEXT, record.frame.encode(), None
                continue
            await player.changed()

    def other(self, msg: RawMessage) -> BinaryFrame:
        """A drop or local close, as the aiohttp transport reports it.

        Raises:
            TransportClosed: always (recordings hold text frames only).
        """
        raise TransportClosed(msg[1], msg[2])

    async def send(self, text: str) -> None:
        """Take a command: answer it at once, and start the replay if it is the
        first subscribe command.

        Raises:
            TransportClosed: the socket is closed.
        """
        if self._closed or self._dropped:
            raise TransportClosed(1006, "send failed: socket closed")
        player = self._player
        reply = answer(text, player.protocol)
        if reply is not None:
            self._inbox.append((TEXT, reply.encode(), None))
        if not player.started and is_subscribe(text, player.protocol):
            player.start()
        player.notify()

    @property
    def closed(self) -> bool:
        """Whether the socket is closed (by the recording or the client)."""
        return self._closed or self._dropped

    async def close(self, code: int = 1000) -> None:
        """Close from the client's side; never raises."""
        if not self._closed:
            self._closed = True
            self._code = code
            self._player.closed_by_client(self)

    def abort(self) -> None:
        """The client dropped the socket at once: as :meth:`close`."""
        if not self._closed:
            self._closed = True
            self._code = 1006
            self._player.closed_by_client(self)

    def drop(self, code: int | None, reason: str) -> None:
        """End the socket as the recording says (the client reconnects)."""
        self._dropped = True
        self._inbox.append((_CLOSE, code, reason))


# -- the recording's walk --------------------------------------------------------


class Player:
    """Serves one recording to one client (its transport factory).

    Args:
        path: the recording (the first file of a rotated set).
        speed: ``None`` as fast as possible, else the factor on the recorded pace.
        sleep: waits between paced frames (tests inject a fake).
        monotonic: the clock pacing is measured on.

    Raises:
        RecordingError: the file cannot be opened or its header is not one this
            version reads.
        ConfigError: ``speed`` is not positive.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        speed: float | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed is not None and not speed > 0:
            raise ConfigError("speed", f"must be positive or None, not {speed!r}")
        self.path = Path(path)
        reader = RecordingReader(self.path)
        self.header: Header = reader.header
        header = self.header
        if header.protocol not in ("v3", "v2") or header.market not in (
            "contract",
            "spot",
        ):
            what = f"{header.protocol}/{header.market}"
            raise RecordingError(str(path), 1, f"cannot replay a {what} recording")
        self.protocol = self.header.protocol
        self.speed = speed
        self.on_end: Callable[[RecordingError | None], None] | None = None
        self.started = False
        self.ended = False
        self.error: RecordingError | None = None
        self._sleep = sleep
        self._monotonic = monotonic
        self._records: Iterator[Record] = iter(reader)
        self._head: Record | None = None
        self._now = self.header.created
        self._origin: tuple[float, float] | None = None  # (recorded mono, local)
        self._bound: dict[int, ReplayTransport] = {}
        self._skipped: set[int] = set()
        self._unbound: dict[Endpoint, collections.deque[ReplayTransport]] = {}
        self._expected: set[str] = set()  # endpoints the client will (re)open
        self._change = asyncio.Event()

    def __repr__(self) -> str:
        return f"<Player {str(self.path)!r}>"

    # -- the client's side -------------------------------------------------------

    async def __call__(
        self, url: str, endpoint: Endpoint, headers: Mapping[str, str]
    ) -> ReplayTransport:
        """Open a socket (the client's transport factory; ``headers`` unused)."""
        transport = ReplayTransport(self, endpoint)
        self._unbound.setdefault(endpoint, collections.deque()).append(transport)
        self._expected.add(endpoint.value)
        self.notify()
        return transport

    def config(self, base: WeexConfig | None = None) -> WeexConfig:
        """``base``'s settings (number type, queue sizes…) for the recorded
        protocol and market, with the production URLs (never contacted) and
        placeholder credentials, so that private events can be replayed."""
        protocol: Literal["v3", "v2"] = "v2" if self.protocol == "v2" else "v3"
        market: Literal["contract", "spot"] = (
            "spot" if self.header.market == "spot" else "contract"
        )
        return dataclasses.replace(
            base if base is not None else WeexConfig(),
            protocol=protocol,
            market=market,
            api_key="replay",
            secret_key="replay",
            passphrase="replay",
            ws_public_url=None,
            ws_private_url=None,
            rest_url=None,
        )

    def now(self) -> float:
        """The recorded receive time of the latest frame read (the client's clock)."""
        return self._now

    def start(self) -> None:
        """The client sent its first subscribe command: let the recording run."""
        self.started = True

    def notify(self) -> None:
        """Wake the sockets waiting for their turn."""
        self._change.set()
        self._change = asyncio.Event()

    async def changed(self) -> None:
        """Wait for the next :meth:`notify`."""
        await self._change.wait()

    def closed_by_client(self, transport: ReplayTransport) -> None:
        """The client closed ``transport`` itself: its frames are skipped now."""
        ep = transport.endpoint
        waiting = self._unbound.get(ep)
        if waiting and transport in waiting:
            waiting.remove(transport)
        if not transport._dropped and not waiting:
            self._expected.discard(ep.value)
        self.notify()

    # -- the walk ----------------------------------------------------------------

    def turn(self, transport: ReplayTransport) -> Record | None:
        """The next record if it is a frame for ``transport``, after walking past
        every record nobody has to read (markers, commands, skipped sockets)."""
        self._walk()
        head = self._head
        if (
            head is not None
            and head.dir == "in"
            and head.conn == transport.conn
            and transport.conn is not None
        ):
            return head
        return None

    def consume(self, record: Record) -> None:
        """``record`` was read."""
        if record.dir == "in":
            self._now = record.t
        self._head = None
        self.notify()

    async def pace(self, record: Record) -> None:
        """Wait until ``record``'s time has come (yield at least once)."""
        origin = self._origin
        if self.speed is None or origin is None:
            await asyncio.sleep(0)
            return
        due = origin[1] + (record.mono - origin[0]) / self.speed
        delay = due - self._monotonic()
        await (self._sleep(delay) if delay > 0 else asyncio.sleep(0))

    def _peek(self) -> Record | None:
        if self._head is None and not self.ended:
            try:
                self._head = next(self._records)
            except StopIteration:
                self._end(None)
            except RecordingError as exc:
                self._end(exc)
        return self._head

    def _end(self, error: RecordingError | None) -> None:
        self.ended = True
        self.error = error
        if error is not None:
            log.error("replay of %s stopped: %s", self.path, error)
        if self.on_end is not None:
            asyncio.get_running_loop().call_soon(self.on_end, error)
        self.notify()

    def _walk(self) -> None:
        while (head := self._peek()) is not None:
            if not self._step(head):
                return

    def _step(self, rec: Record) -> bool:
        """Handle ``rec`` if nobody has to read it; ``False``: it must wait."""
        if rec.dir == "open":
            return self._open(rec)
        transport = self._bound.get(rec.conn)
        if transport is None or transport._closed or rec.conn in self._skipped:
            self._head = None  # a socket the client does not have: skip
            return True
        if rec.dir == "close":
            if rec.reason == CLOSED_BY_CLIENT:
                # the recorded client ended this socket and did not reconnect
                del self._bound[rec.conn]
                self._skipped.add(rec.conn)
            else:
                transport.drop(rec.code, rec.reason or "closed by server")
            self._head = None
            self.notify()
            return True
        if rec.dir == "out":
            assert rec.frame is not None
            if not self.started and is_subscribe(rec.frame, self.protocol):
                return False  # the recording's start: wait for the client's
            if self._origin is None and self.started:
                self._origin = (rec.mono, self._monotonic())
            self._head = None
            return True
        assert rec.frame is not None
        if is_reply(rec.frame, self.protocol):
            self._head = None
            return True
        return False  # a frame: its socket's turn

    def _open(self, rec: Record) -> bool:
        ep = Endpoint(rec.ep)
        for conn, old in list(self._bound.items()):
            if old.endpoint is ep and not old.closed:
                # the close marker was lost: the recorded socket ended here
                old.drop(1006, "connection lost")
                del self._bound[conn]
        waiting = self._unbound.get(ep)
        if waiting:
            transport = waiting.popleft()
            transport.conn = rec.conn
            self._bound[rec.conn] = transport
        elif rec.ep in self._expected:
            return False  # the client is reconnecting: wait for its socket
        else:
            self._skipped.add(rec.conn)
        self._head = None
        self.notify()
        return True
