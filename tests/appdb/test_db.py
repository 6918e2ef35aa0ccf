from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select, text

from mozdef.appdb import AppDb, default_url
from mozdef.appdb.db import MIGRATIONS
from mozdef.appdb.tables import suppressions
from mozdef.errors import AppDbError


def test_opening_creates_the_database_file_in_the_data_folder(tmp_path: Path) -> None:
    AppDb.in_folder(tmp_path / "data").close()

    assert (tmp_path / "data" / "mozdef.db").is_file()


def test_opening_applies_every_migration(tmp_path: Path) -> None:
    db = AppDb.in_folder(tmp_path)

    tables = set(inspect(db.engine).get_table_names())
    with db.begin() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    assert {"rule_state", "suppressions", "alembic_version"} <= tables
    assert version == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_reopening_a_migrated_database_keeps_its_rows(tmp_path: Path) -> None:
    first = AppDb.in_folder(tmp_path)
    with first.begin() as connection:
        connection.execute(insert(suppressions).values(_row("s1")))
    first.close()

    again = AppDb(default_url(tmp_path))
    with again.begin() as connection:
        ids = connection.execute(select(suppressions.c.id)).scalars().all()

    assert ids == ["s1"]


def test_times_come_back_as_the_same_utc_instant(tmp_path: Path) -> None:
    db = AppDb.in_folder(tmp_path)
    offset = dt.timezone(dt.timedelta(hours=2))
    with db.begin() as connection:
        row = _row("s1") | {"created": dt.datetime(2026, 12, 1, 14, 30, tzinfo=offset)}
        connection.execute(insert(suppressions).values(row))
        created = connection.execute(select(suppressions.c.created)).scalar_one()

    assert created == dt.datetime(2026, 12, 1, 12, 30, tzinfo=dt.UTC)
    assert created.tzinfo is not None


def test_a_database_that_cannot_be_opened_is_an_error_naming_it() -> None:
    with pytest.raises(AppDbError) as caught:
        AppDb("sqlite:////nonexistent-folder/deeper/mozdef.db")

    assert "/nonexistent-folder/deeper/mozdef.db" in str(caught.value)


def test_an_error_does_not_show_the_password_of_the_url() -> None:
    with pytest.raises(AppDbError) as caught:
        AppDb("postgresql+nosuchdriver://alice:secret@localhost/mozdef")
    assert "secret" not in str(caught.value)
    assert "alice:***@localhost" in str(caught.value)


def _row(suppression_id: str) -> dict[str, object]:
    return {
        "id": suppression_id,
        "rule_id": None,
        "query": "hostname:scanner",
        "reason": "known scanner",
        "created_by": "alice",
        "created": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        "expires": None,
        "hits": 0,
        "last_hit": None,
    }
