"""The embedded queue: an append-only spool of segment files on local disk.

Records are lines (`header<TAB>body<LF>`) appended to segment files named by the
global byte offset they start at, as in a Kafka log. Two sides, usually in two
processes, share the folder and nothing else:

- `SpoolWriter` (intake) appends; `publish` returns once the bytes are fsynced,
  and concurrent publishers share one fsync (group commit), so durability costs
  one disk flush per burst, not per request.
- `SpoolReader` (the worker) reads from its checkpoint on; `ack` moves the
  checkpoint file forward and deletes segments it has passed. The writer learns
  of acknowledgements by reading that file.

On start, everything after the checkpoint is delivered again and marked
redelivered, so the worker stores it with replace semantics and a crash between
the store's commit and the checkpoint duplicates nothing. A write torn by a crash
(a last line without its newline) was never acknowledged to anyone; the writer
cuts it off when it opens the spool, before any reader starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from mozdef.errors import QueueFullError
from mozdef.logfmt import fields
from mozdef.queue.base import Delivery, Record

logger = logging.getLogger(__name__)

_SUFFIX = ".log"
_CHECKPOINT = "checkpoint"
_MIN_READ = 4 * 1024 * 1024
# How often the sides look at each other's files when waiting.
_POLL_SECONDS = 0.002
_CHECKPOINT_TTL = 0.01


def encode(record: Record, times: dict[dt.datetime, str] | None = None) -> bytes:
    """The spool line of `record`; `times` caches formatted received times, which the
    records of one intake batch share."""
    received = record.received
    text = times.get(received) if times is not None else None
    if text is None:
        text = received.isoformat()
        if times is not None:
            times[received] = text
    header = orjson.dumps([record.id, text, record.kind, record.application, record.client_id])
    return b"%b\t%b\n" % (header, record.body)


def decode(line: bytes, times: dict[str, dt.datetime] | None = None) -> Record:
    """The record of a spool line; `times` caches parsed received times, which the
    records of one intake batch share."""
    header, _, body = line.partition(b"\t")
    event_id, received, kind, application, client_id = orjson.loads(header)
    if times is None:
        times = {}
    moment = times.get(received)
    if moment is None:
        moment = times[received] = dt.datetime.fromisoformat(received)
    return Record(
        id=event_id,
        received=moment,
        body=body,
        kind=kind,
        application=application,
        client_id=client_id,
    )


def segment_path(folder: Path, base: int) -> Path:
    return folder / f"{base:020d}{_SUFFIX}"


def segment_bases(folder: Path) -> list[int]:
    return sorted(int(p.stem) for p in folder.glob("*" + _SUFFIX) if p.stem.isdigit())


def read_checkpoint(folder: Path) -> int:
    try:
        return int((folder / _CHECKPOINT).read_text().strip() or 0)
    except FileNotFoundError:
        return 0


def write_checkpoint(folder: Path, position: int) -> None:
    # Not fsynced on purpose: a checkpoint lost in a crash only means redelivery,
    # which the store absorbs with replace semantics.
    tmp = folder / f"{_CHECKPOINT}.{os.getpid()}.tmp"
    tmp.write_text(str(position))
    tmp.replace(folder / _CHECKPOINT)


class SpoolWriter:
    def __init__(
        self,
        path: Path,
        *,
        segment_bytes: int = 64 * 1024 * 1024,
        max_pending_bytes: int = 1024 * 1024 * 1024,
        fsync: bool = True,
    ) -> None:
        self._path = path
        self._segment_bytes = segment_bytes
        self._max_pending = max_pending_bytes
        self._fsync = fsync
        path.mkdir(parents=True, exist_ok=True)

        self._acked = read_checkpoint(path)
        self._acked_read_at = time.monotonic()
        self._base = self._repair()
        self._end = self._base + segment_path(path, self._base).stat().st_size
        self._synced = self._end
        self._fd = os.open(segment_path(path, self._base), os.O_WRONLY | os.O_APPEND)
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        opened = fields(path=str(path), acked=self._acked, pending=self.pending_bytes())
        logger.info("spool.open", extra=opened)

    def publish(self, records: Sequence[Record]) -> int:
        # Refused before encoding when even the bodies alone do not fit: a sender
        # held by a full spool tries again often, and each try should cost little.
        self._check_room(sum([len(record.body) for record in records]))
        times: dict[dt.datetime, str] = {}
        data = b"".join([encode(record, times) for record in records])
        with self._lock:
            self._reserve(len(data))
            os.write(self._fd, data)
            self._end += len(data)
            position = self._end
        self._sync_to(position)
        return position

    def wait_acked(self, position: int, *, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._read_acked() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)
        return True

    def pending_bytes(self) -> int:
        return max(0, self._end - self._read_acked())

    def close(self) -> None:
        with self._lock:
            if self._fsync:
                os.fsync(self._fd)
            os.close(self._fd)

    def _read_acked(self, *, fresh: bool = False) -> int:
        now = time.monotonic()
        if fresh or now - self._acked_read_at >= _CHECKPOINT_TTL:
            self._acked, self._acked_read_at = read_checkpoint(self._path), now
        return self._acked

    def _check_room(self, size: int) -> None:
        pending = self._end - self._read_acked()
        if pending > 0 and pending + size > self._max_pending:
            pending = self._end - self._read_acked(fresh=True)
            if pending > 0 and pending + size > self._max_pending:
                raise QueueFullError("spool", retry_after=1.0)

    def _reserve(self, size: int) -> None:
        self._check_room(size)
        if self._end > self._base and self._end - self._base + size > self._segment_bytes:
            self._roll()

    def _roll(self) -> None:
        if self._fsync:
            os.fsync(self._fd)
        os.close(self._fd)
        self._synced = max(self._synced, self._end)
        self._base = self._end
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        self._fd = os.open(segment_path(self._path, self._base), flags, 0o600)

    def _sync_to(self, position: int) -> None:
        if not self._fsync:
            return
        with self._sync_lock:
            if self._synced >= position:
                return
            with self._lock:
                fd, target = os.dup(self._fd), self._end
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self._synced = max(self._synced, target)

    def _repair(self) -> int:
        """The base of the segment to append to, after cutting a torn tail."""
        bases = segment_bases(self._path)
        if not bases:
            segment_path(self._path, self._acked).touch(mode=0o600)
            return self._acked
        last = segment_path(self._path, bases[-1])
        if bases[-1] + last.stat().st_size < self._acked:
            # A log older than the checkpoint: start a fresh segment there.
            segment_path(self._path, self._acked).touch(mode=0o600)
            return self._acked
        _cut_torn_tail(last)
        return bases[-1]


def _cut_torn_tail(segment: Path) -> None:
    size = segment.stat().st_size
    with segment.open("r+b") as handle:
        handle.seek(max(0, size - _MIN_READ))
        tail = handle.read()
        if not tail or tail.endswith(b"\n"):
            return
        cut = len(tail) - (tail.rfind(b"\n") + 1)
        handle.truncate(size - cut)
    logger.warning("spool.torn_tail", extra=fields(segment=segment.name, cut=cut))


class SpoolReader:
    """The consuming side. `max_pending_bytes` is the writer's bound: once the reader
    holds half of it unacknowledged, `window_full` tells the worker to commit now,
    for the writer is about to refuse (or hold) intake until an acknowledgement."""

    def __init__(self, path: Path, *, max_pending_bytes: int | None = None) -> None:
        self._path = path
        self._max_pending = max_pending_bytes
        path.mkdir(parents=True, exist_ok=True)
        self._acked = read_checkpoint(path)
        self._consumed = self._acked
        self._bases = segment_bases(path)
        self._redeliver_until = self._end()
        self._fds: dict[int, int] = {}

    def consume(self, max_records: int, *, timeout: float) -> Delivery | None:
        deadline = time.monotonic() + timeout
        while True:
            lines, size = self._read_lines(max_records)
            if lines:
                break
            if time.monotonic() >= deadline:
                return None
            time.sleep(_POLL_SECONDS)
        start = self._consumed
        self._consumed += size
        times: dict[str, dt.datetime] = {}
        return Delivery(
            records=[decode(line, times) for line in lines],
            token=self._consumed,
            redelivered=start < self._redeliver_until,
        )

    @property
    def window_full(self) -> bool:
        if self._max_pending is None:
            return False
        return self._consumed - self._acked >= self._max_pending // 2

    def ack(self, token: int) -> None:
        if token <= self._acked:
            return
        self._acked = token
        write_checkpoint(self._path, token)
        self._drop_acked_segments()

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def _end(self) -> int:
        if not self._bases:
            return self._consumed
        last = self._bases[-1]
        return last + segment_path(self._path, last).stat().st_size

    def _read_lines(self, max_records: int) -> tuple[list[bytes], int]:
        """Complete lines after the consumed position; a line still being written
        (no newline yet) is left for the next call."""
        base = self._segment_of(self._consumed)
        if base is None:
            return [], 0
        want = _MIN_READ
        while True:
            chunk = os.pread(self._fd(base), want, self._consumed - base)
            # At most `max_records` splits: the last part is the rest of the chunk
            # or a line still being written, never a record to deliver.
            lines = chunk.split(b"\n", max_records)[:-1]
            if lines or len(chunk) < want:
                return lines, sum(len(line) + 1 for line in lines)
            want *= 2

    def _segment_of(self, position: int) -> int | None:
        """The segment holding `position`, moving on when a later segment exists."""
        if not self._bases or (
            self._bases[-1] <= position and self._end_of(self._bases[-1]) <= position
        ):
            self._bases = segment_bases(self._path)
        candidates = [b for b in self._bases if b <= position]
        if not candidates:
            return None
        base = candidates[-1]
        if self._end_of(base) <= position and base != self._bases[-1]:
            return None
        return base

    def _end_of(self, base: int) -> int:
        return base + os.fstat(self._fd(base)).st_size

    def _fd(self, base: int) -> int:
        fd = self._fds.get(base)
        if fd is None:
            fd = self._fds[base] = os.open(segment_path(self._path, base), os.O_RDONLY)
        return fd

    def _drop_acked_segments(self) -> None:
        while len(self._bases) > 1 and self._bases[1] <= self._acked:
            base = self._bases.pop(0)
            fd = self._fds.pop(base, None)
            if fd is not None:
                os.close(fd)
            segment_path(self._path, base).unlink(missing_ok=True)
