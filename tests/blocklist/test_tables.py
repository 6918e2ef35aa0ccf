from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from mozdef.appdb import AppDb
from mozdef.blocklist import tables

OURS = (tables.blocklist_entries, tables.blocklist_protected, tables.watchlist_terms)


def _about_other_tables(difference: Any) -> bool:
    """A table (or its index) of another part of the application: not in OURS."""
    if not isinstance(difference, tuple) or difference[0] not in ("remove_table", "remove_index"):
        return False
    table = difference[1] if difference[0] == "remove_table" else difference[1].table
    return table.name not in {ours.name for ours in OURS}


def test_migration_0005_makes_the_tables_the_code_describes(appdb: AppDb) -> None:
    described = MetaData()
    for table in OURS:
        table.to_metadata(described)
    with appdb.begin() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), described)

    assert [d for d in differences if not _about_other_tables(d)] == []
