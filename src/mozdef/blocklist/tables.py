"""The tables of the block list, its protected ranges and the watch list, on the
application database's metadata. Migration 0005 creates them.

A block or a watched term is never deleted: unblocking marks it `removed` with who
and when, and `prune` marks a lapsed one `expired`, so that the table is also the
history. An IP block keeps its range as `ip_version`, `low` and `high` (the first and
last address as 32 hexadecimal digits, see values.py) so that "which blocks cover
this address" is an indexed comparison on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, Integer, String, Table, Text

from mozdef.appdb.tables import UtcDateTime, metadata

ID = 64
NAME = 255
HEX = 32


def _lifecycle() -> list[Column[Any]]:
    """The columns a block and a watched term share: why, who, when, until when."""
    return [
        Column("reason", Text, nullable=False),
        Column("created_by", String(NAME), nullable=False),
        Column("created", UtcDateTime, nullable=False),
        Column("expires", UtcDateTime, nullable=True),
        Column("state", String(16), nullable=False),
        Column("updated", UtcDateTime, nullable=True),
        Column("updated_by", String(NAME), nullable=True),
        Column("update_reason", Text, nullable=True),
        Column("removed", UtcDateTime, nullable=True),
        Column("removed_by", String(NAME), nullable=True),
    ]


blocklist_entries = Table(
    "blocklist_entries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("value", String(NAME), nullable=False),
    Column("ip_version", Integer, nullable=True),
    Column("low", String(HEX), nullable=True),
    Column("high", String(HEX), nullable=True),
    *_lifecycle(),
    Index("ix_blocklist_entries_kind_state", "kind", "state"),
    Index("ix_blocklist_entries_value", "value"),
    Index("ix_blocklist_entries_range", "ip_version", "low", "high"),
)

blocklist_protected = Table(
    "blocklist_protected",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("network", String(64), nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    Column("created_by", String(NAME), nullable=False),
    Column("created", UtcDateTime, nullable=False),
)

watchlist_terms = Table(
    "watchlist_terms",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("term", String(NAME), nullable=False),
    Column("field", String(NAME), nullable=True),
    *_lifecycle(),
    Index("ix_watchlist_terms_state", "state"),
)
