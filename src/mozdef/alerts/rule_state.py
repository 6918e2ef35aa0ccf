"""Each scheduled rule's run-time state, kept in the application database so that it
survives restarts: when it last ran and will run next, how long it took, what it
found, its last error, its failures in a row, and whether it is enabled.

Several processes change the same rows (alert processes sharing the scheduled
rules, `mozdef rules enable|disable`, the web API), so a change is made with
`update`: read, changed and written in one transaction that holds the row (SELECT
... FOR UPDATE on PostgreSQL, the write lock on SQLite). A count another process
added in the meantime is never overwritten by a stale copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from sqlalchemy import RowMapping, insert, select, update

from mozdef.appdb.db import AppDb, insert_new
from mozdef.appdb.tables import rule_state as table


@dataclass(frozen=True)
class RuleState:
    rule_id: str
    enabled: bool = True
    last_run: dt.datetime | None = None
    next_run: dt.datetime | None = None
    # Seconds the last run took, and the drafts it raised.
    last_duration: float | None = None
    last_hits: int = 0
    total_runs: int = 0
    total_failures: int = 0
    consecutive_failures: int = 0
    last_error: str | None = None


def toggled(state: RuleState, enabled: bool) -> RuleState:
    """The state once enabled or disabled: enabling schedules the rule afresh (no
    catch-up of the time it was off) and forgets its failures in a row."""
    if not enabled:
        return replace(state, enabled=False)
    return replace(state, enabled=True, consecutive_failures=0, next_run=None)


class RuleStateStore:
    def __init__(self, db: AppDb) -> None:
        self._db = db

    def get(self, rule_id: str) -> RuleState | None:
        with self._db.begin() as connection:
            row = connection.execute(select(table).where(table.c.rule_id == rule_id)).first()
        return None if row is None else _state(row._mapping)

    def all(self) -> dict[str, RuleState]:
        with self._db.begin() as connection:
            rows = connection.execute(select(table)).all()
        return {row.rule_id: _state(row._mapping) for row in rows}

    def save(self, state: RuleState, *, now: dt.datetime) -> None:
        """Insert or replace the state of `state.rule_id`, whatever is saved there;
        `update` is the way to change a state other processes may change too."""
        values = {**asdict(state), "updated": now}
        with self._db.begin() as connection:
            changed = connection.execute(
                update(table).where(table.c.rule_id == state.rule_id).values(**values)
            )
            if changed.rowcount == 0:
                connection.execute(insert(table).values(**values))

    def update(
        self,
        rule_id: str,
        change: Callable[[RuleState], RuleState],
        *,
        now: dt.datetime | None = None,
    ) -> RuleState:
        """Apply `change` to the saved state of `rule_id` (a fresh one when none is
        saved) and save the result, with no other update in between; returns it."""
        moment = now or dt.datetime.now(dt.UTC)
        with self._db.begin_write() as connection:
            insert_new(connection, table, {**asdict(RuleState(rule_id)), "updated": moment})
            held = select(table).where(table.c.rule_id == rule_id).with_for_update()
            state = change(_state(connection.execute(held).one()._mapping))
            values = {**asdict(state), "rule_id": rule_id, "updated": moment}
            connection.execute(update(table).where(table.c.rule_id == rule_id).values(**values))
        return state

    def set_enabled(
        self, rule_id: str, enabled: bool, *, now: dt.datetime | None = None
    ) -> RuleState:
        """Enable or disable the rule; running schedulers see it at their next cycle."""
        return self.update(rule_id, lambda state: toggled(state, enabled), now=now)


def _state(row: RowMapping) -> RuleState:
    return RuleState(
        rule_id=row["rule_id"],
        enabled=bool(row["enabled"]),
        last_run=row["last_run"],
        next_run=row["next_run"],
        last_duration=row["last_duration"],
        last_hits=row["last_hits"],
        total_runs=row["total_runs"],
        total_failures=row["total_failures"],
        consecutive_failures=row["consecutive_failures"],
        last_error=row["last_error"],
    )
