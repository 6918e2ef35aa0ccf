"""Which process runs a scheduled rule's tick, when several run the same scheduler.

For high availability, several alert processes load the same rules and schedule
them alike: a tick is the same instant in every process (mozdef.alerts.timetable
lays interval ticks on a grid counted from the Unix epoch). Before running a tick,
a scheduler claims it by inserting (rule id, tick) into the application database's
`rule_claims` table, whose key is that pair: the process whose row went in runs
the tick, the others skip it. When a process dies, the next tick is claimed by one
still alive, so a rule misses at most the tick that was running when it died.

`LocalClaims` grants every claim: the scheduler of a single process (`mozdef serve`)
needs no database round trip per tick.

Claims are only needed while a tick can still be run, and the scheduler reads
every rule's next run again at each cycle (seconds): `prune` deletes the claims
made before a given time (by their `claimed` column, not their tick, so that the
claim of an old tick run late during a catch-up is kept as long as a recent one).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import delete

from mozdef.appdb.db import AppDb, insert_new
from mozdef.appdb.tables import rule_claims as table
from mozdef.logfmt import fields

log = logging.getLogger(__name__)


class Claims(Protocol):
    def claim(self, rule_id: str, tick: dt.datetime) -> bool:
        """True when this process is the one to run `rule_id` at `tick`."""
        ...

    def prune(self, older_than: dt.datetime) -> int:
        """Forget the claims made before `older_than`; returns how many."""
        ...


class LocalClaims:
    """Every tick is this process's: there is no other."""

    def claim(self, rule_id: str, tick: dt.datetime) -> bool:
        return True

    def prune(self, older_than: dt.datetime) -> int:
        return 0


def default_owner() -> str:
    """This process, as a claim's owner: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class RunClaims:
    """Claims kept in the application database, shared by every process using it."""

    def __init__(
        self,
        db: AppDb,
        owner: str,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._db = db
        self.owner = owner
        self._clock = clock

    def claim(self, rule_id: str, tick: dt.datetime) -> bool:
        row = {"rule_id": rule_id, "tick": tick, "owner": self.owner, "claimed": self._clock()}
        with self._db.begin() as connection:
            won = insert_new(connection, table, row)
        if not won:
            log.debug("alerts.claim_lost", extra=fields(rule=rule_id, tick=tick, owner=self.owner))
        return won

    def prune(self, older_than: dt.datetime) -> int:
        with self._db.begin() as connection:
            deleted = connection.execute(delete(table).where(table.c.claimed < older_than))
        log.info("alerts.claims_pruned", extra=fields(rows=deleted.rowcount, before=older_than))
        return deleted.rowcount

    def owner_of(self, rule_id: str, tick: dt.datetime) -> str | None:
        """The process that claimed `rule_id` at `tick`, or None."""
        with self._db.begin() as connection:
            found = connection.execute(
                table.select().where(table.c.rule_id == rule_id, table.c.tick == tick)
            ).first()
        return None if found is None else str(found.owner)
