"""The processes of a scale-out deployment, beside the all-in-one `System`.

`mozdef intake` runs an `IntakeNode`: HTTP intake (and the syslog and SQS
listeners when configured) publishing to the configured queue. `mozdef web` runs
a `WebNode`: the search and alert APIs over the configured store. Both offer the
web app what `System` offers it (`settings`, `intake`, `store`, `health`,
`counters`, `wait_searchable`); a part a process does not run is None and its
routes are not mounted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from mozdef.backends import open_publisher, open_store, shared_writes
from mozdef.config.settings import Settings
from mozdef.errors import MozDefError
from mozdef.intake.service import Intake
from mozdef.intake.sources import IntakeSources
from mozdef.logfmt import fields
from mozdef.queue.base import QueuePublisher
from mozdef.store.base import EventStore
from mozdef.store.opensearch import OpenSearchStore
from mozdef.system import Health

logger = logging.getLogger(__name__)

# How often `?refresh=wait_for` asks the store whether a request's events are there.
SEARCHABLE_POLL_SECONDS = 0.2


class Node(Protocol):
    """What the web app needs of the process it runs in."""

    settings: Settings

    @property
    def intake(self) -> Intake | None: ...

    @property
    def store(self) -> EventStore | None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def health(self) -> Health: ...

    def counters(self) -> dict[str, Any]: ...

    def wait_searchable(
        self, position: int, *, timeout: float, ids: Sequence[str] = ()
    ) -> bool: ...


class IntakeNode:
    """Intake only: events in, published to the queue; workers elsewhere store them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.queue: QueuePublisher = open_publisher(settings)
        self._intake = Intake(self.queue)
        self._sources = IntakeSources(self._intake, settings)
        self._ready = threading.Event()
        # With a store that every process can read, `?refresh=wait_for` asks the store
        # itself whether a request's events are searchable yet.
        self._searchable = open_store(settings, writer=False) if shared_writes(settings) else None

    @property
    def intake(self) -> Intake:
        return self._intake

    @property
    def store(self) -> None:
        return None

    def start(self) -> None:
        self._sources.start()
        self._ready.set()
        logger.info("intake.ready", extra=fields(queue=self.settings.queue.backend))

    def stop(self) -> None:
        self._ready.clear()
        self._sources.stop()
        self.queue.close()
        if self._searchable is not None:
            self._searchable.close()
        logger.info("intake.stopped")

    def health(self) -> Health:
        if not self._ready.is_set():
            return Health(ready=False, accepting=False, reason="starting")
        return Health(ready=True, accepting=True, reason="")

    def counters(self) -> dict[str, Any]:
        return {
            "accepted": self._intake.accepted,
            "rejected": dict(self._intake.rejected),
            "queue_pending": self.queue.pending_bytes(),
            **self._sources.counters(),
        }

    def wait_searchable(self, position: int, *, timeout: float, ids: Sequence[str] = ()) -> bool:
        """Wait until the events `ids` can be found in the store, polling it; without a
        store this process can read, until the queue says the workers stored them."""
        store = self._searchable
        if not isinstance(store, OpenSearchStore) or not ids:
            return self.queue.wait_acked(position, timeout=timeout)
        wanted = len(set(ids))
        deadline = time.monotonic() + timeout
        while True:
            try:
                if store.count_ids(ids) >= wanted:
                    return True
            except MozDefError as error:
                logger.info("intake.refresh_check_failed", extra=fields(reason=str(error)))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(SEARCHABLE_POLL_SECONDS, remaining))


class WebNode:
    """Searches and the alert API over the configured store; no intake."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store = open_store(settings, writer=False)
        self._ready = threading.Event()

    @property
    def intake(self) -> None:
        return None

    @property
    def store(self) -> EventStore:
        return self._store

    def start(self) -> None:
        self._ready.set()
        logger.info("web.ready", extra=fields(store=self.settings.store.backend))

    def stop(self) -> None:
        self._ready.clear()
        self._store.close()

    def health(self) -> Health:
        if not self._ready.is_set():
            return Health(ready=False, accepting=False, reason="starting")
        return Health(ready=True, accepting=True, reason="")

    def counters(self) -> dict[str, Any]:
        return {}

    def wait_searchable(self, position: int, *, timeout: float, ids: Sequence[str] = ()) -> bool:
        return False
