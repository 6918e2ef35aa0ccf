from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from mozdef.appdb import AppDb
from mozdef.appdb.tables import api_tokens
from mozdef.auth.tokens import TokenStore
from mozdef.auth.users import User, UserStore
from mozdef.errors import AccountError
from tests.auth.harness import FAST, PASSWORD, START, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def users(appdb: AppDb, clock: Clock) -> UserStore:
    return UserStore(appdb, passwords=FAST, clock=clock)


@pytest.fixture
def tokens(appdb: AppDb, clock: Clock) -> TokenStore:
    return TokenStore(appdb, clock=clock)


@pytest.fixture
def alice(users: UserStore) -> User:
    return users.add("alice", "analyst", PASSWORD)


def test_a_token_is_the_prefix_and_43_random_characters(tokens: TokenStore, alice: User) -> None:
    made = tokens.create(alice, "shipper")

    assert made.token.startswith("mozdef_")
    assert len(made.token) == len("mozdef_") + 43
    assert made.token != tokens.create(alice, "shipper").token


def test_a_token_acts_as_its_owner_with_the_owners_role(
    tokens: TokenStore, alice: User, users: UserStore
) -> None:
    made = tokens.create(alice, "shipper")
    users.set_role("alice", "viewer")

    caller = tokens.resolve(made.token)

    assert caller is not None
    assert (caller.name, caller.role, caller.via, caller.credential) == (
        "alice",
        "viewer",
        "token",
        made.info.id,
    )
    assert caller.csrf_token is None


def test_only_the_sha256_of_the_token_is_stored(
    tokens: TokenStore, alice: User, appdb: AppDb
) -> None:
    made = tokens.create(alice, "shipper")

    with appdb.begin() as connection:
        row = connection.execute(select(api_tokens)).mappings().one()

    assert row["token_hash"] == hashlib.sha256(made.token.encode()).hexdigest()
    assert made.token not in [str(value) for value in row.values()]


def test_an_unknown_or_malformed_token_resolves_to_nobody(tokens: TokenStore) -> None:
    assert tokens.resolve("mozdef_" + "x" * 43) is None
    assert tokens.resolve("something else") is None


def test_a_token_stops_working_when_it_expires(
    tokens: TokenStore, alice: User, clock: Clock
) -> None:
    made = tokens.create(alice, "short", lifetime=dt.timedelta(days=1))
    assert made.info.expires == START + dt.timedelta(days=1)
    assert tokens.resolve(made.token) is not None

    clock.advance(days=1)

    assert tokens.resolve(made.token) is None


def test_a_token_of_a_disabled_user_is_refused(
    tokens: TokenStore, alice: User, users: UserStore
) -> None:
    made = tokens.create(alice, "shipper")

    users.disable("alice")

    assert tokens.resolve(made.token) is None


def test_last_used_is_written_at_most_once_a_minute(
    tokens: TokenStore, alice: User, clock: Clock
) -> None:
    made = tokens.create(alice, "shipper")

    tokens.resolve(made.token)
    clock.advance(seconds=59)
    tokens.resolve(made.token)
    after_59_seconds = tokens.get(made.info.id)
    clock.advance(seconds=1)
    tokens.resolve(made.token)

    assert after_59_seconds is not None and after_59_seconds.last_used == START
    assert tokens.get(made.info.id) == made.info.__class__(
        made.info.id, "shipper", "alice", START, None, START + dt.timedelta(minutes=1)
    )


def test_a_revoked_token_no_longer_works(tokens: TokenStore, alice: User) -> None:
    made = tokens.create(alice, "shipper")

    assert tokens.revoke(made.info.id)
    assert tokens.resolve(made.token) is None
    assert not tokens.revoke(made.info.id)


def test_tokens_are_listed_newest_first_and_by_owner(
    tokens: TokenStore, alice: User, users: UserStore, clock: Clock
) -> None:
    bob = users.add("bob", "viewer", PASSWORD)
    tokens.create(alice, "first")
    clock.advance(minutes=1)
    tokens.create(bob, "second")
    clock.advance(minutes=1)
    tokens.create(alice, "third")

    assert [t.name for t in tokens.list()] == ["third", "second", "first"]
    assert [(t.name, t.owner) for t in tokens.list(owner=alice)] == [
        ("third", "alice"),
        ("first", "alice"),
    ]


def test_a_token_needs_a_label_and_a_lifetime_above_zero(tokens: TokenStore, alice: User) -> None:
    with pytest.raises(AccountError, match="token name: expected a non-empty string"):
        tokens.create(alice, "  ")
    with pytest.raises(AccountError, match="expected a lifetime above zero"):
        tokens.create(alice, "shipper", lifetime=dt.timedelta(0))
