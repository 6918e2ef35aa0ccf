"""Users of the web app and the API: a name, a role, an argon2id password hash.

Names are 1 to 64 characters: letters, digits, and `.`, `_`, `@`, `-` after the
first, so that an e-mail address is a valid name. A user is never deleted, only
disabled, so that the audit log's names always point at someone; a disabled user
can neither log in nor use a session or token made before.

The last enabled admin can be neither disabled nor given a lower role: that would
leave nobody able to manage users but the command line.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, RowMapping, select, update

from mozdef.appdb.db import AppDb, insert_new
from mozdef.appdb.tables import users as table
from mozdef.auth.passwords import Passwords, check_password, generate_password
from mozdef.auth.roles import Role, parse_role
from mozdef.errors import AccountError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
INITIAL_ADMIN = "admin"
NAME_LENGTH = 64
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_NAME_CHARACTERS = re.compile(r"[A-Za-z0-9._@-]")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: Role
    created: dt.datetime
    disabled: bool = False


LoginResult = Literal["ok", "unknown_user", "wrong_password", "disabled"]


@dataclass(frozen=True)
class Login:
    result: LoginResult
    user: User | None = None


def check_name(name: object) -> str:
    """`name` when it can be a user name; raises AccountError saying what is wrong."""
    if not isinstance(name, str):
        raise AccountError("user name", "invalid", f"expected a string, found {name!r}")
    if not 1 <= len(name) <= NAME_LENGTH:
        found = f"{len(name)} characters"
        raise AccountError("user name", "invalid", f"expected 1 to 64 characters, found {found}")
    if not _NAME.fullmatch(name):
        raise AccountError(f"user name {name!r}", "invalid", _name_problem(name))
    return name


def _name_problem(name: str) -> str:
    allowed = "letters, digits, '.', '_', '@' and '-'"
    for position, character in enumerate(name):
        if not _NAME_CHARACTERS.fullmatch(character):
            return f"{character!r} at position {position} is not allowed: use {allowed}"
    return f"must start with a letter or digit, found {name[0]!r}"


class UserStore:
    def __init__(
        self,
        db: AppDb,
        *,
        passwords: Passwords | None = None,
        clock: Clock = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._db = db
        self.passwords = passwords or Passwords()
        self._clock = clock

    @property
    def db(self) -> AppDb:
        return self._db

    def add(self, name: str, role: str, password: str | None) -> User:
        """A new user; without a password, one that cannot log in until it gets one."""
        user = User(uuid.uuid4().hex, check_name(name), parse_role(role), self._clock())
        hashed = None if password is None else self.passwords.hash(check_password(password))
        with self._db.begin() as connection:
            if not insert_new(connection, table, {**_values(user), "password_hash": hashed}):
                raise _exists(name)
        log.info("auth.user_added", extra=fields(user=name, role=user.role))
        return user

    def get(self, name: str) -> User | None:
        with self._db.begin() as connection:
            row = _row(connection, name)
        return None if row is None else _user(row)

    def list(self) -> list[User]:
        """Every user, disabled ones included, by name."""
        with self._db.begin() as connection:
            rows = connection.execute(select(table).order_by(table.c.name)).mappings().all()
        return [_user(row) for row in rows]

    def set_password(self, name: str, password: str) -> User:
        hashed = self.passwords.hash(check_password(password))
        return self._change(name, password_hash=hashed)

    def set_role(self, name: str, role: str) -> User:
        new_role = parse_role(role)
        if new_role == "admin":
            return self._change(name, role=new_role)
        return self._change(name, guard_admin="given a lower role", role=new_role)

    def disable(self, name: str, *, disabled: bool = True) -> User:
        """Disable the user (or enable again, with `disabled=False`)."""
        if not disabled:
            return self._change(name, disabled=False)
        return self._change(name, guard_admin="disabled", disabled=True)

    def authenticate(self, name: str, password: str) -> Login:
        """Check a login, spending the same hashing time whether or not the user exists;
        a hash with outdated parameters is replaced on success."""
        with self._db.begin() as connection:
            row = _row(connection, name)
        verified = self.passwords.verify(None if row is None else row["password_hash"], password)
        if row is None:
            return Login("unknown_user")
        user = _user(row)
        if not verified.ok:
            return Login("wrong_password", user)
        if verified.rehash is not None:
            self._change(name, password_hash=verified.rehash)
            log.info("auth.password_rehashed", extra=fields(user=name))
        return Login("disabled" if user.disabled else "ok", user)

    def _change(self, name: str, *, guard_admin: str | None = None, **values: object) -> User:
        with self._db.begin_write() as connection:
            row = _row(connection, name, lock=True)
            if row is None:
                raise AccountError(f"user {name!r}", "not_found", "no such user")
            if guard_admin and _is_last_admin(connection, row):
                message = f"the last enabled admin cannot be {guard_admin}; add another first"
                raise AccountError(f"user {name!r}", "last_admin", message)
            connection.execute(update(table).where(table.c.id == row["id"]).values(**values))
            changed = _row(connection, name)
        assert changed is not None
        return _user(changed)


def ensure_initial_admin(db: AppDb, *, passwords: Passwords | None = None) -> str | None:
    """When there is no user at all, add `admin` with a generated password and return
    that password (to be shown once); otherwise None."""
    store = UserStore(db, passwords=passwords)
    if store.list():
        return None
    password = generate_password()
    try:
        store.add(INITIAL_ADMIN, "admin", password)
    except AccountError:
        # Another process made the first admin at the same moment.
        return None
    return password


def _row(connection: Connection, name: str, *, lock: bool = False) -> RowMapping | None:
    query = select(table).where(table.c.name == name)
    if lock:
        query = query.with_for_update()
    return connection.execute(query).mappings().first()


def _is_last_admin(connection: Connection, row: RowMapping) -> bool:
    if row["role"] != "admin" or row["disabled"]:
        return False
    # Locking every enabled admin's row keeps two requests from demoting the last two
    # at once; SQLite's write transaction already excludes every other writer.
    enabled = select(table.c.id).where(table.c.role == "admin", ~table.c.disabled)
    return len(connection.execute(enabled.with_for_update()).all()) <= 1


def _exists(name: str) -> AccountError:
    return AccountError(f"user {name!r}", "exists", "a user of that name exists")


def _values(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "created": user.created,
        "disabled": user.disabled,
    }


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        role=parse_role(row["role"]),
        created=row["created"],
        disabled=bool(row["disabled"]),
    )
