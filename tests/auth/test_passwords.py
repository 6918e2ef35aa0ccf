from __future__ import annotations

import pytest

from mozdef.auth.passwords import Passwords, check_password, generate_password
from mozdef.errors import AccountError
from tests.auth.harness import FAST, PASSWORD


def test_a_hash_is_argon2id_and_verifies_its_password() -> None:
    stored = FAST.hash(PASSWORD)

    assert stored.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert FAST.verify(stored, PASSWORD).ok


def test_a_wrong_password_does_not_verify() -> None:
    assert not FAST.verify(FAST.hash(PASSWORD), "wrong horse battery").ok


def test_a_hash_with_outdated_parameters_verifies_and_comes_with_a_new_hash() -> None:
    stronger = Passwords(time_cost=2, memory_kib=64, parallelism=1)

    verified = stronger.verify(FAST.hash(PASSWORD), PASSWORD)

    assert verified.ok
    assert verified.rehash is not None
    assert verified.rehash.startswith("$argon2id$v=19$m=64,t=2,p=1$")


def test_a_hash_with_current_parameters_needs_no_new_hash() -> None:
    assert FAST.verify(FAST.hash(PASSWORD), PASSWORD).rehash is None


def test_no_stored_hash_never_verifies() -> None:
    assert not FAST.verify(None, PASSWORD).ok
    assert not FAST.verify(None, "").ok


def test_a_damaged_hash_does_not_verify() -> None:
    assert not FAST.verify("not an argon2 hash", PASSWORD).ok


def test_a_short_password_is_refused_with_the_lengths_expected_and_found() -> None:
    with pytest.raises(AccountError) as caught:
        check_password("short")

    assert str(caught.value) == "password: expected 10 to 1024 characters, found 5 characters"


def test_a_password_that_is_not_text_is_refused() -> None:
    with pytest.raises(AccountError, match="password: expected a string"):
        check_password(1234567890)


def test_generated_passwords_are_long_and_differ() -> None:
    first, second = generate_password(), generate_password()

    assert len(first) == 24
    assert first != second
