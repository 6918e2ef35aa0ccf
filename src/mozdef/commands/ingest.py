"""`mozdef ingest FILE...`: back-fill NDJSON files through the pipeline into the
store, without a server. The store has one writer: while a server holds it,
this refuses with the store's message instead of waiting."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import uuid
from pathlib import Path
from typing import Any

from mozdef.commands.lines import read_events
from mozdef.config import Settings
from mozdef.pipeline.deadletter import DeadLetter
from mozdef.pipeline.service import build_pipeline
from mozdef.pipeline.worker import Worker
from mozdef.queue.base import Record
from mozdef.queue.memory import MemoryQueue
from mozdef.store.tantivy import TantivyStore

_CHUNK = 5000
# Commit (and so bound the queue) every this many chunks.
_CHUNKS_PER_COMMIT = 20


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        "ingest", help="load NDJSON files (or stdin) through the pipeline into the store"
    )
    parser.add_argument("files", nargs="*", type=Path, help="NDJSON files; none or - is stdin")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = TantivyStore(
        settings.store_dir, writer=True, writer_heap_bytes=settings.store.writer_heap_bytes
    )
    queue = MemoryQueue(max_pending=(_CHUNKS_PER_COMMIT + 1) * _CHUNK)
    worker = Worker(
        queue,
        build_pipeline(settings),
        store,
        DeadLetter(settings.data_dir / "deadletter", store=store),
        batch_size=_CHUNK,
        commit_interval=3600.0,
    )
    try:
        refused = _load(args.files, settings, queue, worker)
        worker.flush()
    finally:
        store.close()
    stats = worker.stats
    print(
        f"indexed={stats.indexed} dropped={stats.dropped} "
        f"failed={sum(stats.failed.values())} refused={refused}"
    )
    return 1 if refused or stats.failed else 0


def _load(files: list[Path], settings: Settings, queue: MemoryQueue, worker: Worker) -> int:
    refused, chunks = 0, 0
    chunk: list[Record] = []
    for name, number, item in read_events(files, settings.intake):
        if isinstance(item, str):
            print(f"{name}:{number}: {item}", file=sys.stderr)
            refused += 1
            continue
        received = dt.datetime.now(dt.UTC)
        chunk.append(Record(id=uuid.uuid4().hex, received=received, body=item.line))
        if len(chunk) >= _CHUNK:
            _drain(queue, worker, chunk)
            chunk, chunks = [], chunks + 1
            if chunks % _CHUNKS_PER_COMMIT == 0:
                worker.flush()
    _drain(queue, worker, chunk)
    return refused


def _drain(queue: MemoryQueue, worker: Worker, chunk: list[Record]) -> None:
    if chunk:
        queue.publish(chunk)
        worker.step(timeout=0)
