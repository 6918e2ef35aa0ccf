"""The queue seam between intake and the pipeline workers.

Intake publishes records and answers the shipper only once `publish` returned:
from then on the queue owns the events. A worker consumes a delivery, stores its
events, and acknowledges the delivery only after the store committed them, so a
crash anywhere redelivers instead of losing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

RecordKind = Literal["event", "custom"]


@dataclass(frozen=True)
class Record:
    """One accepted event as intake received it: `body` is one JSON object on one line."""

    id: str
    received: dt.datetime
    body: bytes
    kind: RecordKind = "event"
    application: str | None = None
    # The shipper chose the id (`_id` in a bulk request): storing it again must replace.
    client_id: bool = False


@dataclass(frozen=True)
class Delivery:
    records: list[Record]
    # Acknowledging `token` acknowledges these records and every one before them.
    token: int
    # The records may already be stored (redelivered after a crash).
    redelivered: bool = False


class QueuePublisher(Protocol):
    """The intake's side of the queue."""

    def publish(self, records: Sequence[Record]) -> int:
        """Make `records` durable; returns a position to wait on with `wait_acked`.
        Raises `QueueFullError` when the queue holds too much unacknowledged data."""
        ...

    def wait_acked(self, position: int, *, timeout: float) -> bool:
        """Block until every record up to `position` is acknowledged; False on timeout."""
        ...

    def pending_bytes(self) -> int: ...

    def close(self) -> None: ...


class QueueConsumer(Protocol):
    """A worker's side of the queue."""

    def consume(self, max_records: int, *, timeout: float) -> Delivery | None:
        """The next records after the last consumed ones, or None after `timeout` seconds."""
        ...

    def ack(self, token: int) -> None: ...

    @property
    def window_full(self) -> bool:
        """Little or nothing more can arrive before an acknowledgement: the broker's
        prefetch window is used up, or the consumer holds so much of the spool's bound
        that intake is about to be refused. A worker then commits soon rather than
        idle."""
        ...

    def close(self) -> None: ...
