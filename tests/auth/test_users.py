from __future__ import annotations

import pytest
from sqlalchemy import select

from mozdef.appdb import AppDb
from mozdef.appdb.tables import users as users_table
from mozdef.auth.passwords import Passwords, Verified
from mozdef.auth.users import UserStore, check_name, ensure_initial_admin
from mozdef.errors import AccountError
from tests.auth.harness import FAST, PASSWORD, START, Clock


@pytest.fixture
def users(appdb: AppDb) -> UserStore:
    return UserStore(appdb, passwords=FAST, clock=Clock())


def test_an_added_user_can_be_read_back_with_its_role(users: UserStore) -> None:
    added = users.add("alice@example.com", "analyst", PASSWORD)

    found = users.get("alice@example.com")

    assert found == added
    assert (found.role, found.created, found.disabled) == ("analyst", START, False)


def test_users_are_listed_by_name(users: UserStore) -> None:
    for name in ("carol", "alice", "bob"):
        users.add(name, "viewer", PASSWORD)

    assert [user.name for user in users.list()] == ["alice", "bob", "carol"]


def test_a_second_user_of_the_same_name_is_refused(users: UserStore) -> None:
    users.add("alice", "viewer", PASSWORD)

    with pytest.raises(AccountError) as caught:
        users.add("alice", "admin", PASSWORD)

    assert caught.value.problem == "exists"
    assert str(caught.value) == "user 'alice': a user of that name exists"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("al ice", "user name 'al ice': ' ' at position 2 is not allowed"),
        ("-alice", "user name '-alice': must start with a letter or digit, found '-'"),
        ("", "user name: expected 1 to 64 characters, found 0 characters"),
        ("a" * 65, "user name: expected 1 to 64 characters, found 65 characters"),
    ],
)
def test_a_bad_name_is_refused_saying_what_is_wrong(name: str, message: str) -> None:
    with pytest.raises(AccountError) as caught:
        check_name(name)

    assert str(caught.value).startswith(message)


def test_an_unknown_role_is_refused(users: UserStore) -> None:
    with pytest.raises(AccountError, match="expected one of viewer, analyst, admin"):
        users.add("alice", "superuser", PASSWORD)


def test_the_right_password_logs_in(users: UserStore) -> None:
    users.add("alice", "viewer", PASSWORD)

    login = users.authenticate("alice", PASSWORD)

    assert login.result == "ok"
    assert login.user is not None and login.user.name == "alice"


def test_a_wrong_password_or_unknown_name_does_not_log_in(users: UserStore) -> None:
    users.add("alice", "viewer", PASSWORD)

    assert users.authenticate("alice", "wrong password!").result == "wrong_password"
    assert users.authenticate("mallory", PASSWORD).result == "unknown_user"


class CountingPasswords(Passwords):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_kib=64, parallelism=1)
        self.checked: list[str | None] = []

    def verify(self, stored: str | None, password: str) -> Verified:
        self.checked.append(stored)
        return super().verify(stored, password)


def test_an_unknown_name_costs_a_password_check_as_a_known_one_does(appdb: AppDb) -> None:
    passwords = CountingPasswords()
    users = UserStore(appdb, passwords=passwords)

    users.authenticate("mallory", PASSWORD)

    assert passwords.checked == [None]


def test_a_disabled_user_does_not_log_in_even_with_the_right_password(users: UserStore) -> None:
    users.add("alice", "viewer", PASSWORD)
    users.disable("alice")

    assert users.authenticate("alice", PASSWORD).result == "disabled"


def test_a_user_without_a_password_cannot_log_in(users: UserStore) -> None:
    users.add("robot", "viewer", None)

    assert users.authenticate("robot", "").result == "wrong_password"


def test_logging_in_replaces_a_hash_made_with_outdated_parameters(appdb: AppDb) -> None:
    UserStore(appdb, passwords=FAST).add("alice", "viewer", PASSWORD)
    stronger = UserStore(appdb, passwords=Passwords(time_cost=2, memory_kib=64, parallelism=1))

    assert stronger.authenticate("alice", PASSWORD).result == "ok"

    with appdb.begin() as connection:
        stored = connection.execute(select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=64,t=2,p=1$")
    assert stronger.authenticate("alice", PASSWORD).result == "ok"


def test_a_new_password_replaces_the_old_one(users: UserStore) -> None:
    users.add("alice", "viewer", PASSWORD)

    users.set_password("alice", "a brand new password")

    assert users.authenticate("alice", PASSWORD).result == "wrong_password"
    assert users.authenticate("alice", "a brand new password").result == "ok"


def test_role_and_disabled_changes_are_kept(users: UserStore) -> None:
    users.add("alice", "viewer", PASSWORD)

    users.set_role("alice", "analyst")
    users.disable("alice")
    users.disable("alice", disabled=False)

    found = users.get("alice")
    assert found is not None and (found.role, found.disabled) == ("analyst", False)


def test_changing_an_unknown_user_is_an_error_naming_it(users: UserStore) -> None:
    with pytest.raises(AccountError) as caught:
        users.set_role("nobody", "admin")

    assert (caught.value.problem, str(caught.value)) == ("not_found", "user 'nobody': no such user")


def test_the_last_enabled_admin_can_be_neither_demoted_nor_disabled(users: UserStore) -> None:
    users.add("root", "admin", PASSWORD)

    with pytest.raises(AccountError, match="last enabled admin cannot be given a lower role"):
        users.set_role("root", "analyst")
    with pytest.raises(AccountError, match="last enabled admin cannot be disabled"):
        users.disable("root")


def test_an_admin_can_be_demoted_while_another_remains(users: UserStore) -> None:
    users.add("root", "admin", PASSWORD)
    users.add("alice", "admin", PASSWORD)

    assert users.set_role("root", "viewer").role == "viewer"


def test_the_initial_admin_is_made_once_with_a_password_that_logs_in(appdb: AppDb) -> None:
    password = ensure_initial_admin(appdb, passwords=FAST)

    assert password is not None
    assert UserStore(appdb, passwords=FAST).authenticate("admin", password).result == "ok"
    assert ensure_initial_admin(appdb, passwords=FAST) is None


def test_no_initial_admin_is_made_when_a_user_exists(users: UserStore, appdb: AppDb) -> None:
    users.add("alice", "viewer", PASSWORD)

    assert ensure_initial_admin(appdb, passwords=FAST) is None
    assert users.get("admin") is None
