import datetime as dt
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

import mozdef.pipeline.worker as worker_module
from mozdef.errors import StorageUnavailableError
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


def make(
    tmp_path: Path, queue: Any, store: MemoryStore | None = None, *, overlap: bool = False
) -> tuple[Worker, Any]:
    store = store or MemoryStore()
    pipeline = Pipeline([DropNamed()], mozdefhostname="test")
    dead = DeadLetter(tmp_path / "dead", store=store)
    worker = Worker(queue, pipeline, store, dead, commit_interval=3600, overlap_index=overlap)
    return worker, store


# The tests that take it run with the store indexing on the worker's loop and on a
# thread of its own (`overlap_index`, as with OpenSearch).
overlapped = pytest.mark.parametrize("overlap", [False, True], ids=["inline", "overlapped"])


def stored(store: MemoryStore) -> list[str]:
    result = store.search(SearchRequest(index="events-*", size=100, sort=(("id", "asc"),)))
    return [hit.id for hit in result.hits]


@overlapped
def test_events_are_indexed_and_acknowledged_after_commit(tmp_path: Path, overlap: bool) -> None:
    queue = MemoryQueue()
    worker, store = make(tmp_path, queue, overlap=overlap)
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


@overlapped
def test_refused_event_goes_to_dead_letter_with_reason(tmp_path: Path, overlap: bool) -> None:
    queue = MemoryQueue()
    worker, _ = make(tmp_path, queue, RefusingStore(), overlap=overlap)
    queue.publish([record(1, hostname="refused")])
    worker.step(timeout=0)
    worker.flush()
    lines = next((tmp_path / "dead").glob("*.ndjson")).read_bytes().splitlines()
    dead = orjson.loads(lines[0])
    assert (dead["id"], dead["reason"]) == ("id1", "mapping: field conflict")
    assert worker.stats.failed == {"mapping": 1}


def test_refused_event_is_searchable_in_the_dead_letter_index(tmp_path: Path) -> None:
    queue = MemoryQueue()
    worker, store = make(tmp_path, queue, RefusingStore())
    queue.publish([record(1, hostname="refused"), record(2)])
    worker.step(timeout=0)
    worker.flush()

    [hit] = store.search(SearchRequest(index="deadletter-*", size=10)).hits
    assert hit.id == "id1"
    assert (hit.source["category"], hit.source["summary"]) == (
        "deadletter",
        "mapping: field conflict",
    )
    assert orjson.loads(hit.source["details"]["body"])["hostname"] == "refused"
    assert stored(store) == ["id2"]


def test_a_redelivered_refused_event_is_dead_lettered_once_in_the_index(tmp_path: Path) -> None:
    store = RefusingStore()
    SpoolWriter(tmp_path / "spool").publish([record(1, hostname="refused")])
    for _ in range(2):  # the second worker gets the delivery again, unacknowledged
        worker, _ = make(tmp_path, SpoolReader(tmp_path / "spool"), store)
        worker.step(timeout=0)
        store.commit()

    assert store.count(SearchRequest(index="deadletter-*")) == 1


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


class FlakyStore(MemoryStore):
    """Unreachable for its first `outages` index and commit calls."""

    def __init__(self, outages: int) -> None:
        super().__init__()
        self.outages = outages

    def _maybe_down(self) -> None:
        if self.outages > 0:
            self.outages -= 1
            raise StorageUnavailableError("http://store", "connection refused")

    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        self._maybe_down()
        return super().index(docs, replace=replace)

    def commit(self) -> None:
        self._maybe_down()
        super().commit()


@overlapped
def test_unreachable_store_is_waited_for_and_nothing_is_acknowledged_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlap: bool
) -> None:
    monkeypatch.setattr(worker_module, "FIRST_BACKOFF", 0.01)
    queue = MemoryQueue()
    worker, store = make(tmp_path, queue, FlakyStore(outages=3), overlap=overlap)
    position = queue.publish([record(1), record(2)])
    worker.step(timeout=0)
    worker.flush()
    assert queue.wait_acked(position, timeout=0)
    assert stored(store) == ["id1", "id2"]
    assert worker.stats.store_retries == 3


@overlapped
def test_stop_ends_the_wait_for_the_store_without_acknowledging(
    tmp_path: Path, overlap: bool
) -> None:
    queue = MemoryQueue()
    worker, _ = make(tmp_path, queue, FlakyStore(outages=1000), overlap=overlap)
    position = queue.publish([record(1)])
    stop = threading.Event()
    stop.set()
    worker._stop = stop
    with pytest.raises(StorageUnavailableError):
        worker.step(timeout=0)
        worker.flush()
    assert not queue.wait_acked(position, timeout=0)


