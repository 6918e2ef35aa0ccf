"""Password hashing with argon2id, and the rules a new password must meet.

The hash string carries its own parameters, so a hash made with older parameters
still verifies; `Verified.rehash` then holds a new hash for the caller to store, and
the users' hashes follow the current parameters one login at a time.

A name that does not exist is checked against a dummy hash made with the same
parameters, so that a wrong name costs as much time as a wrong password and the
answer time does not tell which names exist.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from mozdef.errors import AccountError

MIN_LENGTH = 10
# Hashing cost grows with the length; a bound keeps a huge password from being a load.
MAX_LENGTH = 1024


@dataclass(frozen=True)
class Verified:
    ok: bool
    rehash: str | None = None


class Passwords:
    """argon2id with the given cost; the defaults are the argon2-cffi ones (RFC 9106's
    low-memory profile: 3 passes over 64 MiB with 4 lanes)."""

    def __init__(
        self, *, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )

    @functools.cached_property
    def _dummy(self) -> str:
        # Made at the first check, whether or not its name exists, so its cost tells nothing.
        return self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> Verified:
        """Whether `password` matches `stored`; with no stored hash, the dummy's time
        is spent and the answer is no."""
        dummy = self._dummy
        try:
            self._hasher.verify(stored or dummy, password)
        except (VerificationError, InvalidHashError):
            return Verified(ok=False)
        if stored is None:
            return Verified(ok=False)
        if self._hasher.check_needs_rehash(stored):
            return Verified(ok=True, rehash=self._hasher.hash(password))
        return Verified(ok=True)


def check_password(password: object) -> str:
    """`password` when it can be a password; raises AccountError saying what is wrong."""
    if not isinstance(password, str):
        raise AccountError("password", "invalid", "expected a string")
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        found = f"{len(password)} characters"
        expected = f"{MIN_LENGTH} to {MAX_LENGTH} characters"
        raise AccountError("password", "invalid", f"expected {expected}, found {found}")
    return password


def generate_password() -> str:
    """A random password of 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)
