"""The record of every delivery: which alert went to which route, how it ended.

`status` moves pending -> retrying* -> delivered | failed; a delivery that found the
queue full is `dropped` at once. `AppDbDeliveryLog` keeps records in the
application database's `action_deliveries` table (migration 0002);
`MemoryDeliveryLog` serves tests.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import Column, Integer, String, Table, Text, select

from mozdef.appdb.db import AppDb
from mozdef.appdb.tables import UtcDateTime, metadata
from mozdef.errors import StorageError

DeliveryStatus = Literal["pending", "retrying", "delivered", "failed", "dropped"]
STATUSES: tuple[DeliveryStatus, ...] = ("pending", "retrying", "delivered", "failed", "dropped")


@dataclass(frozen=True)
class DeliveryRecord:
    id: str
    alert_id: str
    rule_id: str
    route: str
    action: str
    status: DeliveryStatus
    attempts: int
    created: dt.datetime
    updated: dt.datetime
    error: str = ""
    result: str = ""


class DeliveryLog(Protocol):
    def save(self, record: DeliveryRecord) -> None:
        """Insert the record, or replace the one with the same id."""
        ...

    def records(self, *, alert_id: str | None = None, limit: int = 100) -> list[DeliveryRecord]:
        """Newest first."""
        ...


class MemoryDeliveryLog:
    def __init__(self) -> None:
        self._records: dict[str, DeliveryRecord] = {}
        self._lock = threading.Lock()

    def save(self, record: DeliveryRecord) -> None:
        with self._lock:
            self._records[record.id] = record

    def records(self, *, alert_id: str | None = None, limit: int = 100) -> list[DeliveryRecord]:
        with self._lock:
            found = [r for r in self._records.values() if alert_id in (None, r.alert_id)]
        return sorted(found, key=lambda record: (record.created, record.id), reverse=True)[:limit]


action_deliveries = Table(
    "action_deliveries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("alert_id", String(64), nullable=False, index=True),
    Column("rule_id", String(255), nullable=False),
    Column("route", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    Column("error", Text, nullable=False),
    Column("result", Text, nullable=False),
)


class AppDbDeliveryLog:
    """Records in the application database; safe to call from the dispatcher's threads."""

    def __init__(self, db: AppDb) -> None:
        self._db = db

    def save(self, record: DeliveryRecord) -> None:
        values = _row(record)
        table = action_deliveries
        with self._db.begin() as connection:
            updated = connection.execute(
                table.update().where(table.c.id == record.id).values(**values)
            )
            if updated.rowcount == 0:
                connection.execute(table.insert().values(id=record.id, **values))

    def records(self, *, alert_id: str | None = None, limit: int = 100) -> list[DeliveryRecord]:
        table = action_deliveries
        query = select(table).order_by(table.c.created.desc(), table.c.id.desc()).limit(limit)
        if alert_id is not None:
            query = query.where(table.c.alert_id == alert_id)
        with self._db.begin() as connection:
            return [_record(row._mapping) for row in connection.execute(query)]


def _row(record: DeliveryRecord) -> dict[str, Any]:
    return {
        "alert_id": record.alert_id,
        "rule_id": record.rule_id,
        "route": record.route,
        "action": record.action,
        "status": record.status,
        "attempts": record.attempts,
        "created": record.created,
        "updated": record.updated,
        "error": record.error,
        "result": record.result,
    }


def _record(row: Any) -> DeliveryRecord:
    return DeliveryRecord(
        id=row["id"],
        alert_id=row["alert_id"],
        rule_id=row["rule_id"],
        route=row["route"],
        action=row["action"],
        status=_status(row["status"]),
        attempts=row["attempts"],
        created=row["created"],
        updated=row["updated"],
        error=row["error"],
        result=row["result"],
    )


def _status(value: object) -> DeliveryStatus:
    for status in STATUSES:
        if status == value:
            return status
    raise StorageError(f"delivery status {value!r} is not one of {', '.join(STATUSES)}")