class SlowIndexStore(MemoryStore):
    """A store whose `index` waits until the test opens the gate, and tells when
    it has started."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.indexing = threading.Event()

    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        self.indexing.set()
        assert self.gate.wait(timeout=10)
        return super().index(docs, replace=replace)


class Seen:
    """A plugin that notes the summary of every event it transforms."""

    registration = ("event",)
    priority = 1

    def __init__(self) -> None:
        self.summaries: list[str] = []

    def onMessage(self, message: Any, metadata: Any) -> tuple[Any, Any]:
        self.summaries.append(message["summary"])
        return message, metadata


def test_overlapped_worker_transforms_the_next_delivery_while_the_store_indexes(
    tmp_path: Path,
) -> None:
    queue, store, seen = MemoryQueue(), SlowIndexStore(), Seen()
    worker = Worker(
        queue,
        Pipeline([seen], mozdefhostname="test"),
        store,
        DeadLetter(tmp_path / "dead"),
        batch_size=1,
        commit_interval=3600,
        overlap_index=True,
    )
    first, second = queue.publish([record(1)]), queue.publish([record(2)])

    worker.step(timeout=0)  # event 1 goes to the store, which holds it
    assert store.indexing.wait(timeout=5)
    stepping = threading.Thread(target=worker.step, kwargs={"timeout": 0})
    stepping.start()  # event 2 is transformed, then waits for event 1's answer
    deadline = time.monotonic() + 5
    while len(seen.summaries) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)

    assert seen.summaries == ["event 1", "event 2"]
    assert stored(store) == []
    assert not queue.wait_acked(first, timeout=0)
    store.gate.set()
    stepping.join(timeout=5)
    worker.flush()
    assert queue.wait_acked(second, timeout=0)
    assert stored(store) == ["id1", "id2"]
    assert worker.stats.indexed == 2


class GatedStore(MemoryStore):
    """A store whose commits wait until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def commit(self) -> None:
        assert self.gate.wait(timeout=10)
        super().commit()


def background_worker(tmp_path: Path, queue: Any, store: MemoryStore) -> Worker:
    pipeline = Pipeline([], mozdefhostname="test")
    dead = DeadLetter(tmp_path / "dead")
    return Worker(queue, pipeline, store, dead, commit_interval=0, background_commit=True)


def test_background_commit_acknowledges_only_once_the_commit_is_done(tmp_path: Path) -> None:
    queue, store = MemoryQueue(), GatedStore()
    worker = background_worker(tmp_path, queue, store)
    position = queue.publish([record(1)])
    worker.step(timeout=0)
    later = queue.publish([record(2)])
    worker.step(timeout=0)  # indexes record 2 while the first commit waits
    assert not queue.wait_acked(position, timeout=0)

    store.gate.set()
    worker.flush()
    assert queue.wait_acked(later, timeout=0)
    assert (stored(store), worker.stats.commits) == (["id1", "id2"], 2)


def test_background_commit_failure_is_raised_in_the_loop(tmp_path: Path) -> None:
    class BrokenStore(MemoryStore):
        def commit(self) -> None:
            raise OSError("disk full")

    queue = MemoryQueue()
    worker = background_worker(tmp_path, queue, BrokenStore())
    position = queue.publish([record(1)])
    worker.step(timeout=0)
    with pytest.raises(OSError, match="disk full"):
        worker.flush()
    assert not queue.wait_acked(position, timeout=0)


class HalfTakingStore(MemoryStore):
    """Takes the first half of a batch, then loses its connection, once."""

    def __init__(self) -> None:
        super().__init__()
        self.replaces: list[bool] = []

    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        self.replaces.append(replace)
        if len(self.replaces) == 1:
            super().index(docs[: len(docs) // 2], replace=replace)
            raise StorageUnavailableError("http://store", "read timed out")
        return super().index(docs, replace=replace)


def test_a_batch_sent_again_after_a_lost_answer_is_stored_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "FIRST_BACKOFF", 0.01)
    queue = MemoryQueue()
    store = HalfTakingStore()
    worker, _ = make(tmp_path, queue, store)
    queue.publish([record(n) for n in range(1, 5)])
    worker.step(timeout=0)
    worker.flush()
    assert store.replaces == [False, True]
    assert stored(store) == ["id1", "id2", "id3", "id4"]


class ChoosesId:
    registration = ("*",)
    priority = 1

    def onMessage(self, message: Any, metadata: Any) -> tuple[Any, Any]:
        metadata["id"] = f"chosen-{message['summary'].split()[-1]}"
        return message, metadata


def test_a_document_id_a_plugin_chose_is_the_events_id_too(tmp_path: Path) -> None:
    queue = MemoryQueue()
    store = MemoryStore()
    pipeline = Pipeline([ChoosesId()], mozdefhostname="test")
    worker = Worker(queue, pipeline, store, DeadLetter(tmp_path / "dead"), commit_interval=3600)
    queue.publish([record(7)])
    worker.step(timeout=0)
    worker.flush()

    [hit] = store.search(SearchRequest(index="events-*")).hits
    assert (hit.id, hit.source["id"]) == ("chosen-7", "chosen-7")
