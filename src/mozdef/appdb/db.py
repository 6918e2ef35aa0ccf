"""Opening the application database: its own tables (rule state, suppressions, and
later cases and users), apart from the event store.

The URL is SQLAlchemy's: `sqlite:///<data_dir>/mozdef.db` by default, or a
PostgreSQL URL such as `postgresql+psycopg://user@host/mozdef`. Opening applies
every migration shipped in the package (Alembic, programmatically), so a new
version of the package brings its tables up to date on first start. Queries are
SQLAlchemy Core on the tables of `mozdef.appdb.tables`, portable between both.

Several processes may share one database (alert processes on PostgreSQL, the CLI
beside `mozdef serve` on SQLite). Migrations hold a lock while they run, so that
processes starting together do not apply the same one twice; `begin_write` gives
a transaction for a read-modify-write that another process cannot interleave with.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Insert, Table, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from mozdef.config.settings import Settings
from mozdef.errors import AppDbError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
FILE_NAME = "mozdef.db"
# The key of the PostgreSQL advisory lock held while migrating ("mozdef" in ASCII).
MIGRATION_LOCK = 0x6D6F7A646566
_SQLITE_BUSY_MS = 5000


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / FILE_NAME}"


class AppDb:
    """The application database; `begin()` gives a connection inside one transaction."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.safe_url = make_url(url).render_as_string(hide_password=True)
        try:
            self.engine = _engine(url)
            if migrate:
                self.migrate()
        except SQLAlchemyError as error:
            raise AppDbError(self.safe_url, f"cannot open: {error}") from error

    @classmethod
    def from_settings(cls, settings: Settings) -> AppDb:
        """The database `database.url` names, or the data folder's SQLite file."""
        if settings.database.url:
            return cls(settings.database.url)
        return cls.in_folder(settings.data_dir)

    @classmethod
    def in_folder(cls, data_dir: Path) -> AppDb:
        """The default SQLite database of a data folder, created when missing."""
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        return cls(default_url(data_dir))

    def migrate(self) -> None:
        """Apply every migration not yet applied."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.begin_write() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        log.info("appdb.migrated", extra=fields(url=self.safe_url))

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed when the block ends without error."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise AppDbError(self.safe_url, str(error)) from error

    @contextmanager
    def begin_write(self) -> Iterator[Connection]:
        """A transaction for a read-modify-write. On SQLite it takes the write lock
        before its first statement (BEGIN IMMEDIATE), so a row it reads cannot change
        before it writes; on PostgreSQL read the rows with `with_for_update()`, which
        locks them until the end of the transaction."""
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "sqlite":
                    # The driver begins a transaction only before a write; this one
                    # must hold the lock from its first read.
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
        except SQLAlchemyError as error:
            raise AppDbError(self.safe_url, str(error)) from error

    def close(self) -> None:
        self.engine.dispose()


def insert_new(connection: Connection, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same key is there; True when it was inserted.

    A conflict is no error (ON CONFLICT DO NOTHING), so it neither aborts the
    transaction nor fills the PostgreSQL server's log."""
    dialect = connection.dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:
        raise AppDbError(str(connection.engine.url), f"{dialect} is not supported")
    inserted = connection.execute(statement.returning(*table.primary_key.columns))
    return inserted.first() is not None


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets readers (the web app) go on while the scheduler writes; the busy timeout
    # makes a writer wait for another instead of failing at once.
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """WAL mode, kept in the file once set. While another process switches a new
    database, SQLite answers `database is locked` at once, without waiting out the
    busy timeout, so the switch is tried again until the timeout has passed."""
    deadline = time.monotonic() + _SQLITE_BUSY_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
