from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mozdef.appdb import AppDb
from mozdef.appdb.tables import metadata
from mozdef.bus.tables import bus_messages


def test_the_migrated_bus_table_is_the_one_the_code_describes(appdb: AppDb) -> None:
    options = {"include_object": _bus_only}
    with appdb.begin() as connection:
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, metadata)

    assert differences == []


def _bus_only(item: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
    table = item if kind == "table" else getattr(item, "table", None)
    return table is not None and table.name == bus_messages.name
