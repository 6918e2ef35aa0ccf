from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, make_url, select, text, update

import mozdef.alerts.actions.records
import mozdef.alerts.detections.localities
import mozdef.blocklist.tables
import mozdef.bus.tables
import mozdef.incidents.tables  # noqa: F401 (their tables join the metadata)
from mozdef.appdb import AppDb, default_url
from mozdef.appdb.db import MIGRATIONS, insert_new
from mozdef.appdb.tables import alert_changes, api_tokens, audit_log, metadata, suppressions, users
from mozdef.errors import AppDbError

DAY = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_opening_creates_the_database_file_in_the_data_folder(tmp_path: Path) -> None:
    AppDb.in_folder(tmp_path / "data").close()

    assert (tmp_path / "data" / "mozdef.db").is_file()


def test_opening_applies_every_migration(appdb: AppDb) -> None:
    tables = set(inspect(appdb.engine).get_table_names())
    with appdb.begin() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    assert {"rule_state", "suppressions", "rule_claims", "audit_log", "alembic_version"} <= tables
    assert version == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_the_migrated_tables_are_those_the_code_describes(appdb: AppDb) -> None:
    options = {"include_object": _described}
    with appdb.begin() as connection:
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, metadata)

    assert differences == []


def _described(item: Any, name: str | None, kind: str, reflected: bool, other: Any) -> bool:
    """Whether the comparison looks at `item`: not at tables described by modules
    this test does not import, nor at their indexes."""
    table = item if kind == "table" else getattr(item, "table", None)
    return table is None or table.name in metadata.tables


def test_opening_a_migrated_database_again_keeps_its_rows(appdb_url: str) -> None:
    first = AppDb(appdb_url)
    with first.begin() as connection:
        connection.execute(insert(suppressions).values(_suppression("s1")))
    first.close()

    again = AppDb(appdb_url)
    with again.begin() as connection:
        ids = connection.execute(select(suppressions.c.id)).scalars().all()
    again.close()

    assert ids == ["s1"]


def test_processes_opening_a_new_database_together_migrate_it_once(appdb_url: str) -> None:
    errors: list[Exception] = []

    def open_it() -> None:
        try:
            AppDb(appdb_url).close()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []


def test_times_come_back_as_the_same_utc_instant(appdb: AppDb) -> None:
    offset = dt.timezone(dt.timedelta(hours=2))
    with appdb.begin() as connection:
        row = _suppression("s1") | {"created": dt.datetime(2026, 12, 1, 14, 30, tzinfo=offset)}
        connection.execute(insert(suppressions).values(row))
        created = connection.execute(select(suppressions.c.created)).scalar_one()

    assert created == dt.datetime(2026, 12, 1, 12, 30, tzinfo=dt.UTC)
    assert created.tzinfo == dt.UTC


def test_times_come_back_in_utc_whatever_the_sessions_time_zone(postgres_url: str) -> None:
    url = make_url(postgres_url)
    in_tokyo = url.update_query_dict({"options": f"{url.query['options']} -ctimezone=Asia/Tokyo"})
    db = AppDb(in_tokyo.render_as_string(hide_password=False))
    with db.begin() as connection:
        connection.execute(insert(suppressions).values(_suppression("s1")))
        created = connection.execute(select(suppressions.c.created)).scalar_one()
        zone = connection.execute(text("SHOW timezone")).scalar_one()
    db.close()

    assert zone == "Asia/Tokyo"
    assert (created, created.tzinfo) == (DAY, dt.UTC)


def test_booleans_come_back_as_booleans(appdb: AppDb) -> None:
    with appdb.begin() as connection:
        connection.execute(insert(users).values([_user("u1", True), _user("u2", False)]))
        found = connection.execute(select(users.c.id, users.c.disabled).order_by(users.c.id))

        assert [tuple(row) for row in found] == [("u1", True), ("u2", False)]


