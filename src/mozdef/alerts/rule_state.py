"""Each scheduled rule's run-time state, kept in the application database so that it
survives restarts: when it last ran and will run next, how long it took, what it
found, its last error, its failures in a row, and whether it is enabled."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import RowMapping, insert, select, update

from mozdef.appdb.db import AppDb
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
        """Insert or replace the state of `state.rule_id`."""
        values = {**asdict(state), "updated": now}
        with self._db.begin() as connection:
            changed = connection.execute(
                update(table).where(table.c.rule_id == state.rule_id).values(**values)
            )
            if changed.rowcount == 0:
                connection.execute(insert(table).values(**values))


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
