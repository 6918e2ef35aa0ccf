"""The worker: queue -> pipeline -> store, acknowledging only what the store committed.

One loop: take a delivery, turn each record into a stored document through the
pipeline, hand the documents to the store, and on a timer (about a second, or
as soon as the queue is idle) commit the store and then acknowledge the queue.
With `background_commit` (the embedded store) the commit runs on a thread of its
own while the loop goes on with the next delivery (see `mozdef.pipeline.commits`);
the acknowledgement still follows the commit that covers it.
With `overlap_index` (a store that waits on a server, OpenSearch) the store takes
each batch on a thread of its own while the loop reads and transforms the next
delivery, one batch in flight: a single worker then keeps the server busy instead
of leaving it idle while it transforms. A batch counts as processed, and may be
committed and acknowledged, only once the store has answered for it.
An event that the store refuses goes to the dead-letter file with the reason
before it is acknowledged, so nothing leaves the queue unaccounted for.

A store that cannot be reached (a server restarting) is waited for: the same
batch is offered again with a doubling pause, up to `MAX_BACKOFF` seconds between
tries, until it is taken or the worker is stopped; the queue keeps the events
meanwhile, since nothing is acknowledged before the store took it. A try that
failed may have stored part of the batch (a bulk request whose answer was lost),
so the tries after it replace by id: nothing is stored twice.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import orjson

from mozdef.errors import StorageUnavailableError
from mozdef.events.schema import Event
from mozdef.logfmt import fields
from mozdef.pipeline.chain import Pipeline
from mozdef.pipeline.commits import Committed, CommitThread
from mozdef.pipeline.deadletter import DeadLetter
from mozdef.queue.base import Delivery, QueueConsumer, Record
from mozdef.store.base import EventStore, IndexedDoc, IndexFailure

logger = logging.getLogger(__name__)

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0
# How long to wait for new records while a background commit runs, or while the
# queue holds everything back until an acknowledgement, so that the acknowledgement
# is not held back by an idle wait.
COMMIT_POLL = 0.02
T = TypeVar("T")


class StopSignal(Protocol):
    """A threading or multiprocessing Event."""

    def is_set(self) -> bool: ...


@dataclass
class WorkerStats:
    consumed: int = 0
    indexed: int = 0
    dropped: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    commits: int = 0
    hook_errors: int = 0
    last_commit_ms: float = 0.0
    # Times the store could not be reached and the worker waited for it.
    store_retries: int = 0


@dataclass(frozen=True)
class _Batch:
    """A delivery turned into documents, waiting for the store."""

    token: int
    records: int
    redelivered: bool
    docs: list[IndexedDoc]
    replaced: list[IndexedDoc]
    # The records by document id, for the dead letters.
    by_id: dict[str, Record]
    started: float


class Worker:
    def __init__(
        self,
        queue: QueueConsumer,
        pipeline: Pipeline,
        store: EventStore,
        deadletter: DeadLetter,
        *,
        batch_size: int = 2000,
        commit_interval: float = 1.0,
        on_commit: Callable[[], None] | None = None,
        on_events: Callable[[list[Event]], None] | None = None,
        background_commit: bool = False,
        overlap_index: bool = False,
    ) -> None:
        self._queue = queue
        self._pipeline = pipeline
        self._store = store
        self._deadletter = deadletter
        self._batch_size = batch_size
        self._commit_interval = commit_interval
        self._on_commit = on_commit
        self._on_events = on_events
        self._uncommitted: int | None = None
        self._last_commit = time.monotonic()
        self._stop: StopSignal | None = None
        self._committer = (
            CommitThread(lambda: self._patiently(self._store.commit)) if background_commit else None
        )
        self._indexer = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="mozdef-index")
            if overlap_index
            else None
        )
        # The batch the indexer is storing, with the answer to come.
        self._in_flight: tuple[_Batch, Future[list[IndexFailure]]] | None = None
        self.stats = WorkerStats()

    def run(self, stop: StopSignal) -> None:
        self._stop = stop
        try:
            while not stop.is_set():
                self.step(timeout=min(0.2, self._commit_interval))
            self.flush()
        finally:
            if self._indexer is not None:
                self._indexer.shutdown(wait=True)
            if self._committer is not None:
                self._committer.close()

    def step(self, *, timeout: float) -> None:
        """Process one delivery if one arrives within `timeout`, then commit if due."""
        if self._queue.window_full or (self._committer is not None and self._committer.busy):
            # Nothing arrives before the next acknowledgement: commit soon, not after
            # a whole idle timeout.
            timeout = min(timeout, COMMIT_POLL)
        delivery = self._queue.consume(self._batch_size, timeout=timeout)
        if delivery is not None:
            self._process(delivery)
        else:
            self._collect()
        if self._committer is not None:
            self._settle(self._committer.finished(wait=False))
        idle = delivery is None
        due = time.monotonic() - self._last_commit >= self._commit_interval
        if self._uncommitted is None or not (idle or due):
            return
        if self._committer is None:
            self.flush()
        elif not self._committer.busy:
            self._committer.start(self._uncommitted)
            self._uncommitted = None
            self._last_commit = time.monotonic()

    def flush(self) -> None:
        """Commit the store and acknowledge everything processed so far."""
        self._collect()
        if self._committer is not None:
            self._settle(self._committer.finished(wait=True))
        started = time.monotonic()
        if self._uncommitted is not None:
            self._patiently(self._store.commit)
            token, self._uncommitted = self._uncommitted, None
            self._settle(Committed(token, (time.monotonic() - started) * 1000))
        self._last_commit = time.monotonic()

    def _settle(self, committed: Committed | None) -> None:
        """Acknowledge what a finished commit covers."""
        if committed is None:
            return
        self._queue.ack(committed.token)
        self.stats.commits += 1
        self.stats.last_commit_ms = committed.ms
        if self._on_commit is not None:
            self._on_commit()

    def _process(self, delivery: Delivery) -> None:
        started = time.monotonic()
        docs, by_id, replaced = self._documents(delivery)
        batch = _Batch(
            token=delivery.token,
            records=len(delivery.records),
            redelivered=delivery.redelivered,
            docs=docs,
            replaced=replaced,
            by_id=by_id,
            started=started,
        )
        if self._indexer is None:
            self._finish(batch, self._store_batch(batch))
            return
        self._collect()
        self._in_flight = (batch, self._indexer.submit(self._store_batch, batch))

    def _collect(self) -> None:
        """Wait for the batch in flight, if any, and finish it."""
        if self._in_flight is None:
            return
        batch, answer = self._in_flight
        self._in_flight = None
        self._finish(batch, answer.result())

    def _store_batch(self, batch: _Batch) -> list[IndexFailure]:
        failures = self._index(batch.docs, replace=batch.redelivered)
        if batch.replaced:
            failures += self._index(batch.replaced, replace=True)
        return failures

    def _finish(self, batch: _Batch, failures: list[IndexFailure]) -> None:
        """The store answered for `batch`: dead letters, streaming rules, counts; its
        token may be committed and acknowledged from now on."""
        for failure in failures:
            self._dead(batch.by_id[failure.id], failure.reason)
        if self._on_events is not None:
            stored = (*batch.docs, *batch.replaced)
            self._after_index([doc.source for doc in stored if doc.index == "events"])
        indexed = len(batch.docs) + len(batch.replaced) - len(failures)
        self.stats.consumed += batch.records
        self.stats.indexed += indexed
        self._uncommitted = batch.token
        logger.info(
            "worker.batch",
            extra=fields(
                records=batch.records,
                indexed=indexed,
                failed=len(failures),
                redelivered=batch.redelivered,
                ms=round((time.monotonic() - batch.started) * 1000, 1),
            ),
        )

    def _index(self, docs: list[IndexedDoc], *, replace: bool) -> list[IndexFailure]:
        """Index `docs` patiently; every try after the first replaces by id."""
        tries = 0

        def attempt() -> list[IndexFailure]:
            nonlocal tries
            tries += 1
            return self._store.index(docs, replace=replace or tries > 1)

        return self._patiently(attempt)

    def _patiently(self, call: Callable[[], T]) -> T:
        """`call()`, tried again with a growing pause while the store is unreachable.
        A stop request ends the waiting by raising the last error: the batch stays
        unacknowledged and comes back at the next start."""
        pause = FIRST_BACKOFF
        while True:
            try:
                return call()
            except StorageUnavailableError as error:
                self.stats.store_retries += 1
                logger.warning(
                    "worker.store_unavailable", extra=fields(reason=error.reason, retry_in=pause)
                )
                if self._stop is not None and self._stop.is_set():
                    raise
                deadline = time.monotonic() + pause
                while time.monotonic() < deadline:
                    if self._stop is not None and self._stop.is_set():
                        raise
                    time.sleep(min(0.1, pause))
                pause = min(pause * 2, MAX_BACKOFF)

    def _after_index(self, events: list[Event]) -> None:
        """Hand the batch to the streaming rules; their trouble never stops indexing."""
        if self._on_events is None or not events:
            return
        try:
            self._on_events(events)
        except Exception:
            self.stats.hook_errors += 1
            logger.exception("worker.events_hook_failed")

    def _documents(
        self, delivery: Delivery
    ) -> tuple[list[IndexedDoc], dict[str, Record], list[IndexedDoc]]:
        """Documents to add, the records by document id, and documents whose id the
        client chose (stored with replace semantics)."""
        docs: list[IndexedDoc] = []
        replaced: list[IndexedDoc] = []
        by_id: dict[str, Record] = {}
        for record in delivery.records:
            doc = self._document(record)
            if doc is None:
                continue
            by_id[doc.id] = record
            (replaced if record.client_id else docs).append(doc)
        return docs, by_id, replaced

    def _document(self, record: Record) -> IndexedDoc | None:
        try:
            raw = orjson.loads(record.body)
        except orjson.JSONDecodeError as exc:
            self._dead(record, f"undecodable spooled body: {exc}")
            return None
        result = self._pipeline.process(
            raw,
            event_id=record.id,
            received=record.received,
            kind=record.kind,
            application=record.application,
        )
        if result is None:
            self.stats.dropped += 1
            return None
        event, metadata = result
        doc_id = str(metadata.get("id") or record.id)
        if event.get("id") != doc_id:
            # A plugin chose the document id: the event's `id` says the same, so that
            # `id:` finds it alike on every store (some read the field, some the id).
            event["id"] = doc_id
        return IndexedDoc(id=doc_id, source=event, index=str(metadata.get("index") or "events"))

    def _dead(self, record: Record, reason: str) -> None:
        self.stats.failed[reason.split(":")[0]] += 1
        self._deadletter.write(record, reason)
