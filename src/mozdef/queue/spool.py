"""The embedded queue: an append-only spool of segment files on local disk.

Records are lines (`header<TAB>body<LF>`) appended to segment files named by
the global byte offset they start at, as in a Kafka log. `publish` returns once
the bytes are fsynced; concurrent publishers share one fsync (group commit), so
durability costs one disk flush per burst, not per request. A checkpoint file
holds the acknowledged offset; on start, everything after it is delivered again
and marked redelivered, so the worker stores it with replace semantics and a
crash between the store's commit and the checkpoint duplicates nothing.

A write torn by a crash (a last line without its newline) was never
acknowledged to anyone and is cut off on start.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
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


def encode(record: Record) -> bytes:
    header = orjson.dumps(
        [record.id, record.received.isoformat(), record.kind, record.application, record.client_id]
    )
    return header + b"\t" + record.body + b"\n"


def decode(line: bytes) -> Record:
    header, _, body = line.partition(b"\t")
    event_id, received, kind, application, client_id = orjson.loads(header)
    return Record(
        id=event_id,
        received=dt.datetime.fromisoformat(received),
        body=body,
        kind=kind,
        application=application,
        client_id=client_id,
    )


class Spool:
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

        self._acked = self._read_checkpoint()
        self._bases = self._repair_segments()
        self._end = self._bases[-1] + self._segment_size(self._bases[-1])
        self._redeliver_until = self._end
        self._consumed = self._acked
        self._synced = self._end

        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._changed = threading.Condition()
        self._fd = os.open(self._segment_path(self._bases[-1]), os.O_WRONLY | os.O_APPEND)
        self._read_fds: dict[int, int] = {}
        logger.info(
            "spool.open",
            extra=fields(path=str(path), acked=self._acked, pending=self.pending_bytes()),
        )

    # -- publishing --------------------------------------------------------

    def publish(self, records: Sequence[Record]) -> int:
        data = b"".join(encode(record) for record in records)
        with self._lock:
            self._reserve(len(data))
            os.write(self._fd, data)
            self._end += len(data)
            position = self._end
        self._sync_to(position)
        with self._changed:
            self._changed.notify_all()
        return position

    def _reserve(self, size: int) -> None:
        pending = self._end - self._acked
        if pending > 0 and pending + size > self._max_pending:
            raise QueueFullError("spool", retry_after=1.0)
        current = self._bases[-1]
        if self._end > current and self._end - current + size > self._segment_bytes:
            self._roll()

    def _roll(self) -> None:
        if self._fsync:
            os.fsync(self._fd)
        os.close(self._fd)
        self._synced = max(self._synced, self._end)
        self._bases.append(self._end)
        self._fd = os.open(
            self._segment_path(self._end), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )

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

    # -- consuming -----------------------------------------------------------

    def consume(self, max_records: int, *, timeout: float) -> Delivery | None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._end > self._consumed, timeout):
                return None
        start = self._consumed
        lines, size = self._read_lines(start, max_records)
        self._consumed = start + size
        return Delivery(
            records=[decode(line) for line in lines],
            token=self._consumed,
            redelivered=start < self._redeliver_until,
        )

    def _read_lines(self, position: int, max_records: int) -> tuple[list[bytes], int]:
        # Never read past `_end`: bytes beyond it may be a write still in progress.
        available = self._end - position
        want = _MIN_READ
        while True:
            base = max(b for b in self._bases if b <= position)
            chunk = os.pread(self._read_fd(base), min(want, available), position - base)
            lines = chunk.split(b"\n")[:-1][:max_records]
            if lines:
                return lines, sum(len(line) + 1 for line in lines)
            want *= 2

    def _read_fd(self, base: int) -> int:
        fd = self._read_fds.get(base)
        if fd is None:
            fd = self._read_fds[base] = os.open(self._segment_path(base), os.O_RDONLY)
        return fd

    # -- acknowledging -------------------------------------------------------

    def ack(self, token: int) -> None:
        with self._lock:
            if token <= self._acked:
                return
            self._acked = token
            self._write_checkpoint(token)
            self._drop_acked_segments()
        with self._changed:
            self._changed.notify_all()

    def wait_acked(self, position: int, *, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._acked >= position, timeout)

    def pending_bytes(self) -> int:
        return self._end - self._acked

    def _drop_acked_segments(self) -> None:
        while len(self._bases) > 1 and self._bases[1] <= self._acked:
            base = self._bases.pop(0)
            fd = self._read_fds.pop(base, None)
            if fd is not None:
                os.close(fd)
            self._segment_path(base).unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            if self._fsync:
                os.fsync(self._fd)
            os.close(self._fd)
            for fd in self._read_fds.values():
                os.close(fd)
            self._read_fds.clear()

    # -- files -----------------------------------------------------------------

    def _segment_path(self, base: int) -> Path:
        return self._path / f"{base:020d}{_SUFFIX}"

    def _segment_size(self, base: int) -> int:
        return self._segment_path(base).stat().st_size

    def _read_checkpoint(self) -> int:
        try:
            return int((self._path / _CHECKPOINT).read_text().strip())
        except FileNotFoundError:
            return 0

    def _write_checkpoint(self, position: int) -> None:
        # Not fsynced on purpose: a checkpoint lost in a crash only means redelivery,
        # which the store absorbs with replace semantics.
        tmp = self._path / (_CHECKPOINT + ".tmp")
        tmp.write_text(str(position))
        tmp.replace(self._path / _CHECKPOINT)

    def _repair_segments(self) -> list[int]:
        bases = sorted(int(p.stem) for p in self._path.glob("*" + _SUFFIX) if p.stem.isdigit())
        if not bases or bases[-1] + self._segment_size(bases[-1]) < self._acked:
            # No log, or a log older than the checkpoint: start a fresh segment there.
            self._segment_path(self._acked).touch(mode=0o600)
            return [*bases, self._acked] if bases else [self._acked]
        self._cut_torn_tail(self._segment_path(bases[-1]))
        return bases

    def _cut_torn_tail(self, segment: Path) -> None:
        data = segment.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            logger.warning(
                "spool.torn_tail", extra=fields(segment=segment.name, cut=len(data) - keep)
            )
            with segment.open("r+b") as handle:
                handle.truncate(keep)
