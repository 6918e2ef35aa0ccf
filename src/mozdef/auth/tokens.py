"""API tokens: `mozdef_` and 43 random URL-safe characters, shown once when made.

Only the token's SHA-256 is stored, with a label, its owner, an optional expiry and
when it was last used. A token acts with its owner's role as it is now, so changing
or disabling the owner changes what every token of theirs may do. `last_used` is
written at most once a minute per token, so that a shipper sending many requests
a second does not turn each into a database write.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, Select, delete, insert, select, update

from mozdef.appdb.db import AppDb
from mozdef.appdb.tables import api_tokens as table
from mozdef.appdb.tables import users
from mozdef.auth.roles import Caller, parse_role
from mozdef.auth.sessions import digest
from mozdef.auth.users import User
from mozdef.errors import AccountError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
PREFIX = "mozdef_"
LABEL_LENGTH = 255
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ApiToken:
    """What is known of a token after it was made: everything but the token."""

    id: str
    name: str
    owner: str
    created: dt.datetime
    expires: dt.datetime | None = None
    last_used: dt.datetime | None = None


@dataclass(frozen=True)
class NewToken:
    info: ApiToken
    token: str


class TokenStore:
    def __init__(self, db: AppDb, *, clock: Clock = lambda: dt.datetime.now(dt.UTC)) -> None:
        self._db = db
        self._clock = clock

    def create(self, owner: User, name: str, *, lifetime: dt.timedelta | None = None) -> NewToken:
        """A new token of `owner`, valid for `lifetime` from now, or until revoked."""
        label = check_label(name)
        if lifetime is not None and lifetime <= dt.timedelta(0):
            message = f"expected a lifetime above zero, found {lifetime}"
            raise AccountError(f"token {label!r}", "invalid", message)
        now = self._clock()
        expires = None if lifetime is None else now + lifetime
        info = ApiToken(uuid.uuid4().hex, label, owner.name, now, expires)
        token = PREFIX + secrets.token_urlsafe(32)
        row = {"id": info.id, "user_id": owner.id, "name": label, "token_hash": digest(token)}
        with self._db.begin() as connection:
            connection.execute(insert(table).values(**row, created=now, expires=expires))
        log.info("auth.token_created", extra=fields(token=info.id, owner=owner.name))
        return NewToken(info, token)

    def resolve(self, token: str) -> Caller | None:
        """The caller of a live token of an enabled user; None otherwise."""
        if not token.startswith(PREFIX):
            return None
        query = (
            select(table.c.id, table.c.expires, table.c.last_used)
            .add_columns(users.c.id.label("user_id"), users.c.name, users.c.role, users.c.disabled)
            .join(users, users.c.id == table.c.user_id)
            .where(table.c.token_hash == digest(token))
        )
        with self._db.begin() as connection:
            row = connection.execute(query).mappings().first()
        now = self._clock()
        if row is None or row["disabled"] or _expired(row["expires"], now):
            return None
        if row["last_used"] is None or now - row["last_used"] >= LAST_USED_EVERY:
            self._touch(row["id"], now)
        return Caller(row["user_id"], row["name"], parse_role(row["role"]), "token", row["id"])

    def get(self, token_id: str) -> ApiToken | None:
        with self._db.begin() as connection:
            row = connection.execute(_listing().where(table.c.id == token_id)).mappings().first()
        return None if row is None else _token(row)

    def list(self, *, owner: User | None = None) -> list[ApiToken]:
        """Every token, or those of `owner`, the newest first."""
        query = _listing().order_by(table.c.created.desc())
        if owner is not None:
            query = query.where(table.c.user_id == owner.id)
        with self._db.begin() as connection:
            rows = connection.execute(query).mappings().all()
        return [_token(row) for row in rows]

    def revoke(self, token_id: str) -> bool:
        """Delete a token; False when there was none with that id."""
        with self._db.begin() as connection:
            deleted = connection.execute(delete(table).where(table.c.id == token_id))
        return deleted.rowcount > 0

    def _touch(self, token_id: str, now: dt.datetime) -> None:
        with self._db.begin() as connection:
            connection.execute(update(table).where(table.c.id == token_id).values(last_used=now))


def check_label(name: object) -> str:
    """`name` as a token's label; raises AccountError saying what is wrong."""
    if not isinstance(name, str) or not name.strip():
        raise AccountError("token name", "invalid", f"expected a non-empty string, found {name!r}")
    if len(name) > LABEL_LENGTH:
        message = f"expected at most {LABEL_LENGTH} characters, found {len(name)}"
        raise AccountError("token name", "invalid", message)
    return name.strip()


def _expired(expires: dt.datetime | None, now: dt.datetime) -> bool:
    return expires is not None and expires <= now


def _listing() -> Select[Any]:
    return select(table, users.c.name.label("owner")).join(users, users.c.id == table.c.user_id)


def _token(row: RowMapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        name=row["name"],
        owner=row["owner"],
        created=row["created"],
        expires=row["expires"],
        last_used=row["last_used"],
    )
