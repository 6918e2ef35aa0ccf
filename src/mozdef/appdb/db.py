"""Opening the application database: its own tables (rule state, suppressions, and
later cases and users), apart from the event store.

The URL is SQLAlchemy's: `sqlite:///<data_dir>/mozdef.db` by default, or a
PostgreSQL URL such as `postgresql+psycopg://user@host/mozdef`. Opening applies
every migration shipped in the package (Alembic, programmatically), so a new
version of the package brings its tables up to date on first start. Queries are
SQLAlchemy Core on the tables of `mozdef.appdb.tables`, portable between both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError

from mozdef.config.settings import Settings
from mozdef.errors import AppDbError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
FILE_NAME = "mozdef.db"


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
        with self.engine.begin() as connection:
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

    def close(self) -> None:
        self.engine.dispose()


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
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
