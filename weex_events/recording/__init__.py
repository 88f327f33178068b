"""``weex_events.recording``: record WEEX sessions and read recordings back.

The format (DESIGN.md §6) lives in ``recording.format``, the writer in
``recording.recorder`` and the reader in ``recording.reader``::

    from weex_events.recording import Recorder, RecordingReader

    with Recorder("session.ndjson.gz", rotate_bytes=64 << 20) as rec:
        rec.opened("public", 1, url, time.time(), time.monotonic())
        rec.frame_in("public", 1, text, time.time(), time.monotonic())

    for record in RecordingReader("session.ndjson.gz"):
        print(record.dir, record.frame)

Imports: ``errors``, ``config``, orjson and the stdlib; nothing from the client
layers, so the simulator can read recordings with the same code.
"""

from __future__ import annotations

from .format import FORMAT, VERSION, Header, Record, public_url, rotated_path
from .reader import RecordingReader, read_records, rotation_set
from .recorder import Recorder, RecorderStats

__all__ = [
    "FORMAT",
    "VERSION",
    "Header",
    "Record",
    "Recorder",
    "RecorderStats",
    "RecordingReader",
    "public_url",
    "read_records",
    "rotated_path",
    "rotation_set",
]
