"""The table of the shared bus, on the application database's metadata.

Migration 0006 creates it. `seq` only grows, on both databases (AUTOINCREMENT on
SQLite, so that a seq freed by pruning is never given again): a reader remembers
the last seq it delivered and asks for the rows after it. Rows live minutes:
`published` (indexed) is what pruning looks at.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from mozdef.appdb.tables import UtcDateTime, metadata
from mozdef.bus.topics import MAX_TOPIC_LENGTH

# SQLite hands out keys only for a column declared exactly INTEGER PRIMARY KEY.
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")

bus_messages = Table(
    "bus_messages",
    metadata,
    Column("seq", SEQ_TYPE, primary_key=True, autoincrement=True),
    Column("topic", String(MAX_TOPIC_LENGTH), nullable=False),
    Column("payload", Text, nullable=False),
    Column("published", UtcDateTime, nullable=False, index=True),
    sqlite_autoincrement=True,
)
