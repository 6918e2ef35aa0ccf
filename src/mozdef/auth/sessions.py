"""Login sessions: a random id in a cookie, only its SHA-256 in the database.

A session lasts `auth.session_hours` from login, not from the last request, and
carries a CSRF token that requests changing something must echo in a header (see
`mozdef.auth.middleware`). An expired session is refused and deleted when it is
presented; the others that expired are deleted at each login.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from mozdef.appdb.db import AppDb
from mozdef.appdb.tables import sessions as table
from mozdef.appdb.tables import users
from mozdef.auth.roles import Caller, parse_role
from mozdef.auth.users import User
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
COOKIE = "mozdef_session"


@dataclass(frozen=True)
class NewSession:
    """A session just made: `id` goes into the cookie and is kept nowhere else."""

    id: str
    csrf_token: str
    expires: dt.datetime


def digest(secret: str) -> str:
    """The SHA-256 of a session id or API token, as stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionStore:
    def __init__(
        self,
        db: AppDb,
        *,
        hours: float,
        clock: Clock = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._db = db
        self._lifetime = dt.timedelta(hours=hours)
        self._clock = clock

    @property
    def seconds(self) -> int:
        return int(self._lifetime.total_seconds())

    def create(self, user: User) -> NewSession:
        now = self._clock()
        session_id, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        made = NewSession(session_id, csrf_token, now + self._lifetime)
        row = {
            "id_hash": digest(made.id),
            "user_id": user.id,
            "csrf_token": made.csrf_token,
            "created": now,
            "expires": made.expires,
        }
        with self._db.begin() as connection:
            connection.execute(delete(table).where(table.c.expires <= now))
            connection.execute(insert(table).values(row))
        return made

    def resolve(self, session_id: str) -> Caller | None:
        """The caller of a live session of an enabled user; None otherwise."""
        id_hash = digest(session_id)
        query = (
            select(table.c.expires, table.c.csrf_token, users.c.id, users.c.name)
            .add_columns(users.c.role, users.c.disabled)
            .join(users, users.c.id == table.c.user_id)
            .where(table.c.id_hash == id_hash)
        )
        with self._db.begin() as connection:
            row = connection.execute(query).mappings().first()
        if row is None or row["disabled"]:
            return None
        if row["expires"] <= self._clock():
            self._forget(id_hash)
            return None
        role = parse_role(row["role"])
        return Caller(row["id"], row["name"], role, "session", id_hash, row["csrf_token"])

    def delete(self, id_hash: str) -> bool:
        """End the session whose id hashes to `id_hash` (as in `Caller.credential`)."""
        with self._db.begin() as connection:
            deleted = connection.execute(delete(table).where(table.c.id_hash == id_hash))
        return deleted.rowcount > 0

    def delete_for_user(self, user_id: str) -> int:
        """End every session of a user (after a password change or when disabled)."""
        with self._db.begin() as connection:
            deleted = connection.execute(delete(table).where(table.c.user_id == user_id))
        return deleted.rowcount

    def prune(self) -> int:
        with self._db.begin() as connection:
            deleted = connection.execute(delete(table).where(table.c.expires <= self._clock()))
        return deleted.rowcount

    def _forget(self, id_hash: str) -> None:
        self.delete(id_hash)
        log.info("auth.session_expired", extra=fields(session=id_hash[:12]))
