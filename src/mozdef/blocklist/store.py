"""The block list in the application database, and the alert actions' view of it.

    store = BlockListStore(db, protected=settings_list, firewall=QueuedPush(...))
    result = store.block("203.0.113.0/24", reason="scanner", by="alice", expires=later)
    store.unblock(result.entry.id, by="bob")

`block` normalizes the value (values.py), refuses what overlaps a protected range
(protected.py), and adds an entry, or extends the active one already covering it
(lifecycle.py says how). `unblock` keeps the row, marked removed with who and when.
Each change that touches what a firewall drops is then handed to the FirewallPush,
after the transaction commits.

`DbBlockList` is what the block_ip alert action calls: a refused address is an
ActionError that retrying cannot fix, a database failure one that it may.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import ColumnElement, Connection, and_, or_, select, update

from mozdef.alerts.store import format_time
from mozdef.appdb.db import AppDb
from mozdef.blocklist.lifecycle import (
    Clock,
    check_actor,
    check_expires,
    check_reason,
    extension,
    removal,
    state_condition,
    utc_now,
)
from mozdef.blocklist.listing import Listing, Page, counted, filtered, paged, text_condition
from mozdef.blocklist.model import (
    BlockListEntry,
    BlockResult,
    changing,
    covering,
    entry_of,
    row_values,
)
from mozdef.blocklist.protected import ProtectedRanges
from mozdef.blocklist.push import FirewallPush
from mozdef.blocklist.tables import blocklist_entries as table
from mozdef.blocklist.values import Kind, Target, parse_target
from mozdef.errors import ActionError, AppDbError, ListEntryError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

ACTION = "block_ip"


class BlockListStore:
    def __init__(
        self,
        db: AppDb,
        *,
        protected: Iterable[str] = (),
        firewall: FirewallPush | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self._clock = clock
        self.firewall = firewall
        self.protected = ProtectedRanges(db, extra=protected, clock=clock)

    def block(
        self,
        value: str,
        *,
        reason: str,
        by: str,
        expires: dt.datetime | None = None,
        kind: str | None = None,
    ) -> BlockResult:
        """Block `value` (of `kind`, or the kind it looks like) until `expires`;
        ListEntryError says what is wrong with it, or which range protects it."""
        target = parse_target(value, kind=kind)
        reason, by = check_reason(reason), check_actor(by)
        now = self._clock()
        expires = check_expires(expires, now)
        with changing(self._db) as connection:
            if target.network is not None:
                self.protected.check(connection, target.value, target.network)
            result = _block(connection, target, reason=reason, by=by, expires=expires, now=now)
        entry = result.entry
        log.info(
            "blocklist.blocked",
            extra=fields(id=entry.id, value=entry.value, outcome=result.outcome, by=by),
        )
        if result.outcome != "unchanged" and self.firewall is not None:
            self.firewall.push([entry])
        return result

    def unblock(self, entry_id: str, *, by: str) -> BlockListEntry:
        """Mark an entry removed by `by`; ListEntryError when there is none with that
        id (`not_found`) or it was already removed (`removed`)."""
        by = check_actor(by)
        now = self._clock()
        with changing(self._db) as connection:
            entry = _existing(connection, entry_id)
            connection.execute(update(table).where(table.c.id == entry_id).values(removal(by, now)))
        removed = replace(entry, stored_state="removed", removed=now, removed_by=by)
        log.info("blocklist.unblocked", extra=fields(id=entry_id, value=entry.value, by=by))
        # Only a pruned entry was withdrawn already; one lapsed but not pruned may
        # still be on a pushed firewall.
        if entry.stored_state == "active" and self.firewall is not None:
            self.firewall.withdraw([removed])
        return removed

    def get(self, entry_id: str) -> BlockListEntry | None:
        with self._db.begin() as connection:
            row = connection.execute(select(table).where(table.c.id == entry_id)).mappings().first()
        return None if row is None else entry_of(row)

    def page(self, listing: Listing) -> Page[BlockListEntry]:
        """Entries matching `listing`, newest first, and how many match in all."""
        conditions = [] if listing.kind is None else [table.c.kind == listing.kind]
        if listing.q is not None:
            conditions.append(_search(listing.q))
        query = filtered(table, listing, self._clock(), *conditions)
        with self._db.begin() as connection:
            total = connection.execute(counted(query)).scalar_one()
            rows = connection.execute(paged(query, table, listing)).mappings().all()
        return Page([entry_of(row) for row in rows], total, listing.limit, listing.offset)

    def active(self, kind: Kind) -> list[BlockListEntry]:
        """Every entry of `kind` active now, in no set order (export.py sorts them)."""
        condition = and_(table.c.kind == kind, state_condition(table, "active", self._clock()))
        with self._db.begin() as connection:
            rows = connection.execute(select(table).where(condition)).mappings().all()
        return [entry_of(row) for row in rows]

    def prune(self) -> list[BlockListEntry]:
        """Mark every active entry whose expiry has passed as expired, withdraw them
        from the firewall, and return them."""
        lapsed = state_condition(table, "expired", self._clock())
        with changing(self._db) as connection:
            rows = connection.execute(select(table).where(table.c.state == "active", lapsed))
            pruned = [replace(entry_of(row), stored_state="expired") for row in rows.mappings()]
            if pruned:
                ids = [entry.id for entry in pruned]
                connection.execute(update(table).where(table.c.id.in_(ids)).values(state="expired"))
        log.info("blocklist.pruned", extra=fields(expired=len(pruned)))
        if pruned and self.firewall is not None:
            self.firewall.withdraw(pruned)
        return pruned


def _block(
    connection: Connection,
    target: Target,
    *,
    reason: str,
    by: str,
    expires: dt.datetime | None,
    now: dt.datetime,
) -> BlockResult:
    active = state_condition(table, "active", now)
    rows = connection.execute(select(table).where(covering(target), active)).mappings().all()
    if not rows:
        entry = BlockListEntry(
            uuid.uuid4().hex, target.kind, target.value, reason, by, now, expires
        )
        connection.execute(table.insert().values(**row_values(entry)))
        return BlockResult(entry, "added")
    # The narrowest entry covering the target: the same value when there is one.
    entry = max((entry_of(row) for row in rows), key=_prefix_length)
    values = extension(entry.expires, expires, reason=reason, by=by, now=now)
    if values is None:
        return BlockResult(entry, "unchanged")
    connection.execute(update(table).where(table.c.id == entry.id).values(values))
    return BlockResult(replace(entry, **values), "extended")


def _prefix_length(entry: BlockListEntry) -> int:
    network = entry.network
    return 0 if network is None else network.prefixlen


def _existing(connection: Connection, entry_id: str) -> BlockListEntry:
    row = connection.execute(select(table).where(table.c.id == entry_id)).mappings().first()
    if row is None:
        raise ListEntryError(
            "id", entry_id, f"no block-list entry {entry_id!r}", problem="not_found"
        )
    entry = entry_of(row)
    if entry.stored_state == "removed":
        when = format_time(entry.removed) if entry.removed else "an unknown time"
        message = f"{entry.value} was already unblocked by {entry.removed_by} at {when}"
        raise ListEntryError("id", entry_id, message, problem="removed")
    return entry


def _search(q: str) -> ColumnElement[bool]:
    """Text in the value, reason or author; an IP address also finds its networks."""
    text = text_condition((table.c.value, table.c.reason, table.c.created_by), q)
    try:
        target = parse_target(q, kind="ip")
    except ListEntryError:
        return text
    return or_(text, covering(target))


class DbBlockList:
    """The alert actions' BlockList over the application database."""

    def __init__(
        self,
        db: AppDb,
        *,
        protected: Iterable[str] = (),
        firewall: FirewallPush | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.store = BlockListStore(db, protected=protected, firewall=firewall, clock=clock)

    def add(self, address: str, reason: str, by: str, expires: dt.datetime | None) -> None:
        try:
            self.store.block(address, reason=reason, by=by, expires=expires, kind="ip")
        except ListEntryError as error:
            raise ActionError(ACTION, str(error), retryable=False) from error
        except AppDbError as error:
            raise ActionError(ACTION, str(error)) from error
