"""A block-list entry, what adding one did, and how entries are kept as rows.

Every change to the block list and its protected ranges runs in `changing(db)`: a
write transaction that, on PostgreSQL, also holds one advisory lock, so that two
adds of the same address (or an add racing a new protected range) take turns and
the second sees the first. SQLite's write transaction already excludes the others.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, and_, text

from mozdef.appdb.db import AppDb
from mozdef.blocklist.lifecycle import Outcome, State, state_at
from mozdef.blocklist.tables import blocklist_entries as table
from mozdef.blocklist.values import IPNetwork, Kind, Target, bounds

# The key of the PostgreSQL advisory lock changes to the block list hold ("blocklst").
CHANGE_LOCK = 0x626C6F636B6C7374


@dataclass(frozen=True)
class BlockListEntry:
    id: str
    kind: Kind
    value: str
    reason: str
    created_by: str
    created: dt.datetime
    expires: dt.datetime | None = None
    # As stored; `state(now)` is what it is at a given time.
    stored_state: str = "active"
    updated: dt.datetime | None = None
    updated_by: str | None = None
    update_reason: str | None = None
    removed: dt.datetime | None = None
    removed_by: str | None = None

    def state(self, now: dt.datetime) -> State:
        return state_at(self.stored_state, self.expires, now)

    def active(self, now: dt.datetime) -> bool:
        return self.state(now) == "active"

    @property
    def network(self) -> IPNetwork | None:
        return ipaddress.ip_network(self.value) if self.kind == "ip" else None


@dataclass(frozen=True)
class BlockResult:
    """The entry that now blocks the value, and whether it was added, extended, or
    already lasted long enough (see lifecycle.py)."""

    entry: BlockListEntry
    outcome: Outcome


@contextmanager
def changing(db: AppDb) -> Iterator[Connection]:
    with db.begin_write() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOCK})
        yield connection


def covering(target: Target) -> ColumnElement[bool]:
    """Rows whose value covers `target`: its range for an IP, the name for an FQDN."""
    if target.network is None:
        return and_(table.c.kind == "fqdn", table.c.value == target.value)
    version, low, high = bounds(target.network)
    return and_(
        table.c.kind == "ip",
        table.c.ip_version == version,
        table.c.low <= low,
        table.c.high >= high,
    )


def overlapping(network: IPNetwork) -> ColumnElement[bool]:
    """IP rows sharing at least one address with `network`."""
    version, low, high = bounds(network)
    return and_(
        table.c.kind == "ip",
        table.c.ip_version == version,
        table.c.low <= high,
        table.c.high >= low,
    )


def row_values(entry: BlockListEntry) -> dict[str, Any]:
    version, low, high = (None, None, None)
    if entry.network is not None:
        version, low, high = bounds(entry.network)
    return {
        "id": entry.id,
        "kind": entry.kind,
        "value": entry.value,
        "ip_version": version,
        "low": low,
        "high": high,
        "reason": entry.reason,
        "created_by": entry.created_by,
        "created": entry.created,
        "expires": entry.expires,
        "state": entry.stored_state,
    }


def entry_of(row: RowMapping) -> BlockListEntry:
    return BlockListEntry(
        id=row["id"],
        kind=row["kind"],
        value=row["value"],
        reason=row["reason"],
        created_by=row["created_by"],
        created=row["created"],
        expires=row["expires"],
        stored_state=row["state"],
        updated=row["updated"],
        updated_by=row["updated_by"],
        update_reason=row["update_reason"],
        removed=row["removed"],
        removed_by=row["removed_by"],
    )
