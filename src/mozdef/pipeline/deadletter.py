"""Events the store refused for good, kept with the reason instead of being lost.

Each goes to two places, both before the worker acknowledges the event:
- one NDJSON file per UTC day under `<data>/deadletter/`, fsynced; each line holds
  the event id, when it was received, the reason and the body as the shipper sent
  it, so the event can be fixed and sent again with `mozdef ingest`;
- with a store, the dead-letter index `deadletter-YYYYMMDD` of that store (committed
  with the worker's batch), searchable like events (`index=deadletter-*`): the
  document has `category: deadletter`, the reason as its `summary`, and
  `details.event_id`, `details.reason`, `details.kind`, `details.application` and
  `details.body` (the body as text). It is stored under the event's id, replacing a
  dead letter of the same event, so a redelivered event is dead-lettered once.
A store that cannot take the dead letter either is logged and counted
(`index_failures`); the file still holds it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from pathlib import Path
from typing import Any

import orjson

from mozdef.errors import MozDefError
from mozdef.logfmt import fields
from mozdef.queue.base import Record
from mozdef.store.base import EventStore, IndexedDoc

logger = logging.getLogger(__name__)

FAMILY = "deadletter"


class DeadLetter:
    def __init__(self, folder: Path, *, store: EventStore | None = None) -> None:
        self._folder = folder
        self._store = store
        self._lock = threading.Lock()
        self.count = 0
        self.index_failures = 0

    def write(self, record: Record, reason: str) -> None:
        now = dt.datetime.now(dt.UTC)
        body = record.body.decode("utf-8", "replace")
        self._append(now, record, reason, body)
        if self._store is not None:
            self._index(now, record, reason, body)
        logger.warning("worker.deadletter", extra=fields(id=record.id, reason=reason))

    def _append(self, now: dt.datetime, record: Record, reason: str, body: str) -> None:
        line = orjson.dumps(
            {
                "id": record.id,
                "received": record.received.isoformat(),
                "reason": reason,
                "kind": record.kind,
                "application": record.application,
                "body": body,
            }
        )
        with self._lock:
            self._folder.mkdir(parents=True, exist_ok=True)
            with (self._folder / f"deadletter-{now:%Y%m%d}.ndjson").open("ab") as handle:
                handle.write(line + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            self.count += 1

    def _index(self, now: dt.datetime, record: Record, reason: str, body: str) -> None:
        assert self._store is not None
        doc = IndexedDoc(record.id, dead_letter_document(now, record, reason, body), FAMILY)
        try:
            refused = self._store.index([doc], replace=True)
            why = refused[0].reason if refused else ""
        except MozDefError as error:
            why = str(error)
        if why:
            self.index_failures += 1
            logger.error("worker.deadletter_not_indexed", extra=fields(id=record.id, reason=why))


def dead_letter_document(
    now: dt.datetime, record: Record, reason: str, body: str
) -> dict[str, Any]:
    return {
        "id": record.id,
        "utctimestamp": now.isoformat(),
        "receivedtimestamp": record.received.isoformat(),
        "category": FAMILY,
        "source": "mozdef",
        "summary": reason,
        "details": {
            "event_id": record.id,
            "reason": reason,
            "kind": record.kind,
            "application": record.application,
            "body": body,
        },
    }
