"""Suppressions: known-good activity that must not raise alerts, managed without rule edits.

A suppression has a Lucene query, a scope (one rule id, or None for every rule), a
reason, who made it and when, and an optional expiry. The engine checks each draft
before anything else; the first suppression that applies drops the draft and counts a
hit (`hits`, `last_hit`), so that stale suppressions show as never hit.

A suppression applies to a draft when its query matches either
- the draft's own fields, as the document {rule_id, summary, category, severity, tags,
  dedup_key, details} (so `category:bruteforce AND details.source:scanner` works), or
- every one of the draft's sample events (so `details.sourceipaddress:10.0.0.5`
  silences an alert built from that address's events, but not an alert whose samples
  also show other addresses).
Queries are evaluated by mozdef.query.reference, with `now` for date math.

Suppressions live in the application database. Each SuppressionStore caches the
active ones and reads them again after its own changes, or after `refresh_seconds`
to see changes made by another process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update

from mozdef.alerts.model import AlertDraft
from mozdef.appdb.db import AppDb
from mozdef.appdb.tables import suppressions as table
from mozdef.errors import QuerySyntaxError
from mozdef.logfmt import fields
from mozdef.query.lucene import parse
from mozdef.query.reference import matches
from mozdef.query.tree import Node

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suppression:
    id: str
    query: str
    reason: str
    created_by: str
    created: dt.datetime
    rule_id: str | None = None
    expires: dt.datetime | None = None
    hits: int = 0
    last_hit: dt.datetime | None = None

    def active(self, now: dt.datetime) -> bool:
        return self.expires is None or now < self.expires

    def covers(self, rule_id: str) -> bool:
        return self.rule_id is None or self.rule_id == rule_id


def draft_document(draft: AlertDraft) -> dict[str, Any]:
    """The fields of `draft` that a suppression query can name."""
    return {
        "rule_id": draft.rule_id,
        "summary": draft.summary,
        "category": draft.category,
        "severity": draft.severity,
        "tags": list(draft.tags),
        "dedup_key": draft.dedup_key,
        "details": draft.details,
    }


def suppresses(node: Node, draft: AlertDraft, *, now: dt.datetime) -> bool:
    """Whether the query `node` matches the draft's fields or every sample event."""
    if matches(node, draft_document(draft), now=now):
        return True
    samples = draft.events
    return bool(samples) and all(matches(node, sample.source, now=now) for sample in samples)


class SuppressionStore:
    def __init__(
        self,
        db: AppDb,
        *,
        refresh_seconds: float = 10.0,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._db = db
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: list[tuple[Suppression, Node]] | None = None
        self._loaded_at = 0.0

    def add(
        self,
        query: str,
        *,
        reason: str,
        by: str,
        rule_id: str | None = None,
        expires: dt.datetime | None = None,
    ) -> Suppression:
        """Store a new suppression; raises QuerySyntaxError when `query` is not Lucene."""
        parse(query)
        made = Suppression(
            id=uuid.uuid4().hex,
            query=query,
            reason=reason,
            created_by=by,
            created=self._clock(),
            rule_id=rule_id,
            expires=expires,
        )
        with self._db.begin() as connection:
            connection.execute(insert(table).values(**_row(made)))
        self._invalidate()
        return made

    def remove(self, suppression_id: str) -> bool:
        """Delete a suppression; False when there was none with that id."""
        with self._db.begin() as connection:
            deleted = connection.execute(delete(table).where(table.c.id == suppression_id))
        self._invalidate()
        return deleted.rowcount > 0

    def get(self, suppression_id: str) -> Suppression | None:
        with self._db.begin() as connection:
            row = connection.execute(select(table).where(table.c.id == suppression_id)).first()
        return None if row is None else _suppression(row._mapping)

    def all(self) -> list[Suppression]:
        """Every suppression, expired ones included, the newest first."""
        with self._db.begin() as connection:
            rows = connection.execute(select(table).order_by(table.c.created.desc())).all()
        return [_suppression(row._mapping) for row in rows]

    def find(self, draft: AlertDraft, *, now: dt.datetime) -> Suppression | None:
        """The first active suppression that applies to `draft`, or None."""
        for suppression, node in self._active():
            if (
                suppression.active(now)
                and suppression.covers(draft.rule_id)
                and suppresses(node, draft, now=now)
            ):
                return suppression
        return None

    def record_hit(self, suppression_id: str, *, at: dt.datetime) -> None:
        statement = (
            update(table)
            .where(table.c.id == suppression_id)
            .values(hits=table.c.hits + 1, last_hit=at)
        )
        with self._db.begin() as connection:
            connection.execute(statement)

    def _active(self) -> list[tuple[Suppression, Node]]:
        with self._lock:
            stale = time.monotonic() - self._loaded_at > self._refresh_seconds
            if self._cache is None or stale:
                self._cache = list(_parsed(self.all()))
                self._loaded_at = time.monotonic()
            return self._cache

    def _invalidate(self) -> None:
        with self._lock:
            self._cache = None


def _parsed(found: Iterable[Suppression]) -> Iterator[tuple[Suppression, Node]]:
    for suppression in found:
        try:
            yield suppression, parse(suppression.query)
        except QuerySyntaxError as error:
            # Added through `add`, a query always parses; one edited in the database
            # may not, and must not stop the others from applying.
            log.error(
                "alerts.suppression_unparsable",
                extra=fields(id=suppression.id, error=str(error)),
            )


def _row(suppression: Suppression) -> dict[str, Any]:
    return {
        "id": suppression.id,
        "rule_id": suppression.rule_id,
        "query": suppression.query,
        "reason": suppression.reason,
        "created_by": suppression.created_by,
        "created": suppression.created,
        "expires": suppression.expires,
        "hits": suppression.hits,
        "last_hit": suppression.last_hit,
    }


def _suppression(row: RowMapping) -> Suppression:
    return Suppression(
        id=row["id"],
        query=row["query"],
        reason=row["reason"],
        created_by=row["created_by"],
        created=row["created"],
        rule_id=row["rule_id"],
        expires=row["expires"],
        hits=row["hits"],
        last_hit=row["last_hit"],
    )
