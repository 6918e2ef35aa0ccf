"""The watch list: words and phrases whose appearance in any event raises an alert.

A watched term has a reason, who added it, an optional expiry and optionally the
field it is expected in, and lives like a block (lifecycle.py): removing keeps the
row, an expired term stops counting at once, and adding a term already watched in
the same field (ignoring case) extends the existing entry instead of repeating it.

`DbWatchList` is what the `watchlist` detection reads (its `WatchList` protocol).
That rule runs on every streamed event, so the active terms are kept in memory and
read again from the database every `refresh_seconds` (5 s), or at once after a
change made through this object's own `store`; an expiry is applied at each call.

Known limit: the detection matches a term as a phrase in any field, as MozDef did;
its protocol carries no field, so a term's `field` is kept and shown but does not
narrow the match until the rule reads `watched()` instead of `terms()`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, select, update

from mozdef.appdb.db import AppDb
from mozdef.blocklist.lifecycle import (
    Clock,
    Outcome,
    State,
    check_actor,
    check_expires,
    check_reason,
    extension,
    removal,
    state_at,
    state_condition,
    utc_now,
)
from mozdef.blocklist.listing import Listing, Page, counted, filtered, paged, text_condition
from mozdef.blocklist.model import changing
from mozdef.blocklist.tables import watchlist_terms as table
from mozdef.errors import ListEntryError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

MAX_TERM = 255
_FIELD = re.compile(r"[A-Za-z0-9_@-]+(\.[A-Za-z0-9_@-]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class WatchEntry:
    id: str
    term: str
    reason: str
    created_by: str
    created: dt.datetime
    field: str | None = None
    expires: dt.datetime | None = None
    stored_state: str = "active"
    updated: dt.datetime | None = None
    updated_by: str | None = None
    update_reason: str | None = None
    removed: dt.datetime | None = None
    removed_by: str | None = None

    def state(self, now: dt.datetime) -> State:
        return state_at(self.stored_state, self.expires, now)


@dataclass(frozen=True)
class WatchResult:
    entry: WatchEntry
    outcome: Outcome


def check_term(term: object) -> str:
    if not isinstance(term, str) or not term.strip():
        raise ListEntryError("term", term, "a term is required: a word or phrase")
    text = term.strip()
    if len(text) > MAX_TERM or _CONTROL.search(text):
        raise ListEntryError("term", text, f"1 to {MAX_TERM} characters, without control ones")
    return text


def check_field(field: object) -> str | None:
    if field is None:
        return None
    if not isinstance(field, str) or len(field) > MAX_TERM or not _FIELD.fullmatch(field):
        raise ListEntryError(
            "field", field, "expected a dotted field path such as details.username"
        )
    return field


class WatchListStore:
    def __init__(
        self,
        db: AppDb,
        *,
        clock: Clock = utc_now,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_change = on_change or (lambda: None)

    def watch(
        self,
        term: str,
        *,
        reason: str,
        by: str,
        field: str | None = None,
        expires: dt.datetime | None = None,
    ) -> WatchResult:
        term, field = check_term(term), check_field(field)
        reason, by = check_reason(reason), check_actor(by)
        now = self._clock()
        expires = check_expires(expires, now)
        with changing(self._db) as connection:
            result = _watch(connection, term, field, reason=reason, by=by, expires=expires, now=now)
        log.info(
            "watchlist.watched",
            extra=fields(id=result.entry.id, term=term, outcome=result.outcome, by=by),
        )
        self._on_change()
        return result

    def unwatch(self, entry_id: str, *, by: str) -> WatchEntry:
        """Mark a term removed; ListEntryError `not_found` or `removed` as for blocks."""
        by = check_actor(by)
        now = self._clock()
        with changing(self._db) as connection:
            entry = _existing(connection, entry_id)
            connection.execute(update(table).where(table.c.id == entry_id).values(removal(by, now)))
        log.info("watchlist.unwatched", extra=fields(id=entry_id, by=by))
        self._on_change()
        return replace(entry, stored_state="removed", removed=now, removed_by=by)

    def get(self, entry_id: str) -> WatchEntry | None:
        with self._db.begin() as connection:
            row = connection.execute(select(table).where(table.c.id == entry_id)).mappings().first()
        return None if row is None else _entry(row)

    def page(self, listing: Listing) -> Page[WatchEntry]:
        conditions = []
        if listing.q is not None:
            columns = (table.c.term, table.c.reason, table.c.created_by)
            conditions.append(text_condition(columns, listing.q))
        query = filtered(table, listing, self._clock(), *conditions)
        with self._db.begin() as connection:
            total = connection.execute(counted(query)).scalar_one()
            rows = connection.execute(paged(query, table, listing)).mappings().all()
        return Page([_entry(row) for row in rows], total, listing.limit, listing.offset)

    def active(self) -> list[WatchEntry]:
        """The terms active now, the oldest first."""
        query = select(table).where(state_condition(table, "active", self._clock()))
        with self._db.begin() as connection:
            rows = connection.execute(query.order_by(table.c.created, table.c.id)).mappings()
            return [_entry(row) for row in rows]

    def prune(self) -> int:
        """Mark active terms whose expiry passed as expired; how many were."""
        lapsed = and_(table.c.state == "active", state_condition(table, "expired", self._clock()))
        with changing(self._db) as connection:
            changed = connection.execute(update(table).where(lapsed).values(state="expired"))
        return changed.rowcount


class DbWatchList:
    """The watch-list detection's WatchList over the application database."""

    def __init__(self, db: AppDb, *, refresh_seconds: float = 5.0, clock: Clock = utc_now) -> None:
        self.store = WatchListStore(db, clock=clock, on_change=self.invalidate)
        self._clock = clock
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._cache: list[WatchEntry] | None = None
        self._loaded_at = 0.0

    def terms(self) -> Sequence[str]:
        """The active terms, each once, the oldest first."""
        return tuple(dict.fromkeys(entry.term for entry in self._active()))

    def watched(self) -> Sequence[tuple[str | None, str]]:
        """The active terms with the field each is expected in (None: any)."""
        return tuple(dict.fromkeys((entry.field, entry.term) for entry in self._active()))

    def invalidate(self) -> None:
        with self._lock:
            self._cache = None

    def _active(self) -> list[WatchEntry]:
        with self._lock:
            stale = time.monotonic() - self._loaded_at > self._refresh_seconds
            if self._cache is None or stale:
                self._cache = self.store.active()
                self._loaded_at = time.monotonic()
            cached = self._cache
        now = self._clock()
        return [entry for entry in cached if entry.state(now) == "active"]


