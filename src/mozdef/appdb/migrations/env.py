"""Alembic's environment: runs the migrations on the connection AppDb hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from mozdef.appdb.tables import metadata


def _run(connection: Connection) -> None:
    # SQLite cannot alter most of a table in place; batch mode rebuilds it instead.
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    given = context.config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    # Run from the alembic command line: the URL comes from its configuration.
    url = context.config.get_main_option("sqlalchemy.url") or ""
    with create_engine(url).begin() as connection:
        _run(connection)


_main()
