"""Events the store refused for good, kept with the reason instead of being lost.

One NDJSON file per UTC day under `<data>/deadletter/`; each line holds the
event id, when it was received, the reason and the body as the shipper sent it,
so the event can be fixed and sent again with `mozdef ingest`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from pathlib import Path

import orjson

from mozdef.logfmt import fields
from mozdef.queue.base import Record

logger = logging.getLogger(__name__)


class DeadLetter:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self.count = 0

    def write(self, record: Record, reason: str) -> None:
        line = orjson.dumps(
            {
                "id": record.id,
                "received": record.received.isoformat(),
                "reason": reason,
                "kind": record.kind,
                "application": record.application,
                "body": record.body.decode("utf-8", "replace"),
            }
        )
        day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
        with self._lock:
            self._folder.mkdir(parents=True, exist_ok=True)
            with (self._folder / f"deadletter-{day}.ndjson").open("ab") as handle:
                handle.write(line + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            self.count += 1
        logger.warning("worker.deadletter", extra=fields(id=record.id, reason=reason))