def _watch(
    connection: Connection,
    term: str,
    field: str | None,
    *,
    reason: str,
    by: str,
    expires: dt.datetime | None,
    now: dt.datetime,
) -> WatchResult:
    same_field = table.c.field.is_(None) if field is None else table.c.field == field
    same = and_(func.lower(table.c.term) == term.lower(), same_field)
    active = state_condition(table, "active", now)
    row = connection.execute(select(table).where(same, active).limit(1)).mappings().first()
    if row is None:
        entry = WatchEntry(uuid.uuid4().hex, term, reason, by, now, field, expires)
        connection.execute(table.insert().values(**_values(entry)))
        return WatchResult(entry, "added")
    entry = _entry(row)
    values = extension(entry.expires, expires, reason=reason, by=by, now=now)
    if values is None:
        return WatchResult(entry, "unchanged")
    connection.execute(update(table).where(table.c.id == entry.id).values(values))
    return WatchResult(replace(entry, **values), "extended")


def _existing(connection: Connection, entry_id: str) -> WatchEntry:
    row = connection.execute(select(table).where(table.c.id == entry_id)).mappings().first()
    if row is None:
        raise ListEntryError("id", entry_id, f"no watched term {entry_id!r}", problem="not_found")
    entry = _entry(row)
    if entry.stored_state == "removed":
        message = f"{entry.term!r} was already removed by {entry.removed_by}"
        raise ListEntryError("id", entry_id, message, problem="removed")
    return entry


def _values(entry: WatchEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "term": entry.term,
        "field": entry.field,
        "reason": entry.reason,
        "created_by": entry.created_by,
        "created": entry.created,
        "expires": entry.expires,
        "state": entry.stored_state,
    }


def _entry(row: RowMapping) -> WatchEntry:
    return WatchEntry(
        id=row["id"],
        term=row["term"],
        reason=row["reason"],
        created_by=row["created_by"],
        created=row["created"],
        field=row["field"],
        expires=row["expires"],
        stored_state=row["state"],
        updated=row["updated"],
        updated_by=row["updated_by"],
        update_reason=row["update_reason"],
        removed=row["removed"],
        removed_by=row["removed_by"],
    )
