"""The application database for tests, on both of its backends.

`appdb_url` (and `appdb`, opened on it, and `open_appdb`, which opens it again as
another process would) runs a test twice: on a SQLite file of its
own, and on the PostgreSQL server whose URL is in MOZDEF_TEST_DATABASE_URL
(`scripts/postgres.sh start` prints it; scripts/test.sh exports it). Each
PostgreSQL test gets a schema of its own, named in the URL's search_path and
dropped after the test, so tests neither see nor wait for each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from mozdef.appdb import AppDb

DATABASE_URL_VARIABLE = "MOZDEF_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """An engine on the test server's database, for making and dropping schemas."""
    url = os.environ.get(DATABASE_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{DATABASE_URL_VARIABLE} is not set: run `scripts/postgres.sh start` and export "
            f"{DATABASE_URL_VARIABLE} as the URL it prints (scripts/test.sh does both)"
        )
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_server: Engine) -> Iterator[str]:
    """The URL of an empty schema on the test server, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with postgres_server.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = postgres_server.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with postgres_server.connect() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def appdb_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty application database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('appdb') / 'mozdef.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def appdb(appdb_url: str) -> Iterator[AppDb]:
    """The application database at `appdb_url`, migrated, closed after the test."""
    db = AppDb(appdb_url)
    yield db
    db.close()


@pytest.fixture
def open_appdb(appdb_url: str) -> Iterator[Callable[[], AppDb]]:
    """Opens more connections to the database at `appdb_url`, as another process
    would; every one is closed after the test."""
    opened: list[AppDb] = []

    def open_one() -> AppDb:
        opened.append(AppDb(appdb_url))
        return opened[-1]

    yield open_one
    for db in opened:
        db.close()