def test_sequence_keys_are_given_in_order(appdb: AppDb) -> None:
    entry = {"at": DAY, "actor": "alice", "action": "login", "target": "-", "details": "{}"}
    change = {"alert_id": "a1", "status": "ack", "actor": "alice", "note": "", "requested": DAY}
    log_entry = insert(audit_log).values(entry).returning(audit_log.c.seq)
    ask_change = insert(alert_changes).values(change).returning(alert_changes.c.seq)
    with appdb.begin() as connection:
        logged = [connection.execute(log_entry).scalar_one() for _ in range(3)]
        changed = [connection.execute(ask_change).scalar_one() for _ in range(2)]

    assert (logged, changed) == ([1, 2, 3], [1, 2])


def test_a_row_naming_a_missing_row_of_another_table_is_refused(appdb: AppDb) -> None:
    token = {"id": "t1", "user_id": "nobody", "name": "ci", "token_hash": "h", "created": DAY}

    with pytest.raises(AppDbError) as caught, appdb.begin() as connection:
        connection.execute(insert(api_tokens).values(token))

    assert "foreign key" in str(caught.value).lower()


def test_insert_new_inserts_a_key_once(appdb: AppDb) -> None:
    with appdb.begin() as connection:
        first = insert_new(connection, suppressions, _suppression("s1"))
        second = insert_new(connection, suppressions, _suppression("s1") | {"reason": "other"})
        reasons = connection.execute(select(suppressions.c.reason)).scalars().all()

    assert (first, second, reasons) == (True, False, ["known scanner"])


def test_read_modify_writes_in_begin_write_lose_no_update(appdb_url: str) -> None:
    db = AppDb(appdb_url)
    with db.begin() as connection:
        connection.execute(insert(suppressions).values(_suppression("s1")))

    def add_one_twenty_times() -> None:
        for _ in range(20):
            with db.begin_write() as connection:
                read = select(suppressions.c.hits).with_for_update()
                hits = connection.execute(read).scalar_one()
                connection.execute(update(suppressions).values(hits=hits + 1))

    threads = [threading.Thread(target=add_one_twenty_times) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.begin() as connection:
        hits = connection.execute(select(suppressions.c.hits)).scalar_one()
    db.close()

    assert hits == 60


def test_a_database_that_cannot_be_opened_is_an_error_naming_it() -> None:
    with pytest.raises(AppDbError) as caught:
        AppDb("sqlite:////nonexistent-folder/deeper/mozdef.db")

    assert "/nonexistent-folder/deeper/mozdef.db" in str(caught.value)


def test_an_unreachable_server_is_an_error_naming_it() -> None:
    with pytest.raises(AppDbError) as caught:
        AppDb("postgresql+psycopg://alice@127.0.0.1:1/mozdef?connect_timeout=2")

    assert "postgresql+psycopg://alice@127.0.0.1:1/mozdef" in str(caught.value)


def test_an_error_does_not_show_the_password_of_the_url() -> None:
    with pytest.raises(AppDbError) as caught:
        AppDb("postgresql+nosuchdriver://alice:secret@localhost/mozdef")
    assert "secret" not in str(caught.value)
    assert "alice:***@localhost" in str(caught.value)


def test_the_default_url_is_the_data_folders_sqlite_file(tmp_path: Path) -> None:
    assert default_url(tmp_path) == f"sqlite:///{tmp_path}/mozdef.db"


def _suppression(suppression_id: str) -> dict[str, object]:
    return {
        "id": suppression_id,
        "rule_id": None,
        "query": "hostname:scanner",
        "reason": "known scanner",
        "created_by": "alice",
        "created": DAY,
        "expires": None,
        "hits": 0,
        "last_hit": None,
    }


def _user(user_id: str, disabled: bool) -> dict[str, object]:
    return {"id": user_id, "name": user_id, "role": "analyst", "created": DAY, "disabled": disabled}
