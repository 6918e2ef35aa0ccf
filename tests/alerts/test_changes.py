"""Status changes: written directly, or relayed through the application database to
the process that writes alerts."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from mozdef.alerts.bus import ALERT_STATUS, MemoryBus, Payload
from mozdef.alerts.changes import ChangeApplier, DirectStatusWriter, RelayedStatusWriter
from mozdef.alerts.engine import new_alert
from mozdef.alerts.model import Alert, Status
from mozdef.alerts.store import AlertStore
from mozdef.appdb import AppDb
from mozdef.appdb.tables import alert_changes
from mozdef.errors import AlertChangeTimeoutError, AlertError, AlertNotFoundError, StorageError
from mozdef.store.base import IndexedDoc, IndexFailure
from mozdef.store.memory import MemoryStore

from .builders import NOW, appdb, at, draft


@dataclass
class Relay:
    db: AppDb
    alerts: AlertStore
    writer: RelayedStatusWriter
    applier: ChangeApplier
    bus: MemoryBus

    def alert(self) -> Alert:
        made = new_alert(draft(), now=NOW)
        self.alerts.save(made)
        return made

    def rows(self) -> int:
        with self.db.begin() as connection:
            return connection.execute(select(func.count()).select_from(alert_changes)).scalar_one()


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Relay]:
    db = appdb(tmp_path)
    bus = MemoryBus()
    alerts = AlertStore(MemoryStore(), bus=bus)
    writer = RelayedStatusWriter(db, poll_seconds=0.01, grace_seconds=0.1)
    yield Relay(db, alerts, writer, ChangeApplier(db, alerts, poll_seconds=0.01), bus)
    db.close()


def asked(relay: Relay, alert_id: str, status: Status) -> Future[Alert]:
    """A change asked for in another thread, once its row is in the table."""
    before = relay.rows()
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(relay.writer.change, alert_id, status, actor="alice", note=status)
    pool.shutdown(wait=False)
    deadline = time.monotonic() + 5
    while relay.rows() == before and time.monotonic() < deadline:
        time.sleep(0.005)
    return future


def test_the_direct_writer_changes_the_alert_in_its_store(relay: Relay) -> None:
    alert = relay.alert()

    changed = DirectStatusWriter(relay.alerts).change(alert.id, "escalated", actor="bob")

    assert (changed.status, relay.alerts.get(alert.id).status) == ("escalated", "escalated")


def test_relayed_changes_are_applied_in_the_order_they_were_asked(relay: Relay) -> None:
    alert = relay.alert()
    first = asked(relay, alert.id, "acknowledged")
    second = asked(relay, alert.id, "closed")

    assert relay.applier.apply_pending() == 2

    assert (first.result(5).status, second.result(5).status) == ("acknowledged", "closed")
    history = relay.alerts.get(alert.id).history
    assert [(h.status, h.by, h.note) for h in history] == [
        ("acknowledged", "alice", "acknowledged"),
        ("closed", "alice", "closed"),
    ]


def test_a_relayed_change_publishes_the_status_on_the_bus(relay: Relay) -> None:
    heard: list[tuple[str, Payload]] = []
    relay.bus.subscribe(lambda topic, payload: heard.append((topic, payload)))
    alert = relay.alert()
    relay.applier.start()

    relay.writer.change(alert.id, "acknowledged", actor="alice")

    relay.applier.stop()
    assert [(topic, payload["status"]) for topic, payload in heard] == [
        (ALERT_STATUS, "acknowledged")
    ]


def test_a_refused_change_raises_the_writers_reason(relay: Relay) -> None:
    alert = relay.alert()
    relay.alerts.set_status(alert.id, "closed", by="alice")
    relay.applier.start()

    with pytest.raises(AlertError) as refused:
        relay.writer.change(alert.id, "escalated", actor="bob")

    relay.applier.stop()
    assert (
        str(refused.value) == f"alert {alert.id}: cannot go from closed to escalated; allowed: new"
    )
    assert relay.alerts.get(alert.id).status == "closed"


def test_a_change_of_a_missing_alert_raises_not_found(relay: Relay) -> None:
    relay.applier.start()

    with pytest.raises(AlertNotFoundError):
        relay.writer.change("nosuch", "acknowledged", actor="bob")

    relay.applier.stop()


def test_a_change_nobody_applies_times_out_and_never_happens_later(relay: Relay) -> None:
    alert = relay.alert()
    started = time.monotonic()

    with pytest.raises(AlertChangeTimeoutError) as late:
        relay.writer.change(alert.id, "acknowledged", actor="bob", timeout=0.2)

    assert time.monotonic() - started < 2
    assert "not applied within 0.2s and was withdrawn" in str(late.value)
    assert (relay.applier.apply_pending(), relay.alerts.get(alert.id).status) == (0, "new")


def test_a_change_the_store_cannot_save_raises_a_storage_error(tmp_path: Path) -> None:
    db = appdb(tmp_path)
    store = RefusingStore()
    alerts = AlertStore(store)
    alert = new_alert(draft(), now=NOW)
    alerts.save(alert)
    store.refusing = True
    applier = ChangeApplier(db, alerts, poll_seconds=0.01)
    applier.start()

    with pytest.raises(StorageError) as failed:
        RelayedStatusWriter(db, poll_seconds=0.01).change(alert.id, "closed", actor="bob")

    applier.stop()
    assert "the change could not be saved" in str(failed.value)


def test_the_applier_commits_once_per_pass_before_answering(relay: Relay) -> None:
    answered: list[int] = []
    applier = ChangeApplier(
        relay.db, relay.alerts, on_applied=lambda: answered.append(answers(relay.db))
    )
    alert = relay.alert()
    asked(relay, alert.id, "acknowledged")
    asked(relay, alert.id, "closed")

    applier.apply_pending()
    applier.apply_pending()

    assert answered == [0]


def test_prune_deletes_changes_asked_for_over_a_day_ago(relay: Relay) -> None:
    now = dt.datetime.now(dt.UTC)
    for requested in (now - dt.timedelta(days=2), now - dt.timedelta(hours=1)):
        with relay.db.begin() as connection:
            connection.execute(insert(alert_changes).values(**row(requested)))

    assert (relay.applier.prune(), relay.rows()) == (1, 1)


def answers(db: AppDb) -> int:
    answered = alert_changes.c.result.is_not(None) | alert_changes.c.error.is_not(None)
    with db.begin() as connection:
        query = select(func.count()).select_from(alert_changes).where(answered)
        return connection.execute(query).scalar_one()


def row(requested: dt.datetime) -> dict[str, object]:
    return {
        "alert_id": "a1",
        "status": "closed",
        "actor": "alice",
        "note": "",
        "requested": requested,
        "applied": requested,
        "result": "{}",
    }


class RefusingStore(MemoryStore):
    """A memory store that refuses every document once `refusing` is set."""

    def __init__(self) -> None:
        super().__init__(clock=lambda: at(0))
        self.refusing = False

    def index(self, docs: Sequence[IndexedDoc], *, replace: bool = False) -> list[IndexFailure]:
        if self.refusing:
            return [IndexFailure(n, doc.id, "disk full") for n, doc in enumerate(docs)]
        return super().index(docs, replace=replace)
