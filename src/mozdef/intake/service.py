"""The intake seam: what every source (HTTP, syslog, AMQP, SQS) does with events.

A source turns its input into `Accepted` events and `Rejection`s and calls
`Intake.submit`; the intake assigns ids and the received time, makes the events
durable in the queue, and counts everything. A source acknowledges its sender
only after `submit` returned.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mozdef.errors import IntakeError
from mozdef.intake.body import Accepted, Rejection
from mozdef.queue.base import QueuePublisher, Record, RecordKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submission:
    event: Accepted
    # The id the sender chose (`_id` in a bulk action); None assigns one.
    client_id: str | None = None


@dataclass(frozen=True)
class Submitted:
    ids: list[str]
    # Queue position to wait on for `?refresh=wait_for`.
    position: int


def new_ids(count: int) -> list[str]:
    """`count` random 128-bit ids as 32 hex digits, from one call to the OS's generator
    (as unguessable as uuid4, a fraction of its cost per event)."""
    pool = os.urandom(16 * count).hex()
    return [pool[i : i + 32] for i in range(0, 32 * count, 32)]


class Intake:
    def __init__(
        self, queue: QueuePublisher, *, disk_problem: Callable[[], str | None] = lambda: None
    ) -> None:
        self._queue = queue
        self._disk_problem = disk_problem
        self._lock = threading.Lock()
        self.accepted = 0
        self.rejected: Counter[str] = Counter()

    def submit(
        self,
        submissions: Sequence[Submission],
        *,
        kind: RecordKind = "event",
        application: str | None = None,
    ) -> Submitted:
        """Make the events durable; raises QueueFullError or IntakeError('disk_floor')."""
        return self.publish(self.prepare(submissions, kind=kind, application=application))

    def prepare(
        self,
        submissions: Sequence[Submission],
        *,
        kind: RecordKind = "event",
        application: str | None = None,
    ) -> list[Record]:
        """The records of `submissions`, with their ids and the received time, for
        `publish` (which a source may call again while the queue is full)."""
        received = dt.datetime.now(dt.UTC)
        ids = new_ids(len(submissions))
        return [
            self._record(s, event_id, received, kind, application)
            for s, event_id in zip(submissions, ids, strict=True)
        ]

    def publish(self, records: Sequence[Record]) -> Submitted:
        """Make `records` durable; raises QueueFullError or IntakeError('disk_floor')."""
        problem = self._disk_problem()
        if problem is not None:
            raise IntakeError("disk_floor", problem)
        position = self._queue.publish(records) if records else 0
        with self._lock:
            self.accepted += len(records)
        return Submitted([r.id for r in records], position)

    def count_rejections(self, rejections: Sequence[Rejection]) -> None:
        with self._lock:
            self.rejected.update(r.reason for r in rejections)

    def count_refusal(self, reason: str, events: int = 1) -> None:
        """A whole request refused (body too large, queue full, disk floor)."""
        with self._lock:
            self.rejected[reason] += events

    @staticmethod
    def _record(
        submission: Submission,
        event_id: str,
        received: dt.datetime,
        kind: RecordKind,
        application: str | None,
    ) -> Record:
        return Record(
            id=submission.client_id or event_id,
            received=received,
            body=submission.event.line,
            kind=kind,
            application=application,
            client_id=submission.client_id is not None,
        )
