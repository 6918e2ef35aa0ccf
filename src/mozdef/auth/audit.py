"""The audit log: who did what to what, when, kept in the application database.

Every login (refused ones too), logout, and change to users and tokens is recorded
here, and so is every incident-handling action the web app offers (acknowledging,
escalating, blocking...): those routes call `AuditLog.record`, or
`mozdef.auth.context.audit` from a request handler. Entries are never changed;
they are read newest first, a page at a time, the page after ending before the
`next` sequence number of the one before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import RowMapping, insert, select

from mozdef.appdb.db import AppDb
from mozdef.appdb.tables import audit_log as table
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
MAX_PAGE = 500
# The columns' widths in the table.
_ACTOR_WIDTH, _ACTION_WIDTH, _TARGET_WIDTH = 255, 64, 255


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "details": self.details,
        }


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    # Pass as `before` for the next page; None when this page is the last.
    next: int | None


class AuditLog:
    def __init__(self, db: AppDb, *, clock: Clock = lambda: dt.datetime.now(dt.UTC)) -> None:
        self._db = db
        self._clock = clock

    def record(self, actor: str, action: str, target: str, details: dict[str, Any]) -> AuditEntry:
        """Append one entry; values of `details` that are not JSON are kept as text."""
        text = orjson.dumps(details, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
        at = self._clock()
        actor, action, target = actor[:_ACTOR_WIDTH], action[:_ACTION_WIDTH], target[:_TARGET_WIDTH]
        row = {"at": at, "actor": actor, "action": action, "target": target, "details": text}
        with self._db.begin() as connection:
            result = connection.execute(insert(table).values(row).returning(table.c.seq))
            seq = int(result.scalar_one())
        log.info("audit.recorded", extra=fields(actor=actor, action=action, target=target))
        return AuditEntry(seq, at, actor, action, target, details)

    def page(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        since: dt.datetime | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> AuditPage:
        """Entries newest first, matching every filter given; `limit` is capped at 500."""
        size = max(1, min(limit, MAX_PAGE))
        query = select(table).order_by(table.c.seq.desc()).limit(size + 1)
        if actor is not None:
            query = query.where(table.c.actor == actor)
        if action is not None:
            query = query.where(table.c.action == action)
        if since is not None:
            query = query.where(table.c.at >= since)
        if before is not None:
            query = query.where(table.c.seq < before)
        with self._db.begin() as connection:
            rows = connection.execute(query).mappings().all()
        entries = [_entry(row) for row in rows[:size]]
        return AuditPage(entries, entries[-1].seq if len(rows) > size else None)


def _entry(row: RowMapping) -> AuditEntry:
    details = orjson.loads(row["details"])
    return AuditEntry(row["seq"], row["at"], row["actor"], row["action"], row["target"], details)
