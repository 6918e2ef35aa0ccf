import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from mozdef.pipeline.chain import Pipeline
from mozdef.pipeline.deadletter import DeadLetter
from mozdef.pipeline.worker import Worker
from mozdef.queue.base import Record
from mozdef.queue.memory import MemoryQueue
from mozdef.queue.spool import SpoolReader, SpoolWriter
from mozdef.store.base import IndexedDoc, IndexFailure, SearchRequest
from mozdef.store.memory import MemoryStore

NOW = dt.datetime.now(dt.UTC)


def record(n: int, **fields: Any) -> Record:
    body = orjson.dumps({"summary": f"event {n}", "timestamp": NOW.isoformat(), **fields})
    return Record(id=f"id{n}", received=NOW, body=body)


class DropNamed:
    registration = ("drop-me",)
    priority = 1

    def onMessage(self, message: Any, metadata: Any) -> tuple[Any, Any]:
        return None, metadata


class RefusingStore(MemoryStore):
    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        refused = [d for d in docs if d.source.get("hostname") == "refused"]
        kept = [d for d in docs if d not in refused]
        super().index(kept, replace=replace)
        return [IndexFailure(0, d.id, "mapping: field conflict") for d in refused]


def make(tmp_path: Path, queue: Any, store: MemoryStore | None = None) -> tuple[Worker, Any]:
    store = store or MemoryStore()
    pipeline = Pipeline([DropNamed()], mozdefhostname="test")
    worker = Worker(queue, pipeline, store, DeadLetter(tmp_path / "dead"), commit_interval=3600)
    return worker, store


def stored(store: MemoryStore) -> list[str]:
    result = store.search(SearchRequest(index="events-*", size=100, sort=(("id", "asc"),)))
    return [hit.id for hit in result.hits]


def test_events_are_indexed_and_acknowledged_after_commit(tmp_path: Path) -> None:
    queue = MemoryQueue()
    worker, store = make(tmp_path, queue)
    position = queue.publish([record(1), record(2)])
    worker.step(timeout=0)
    assert not queue.wait_acked(position, timeout=0)
    worker.step(timeout=0)
    assert queue.wait_acked(position, timeout=0)
    assert stored(store) == ["id1", "id2"]


def test_plugin_drop_is_counted_and_not_stored(tmp_path: Path) -> None:
    queue = MemoryQueue()
    worker, store = make(tmp_path, queue)
    queue.publish([record(1, hostname="drop-me"), record(2)])
    worker.step(timeout=0)
    worker.flush()
    assert stored(store) == ["id2"]
    assert worker.stats.dropped == 1


def test_refused_event_goes_to_dead_letter_with_reason(tmp_path: Path) -> None:
    queue = MemoryQueue()
    worker, _ = make(tmp_path, queue, RefusingStore())
    queue.publish([record(1, hostname="refused")])
    worker.step(timeout=0)
    worker.flush()
    lines = next((tmp_path / "dead").glob("*.ndjson")).read_bytes().splitlines()
    dead = orjson.loads(lines[0])
    assert (dead["id"], dead["reason"]) == ("id1", "mapping: field conflict")
    assert worker.stats.failed == {"mapping": 1}


def test_redelivery_after_crash_stores_no_duplicate(tmp_path: Path) -> None:
    store = MemoryStore()
    SpoolWriter(tmp_path / "spool").publish([record(1), record(2)])
    worker, _ = make(tmp_path, SpoolReader(tmp_path / "spool"), store)
    worker.step(timeout=0)
    store.commit()  # committed, but the crash comes before the acknowledgement

    again, _ = make(tmp_path, SpoolReader(tmp_path / "spool"), store)
    again.step(timeout=0)
    again.flush()
    assert stored(store) == ["id1", "id2"]
