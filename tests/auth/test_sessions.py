from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from mozdef.appdb import AppDb
from mozdef.appdb.tables import sessions as sessions_table
from mozdef.auth.sessions import SessionStore
from mozdef.auth.users import User, UserStore
from tests.auth.harness import FAST, PASSWORD, START, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def users(appdb: AppDb, clock: Clock) -> UserStore:
    return UserStore(appdb, passwords=FAST, clock=clock)


@pytest.fixture
def sessions(appdb: AppDb, clock: Clock) -> SessionStore:
    return SessionStore(appdb, hours=12, clock=clock)


@pytest.fixture
def alice(users: UserStore) -> User:
    return users.add("alice", "analyst", PASSWORD)


def test_a_new_session_resolves_to_its_user_and_csrf_token(
    sessions: SessionStore, alice: User
) -> None:
    made = sessions.create(alice)

    caller = sessions.resolve(made.id)

    assert caller is not None
    assert (caller.id, caller.name, caller.role) == (alice.id, "alice", "analyst")
    assert caller.via == "session"
    assert caller.csrf_token == made.csrf_token
    assert made.expires == START.replace(hour=21)


def test_only_the_sha256_of_the_session_id_is_stored(
    sessions: SessionStore, alice: User, appdb: AppDb
) -> None:
    made = sessions.create(alice)

    with appdb.begin() as connection:
        row = connection.execute(select(sessions_table)).mappings().one()

    assert row["id_hash"] == hashlib.sha256(made.id.encode()).hexdigest()
    assert made.id not in [str(value) for value in row.values()]


def test_an_unknown_session_id_resolves_to_nobody(sessions: SessionStore) -> None:
    assert sessions.resolve("no-such-session") is None


def test_an_expired_session_is_refused_and_deleted(
    sessions: SessionStore, alice: User, clock: Clock, appdb: AppDb
) -> None:
    made = sessions.create(alice)
    clock.advance(hours=12)

    assert sessions.resolve(made.id) is None
    with appdb.begin() as connection:
        assert connection.execute(select(sessions_table)).first() is None


def test_a_session_of_a_disabled_user_is_refused(
    sessions: SessionStore, alice: User, users: UserStore
) -> None:
    made = sessions.create(alice)

    users.disable("alice")

    assert sessions.resolve(made.id) is None


def test_a_session_reflects_a_change_of_role_at_once(
    sessions: SessionStore, alice: User, users: UserStore
) -> None:
    made = sessions.create(alice)

    users.set_role("alice", "viewer")

    caller = sessions.resolve(made.id)
    assert caller is not None and caller.role == "viewer"


def test_a_deleted_session_no_longer_resolves(sessions: SessionStore, alice: User) -> None:
    made = sessions.create(alice)
    caller = sessions.resolve(made.id)
    assert caller is not None

    assert sessions.delete(caller.credential)
    assert sessions.resolve(made.id) is None
    assert not sessions.delete(caller.credential)


def test_a_login_prunes_the_sessions_that_expired(
    sessions: SessionStore, alice: User, users: UserStore, clock: Clock, appdb: AppDb
) -> None:
    sessions.create(alice)
    clock.advance(hours=13)

    sessions.create(users.add("bob", "viewer", PASSWORD))

    with appdb.begin() as connection:
        owners = connection.execute(select(sessions_table.c.user_id)).scalars().all()
    assert owners != [] and alice.id not in owners


def test_every_session_of_a_user_can_be_ended(sessions: SessionStore, alice: User) -> None:
    first, second = sessions.create(alice), sessions.create(alice)

    assert sessions.delete_for_user(alice.id) == 2
    assert sessions.resolve(first.id) is None and sessions.resolve(second.id) is None
