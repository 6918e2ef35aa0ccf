"""Alert status changes (acknowledge, escalate, close, reopen) and who writes them.

One interface, `AlertStatusWriter.change`, two ways:
- `DirectStatusWriter` writes through an AlertStore: for the process that holds the
  store's writer, or a store any process may write (OpenSearch, scale-out mode).
- `RelayedStatusWriter` serves the web process of `mozdef serve`, whose store is
  read-only: it puts the change in the `alert_changes` table of the application
  database and waits until the writer's process applied it. There a `ChangeApplier`
  thread takes the unapplied rows in `seq` order and applies each through the alert
  engine's own AlertStore, so that a change and a merge of the same alert are
  serialized by that store's lock.

The relay, row by row:
1. the asker inserts the row, `applied` empty;
2. the applier claims it (sets `applied` where it is still empty), applies it, and
   writes `result` (the alert's stored document) or `error` (`{"kind", "reason"}`,
   kind `not_found`, `refused` or `failed`);
3. the asker reads the row every `poll_seconds` until `result` or `error` is set.
   When its time is up it deletes the row if it is still unclaimed, so that a change
   the asker gave up on never happens later; a claimed row gets a short grace.
The applier deletes rows asked for more than `keep` (a day) ago.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import orjson
from sqlalchemy import RowMapping, delete, insert, select, update

from mozdef.alerts.model import STATUSES, Alert, Status
from mozdef.alerts.store import AlertStore, from_document, to_document
from mozdef.appdb.db import AppDb
from mozdef.appdb.tables import alert_changes as table
from mozdef.errors import AlertChangeTimeoutError, AlertError, AlertNotFoundError, StorageError
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
Clock = Callable[[], dt.datetime]
# An applied change's outcome: the alert's document, or the error's kind and reason.
Outcome = tuple[dict[str, Any] | None, dict[str, str] | None]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AlertStatusWriter(Protocol):
    def change(
        self,
        alert_id: str,
        status: Status,
        *,
        actor: str,
        note: str = "",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Alert:
        """The alert after moving it to `status`; raises AlertNotFoundError, AlertError
        for a transition not allowed, AlertChangeTimeoutError when no answer came."""
        ...


class DirectStatusWriter:
    def __init__(self, alerts: AlertStore) -> None:
        self._alerts = alerts

    def change(
        self,
        alert_id: str,
        status: Status,
        *,
        actor: str,
        note: str = "",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Alert:
        return self._alerts.set_status(alert_id, status, by=actor, note=note)


class RelayedStatusWriter:
    def __init__(
        self,
        db: AppDb,
        *,
        poll_seconds: float = 0.05,
        grace_seconds: float = 2.0,
        clock: Clock = _utc_now,
    ) -> None:
        self._db = db
        self._poll = poll_seconds
        self._grace = grace_seconds
        self._clock = clock

    def change(
        self,
        alert_id: str,
        status: Status,
        *,
        actor: str,
        note: str = "",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Alert:
        seq = self._ask(alert_id, status, actor, note)
        row = self._wait(seq, timeout)
        if row is None:
            if self._withdraw(seq):
                reason = (
                    f"the change to {status} was not applied within {timeout:g}s and was "
                    "withdrawn; is the worker process running with alerts enabled?"
                )
                raise AlertChangeTimeoutError(alert_id, timeout, reason)
            row = self._wait(seq, self._grace)
        if row is None:
            reason = (
                f"the change to {status} was taken up but not answered within "
                f"{timeout + self._grace:g}s; look at the alert before asking again"
            )
            raise AlertChangeTimeoutError(alert_id, timeout + self._grace, reason)
        return _answer(alert_id, row)

    def _ask(self, alert_id: str, status: Status, actor: str, note: str) -> int:
        values = {
            "alert_id": alert_id,
            "status": status,
            "actor": actor,
            "note": note,
            "requested": self._clock(),
        }
        with self._db.begin() as connection:
            inserted = connection.execute(insert(table).values(**values))
        key = inserted.inserted_primary_key
        assert key is not None  # an INSERT of one row answers its key
        return int(key[0])

    def _wait(self, seq: int, seconds: float) -> RowMapping | None:
        """The row once answered, or None when `seconds` passed first."""
        deadline = time.monotonic() + seconds
        while True:
            with self._db.begin() as connection:
                row = connection.execute(select(table).where(table.c.seq == seq)).first()
            if row is not None and (row.result is not None or row.error is not None):
                return row._mapping
            if time.monotonic() >= deadline:
                return None
            time.sleep(self._poll)

    def _withdraw(self, seq: int) -> bool:
        """Delete the row unless the applier claimed it already."""
        unclaimed = (table.c.seq == seq) & table.c.applied.is_(None)
        with self._db.begin() as connection:
            return connection.execute(delete(table).where(unclaimed)).rowcount > 0


def _answer(alert_id: str, row: RowMapping) -> Alert:
    if row["result"] is not None:
        return from_document(alert_id, orjson.loads(row["result"]))
    problem = orjson.loads(row["error"])
    kind, reason = problem.get("kind"), str(problem.get("reason", ""))
    if kind == "not_found":
        raise AlertNotFoundError(alert_id)
    if kind == "refused":
        raise AlertError(alert_id, reason)
    raise StorageError(f"alert {alert_id}: the change could not be saved: {reason}")


class ChangeApplier:
    """The writer's side of the relay: a thread applying asked-for changes in order.

    `on_applied` runs after each pass that applied changes, before their answers are
    written, so that an answered change is already committed when it is given one."""

    def __init__(
        self,
        db: AppDb,
        alerts: AlertStore,
        *,
        on_applied: Callable[[], None] | None = None,
        poll_seconds: float = 0.1,
        keep: dt.timedelta = dt.timedelta(days=1),
        prune_seconds: float = 600.0,
        clock: Clock = _utc_now,
    ) -> None:
        self._db = db
        self._alerts = alerts
        self._on_applied = on_applied
        self._poll = poll_seconds
        self._keep = keep
        self._prune_seconds = prune_seconds
        self._clock = clock
        self._pruned_at: float | None = None
        self._failures = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mozdef-changes", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def apply_pending(self, *, limit: int = 100) -> int:
        """Apply up to `limit` unapplied changes, oldest first; answers how many."""
        waiting = table.c.applied.is_(None)
        with self._db.begin() as connection:
            rows = connection.execute(
                select(table).where(waiting).order_by(table.c.seq).limit(limit)
            ).all()
        outcomes = [(row.seq, self._apply(row._mapping)) for row in rows if self._claim(row.seq)]
        if outcomes and self._on_applied is not None:
            self._after_applied()
        for seq, outcome in outcomes:
            self._record(seq, outcome)
        return len(outcomes)

    def prune(self) -> int:
        """Delete the rows asked for longer than `keep` ago; answers how many."""
        cutoff = self._clock() - self._keep
        with self._db.begin() as connection:
            deleted = connection.execute(delete(table).where(table.c.requested < cutoff))
        self._pruned_at = time.monotonic()
        return int(deleted.rowcount)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.apply_pending()
                if self._prune_due():
                    self.prune()
                self._failures = 0
            except Exception:
                # The application database went away: keep polling until it is back,
                # saying so once rather than ten times a second.
                self._failures += 1
                if self._failures == 1:
                    log.exception("alerts.changes.poll_failed")
            self._stop.wait(self._poll)

    def _prune_due(self) -> bool:
        last = self._pruned_at
        return last is None or time.monotonic() - last >= self._prune_seconds

    def _claim(self, seq: int) -> bool:
        unclaimed = (table.c.seq == seq) & table.c.applied.is_(None)
        with self._db.begin() as connection:
            claimed = connection.execute(
                update(table).where(unclaimed).values(applied=self._clock())
            )
        return claimed.rowcount > 0

    def _apply(self, row: RowMapping) -> Outcome:
        alert_id, status = str(row["alert_id"]), str(row["status"])
        if status not in STATUSES:
            return None, {"kind": "refused", "reason": f"unknown status {status!r}"}
        try:
            changed = self._alerts.set_status(
                alert_id,
                status,
                by=row["actor"],
                note=row["note"],
                now=row["requested"],
            )
        except AlertNotFoundError as error:
            return None, {"kind": "not_found", "reason": error.reason}
        except AlertError as error:
            return None, {"kind": "refused", "reason": error.reason}
        except Exception as error:
            # The isolation boundary of one change: the others still get applied.
            log.exception("alerts.changes.failed", extra=fields(alert=alert_id, status=status))
            return None, {"kind": "failed", "reason": f"{type(error).__name__}: {error}"}
        log.info(
            "alerts.status_changed",
            extra=fields(alert=alert_id, status=status, by=row["actor"]),
        )
        return to_document(changed), None

    def _after_applied(self) -> None:
        assert self._on_applied is not None
        try:
            self._on_applied()
        except Exception:
            # The changes stand in the writer's memory and go out with its next commit.
            log.exception("alerts.changes.commit_failed")

    def _record(self, seq: int, outcome: Outcome) -> None:
        document, problem = outcome
        values = {
            "result": None if document is None else orjson.dumps(document).decode(),
            "error": None if problem is None else orjson.dumps(problem).decode(),
        }
        with self._db.begin() as connection:
            connection.execute(update(table).where(table.c.seq == seq).values(**values))
