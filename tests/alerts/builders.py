"""Events, stores and engines for the alert engine's tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mozdef.alerts.bus import MemoryBus
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft, EventSample, Severity
from mozdef.alerts.store import AlertStore
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.events.schema import Event
from mozdef.store.base import EventStore, IndexedDoc
from mozdef.store.memory import MemoryStore

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def at(minutes: float = 0, *, seconds: float = 0) -> dt.datetime:
    """NOW shifted by `minutes` and `seconds` (negative: before)."""
    return NOW + dt.timedelta(minutes=minutes, seconds=seconds)


def event(event_id: str, when: dt.datetime, **top: Any) -> Event:
    """A normalized event at `when`; `details` and other fields from keywords."""
    stamp = when.isoformat()
    base: Event = {
        "id": event_id,
        "utctimestamp": stamp,
        "receivedtimestamp": stamp,
        "timestamp": stamp,
        "category": "syslog",
        "hostname": "host1",
        "summary": "something happened",
        "severity": "INFO",
        "tags": [],
        "details": {},
    }
    base.update(top)
    return base


def ssh_failure(event_id: str, when: dt.datetime, ip: str, host: str = "web1") -> Event:
    return event(
        event_id,
        when,
        hostname=host,
        summary=f"Failed password for root from {ip} port 22 ssh2",
        details={"program": "sshd", "sourceipaddress": ip},
    )


def memory_store(events: Iterable[Event] = (), *, now: dt.datetime = NOW) -> MemoryStore:
    store = MemoryStore(clock=lambda: now)
    add_events(store, events)
    return store


def add_events(store: EventStore, events: Iterable[Event]) -> None:
    docs = [IndexedDoc(str(item["id"]), item) for item in events]
    assert store.index(docs) == []
    store.commit()


def draft(
    *,
    rule_id: str = "rule-a",
    dedup_key: str = "k",
    count: int = 1,
    samples: Iterable[str] = (),
    severity: Severity = "WARNING",
    summary: str = "a summary",
    category: str = "bruteforce",
    details: dict[str, Any] | None = None,
) -> AlertDraft:
    """A draft whose samples are events with the given ids."""
    events = tuple(
        EventSample(sample_id, "events-20261201", event(sample_id, NOW)) for sample_id in samples
    )
    return AlertDraft(
        rule_id=rule_id,
        summary=summary,
        category=category,
        severity=severity,
        events=events,
        count=count,
        dedup_key=dedup_key,
        details=details or {},
    )


class Engine:
    """A sink on a memory store, with its bus and, when `db` is given, suppressions."""

    def __init__(self, store: EventStore | None = None, db: AppDb | None = None) -> None:
        self.store = store or memory_store()
        self.bus = MemoryBus()
        self.alerts = AlertStore(self.store, bus=self.bus)
        self.suppressions = SuppressionStore(db, clock=lambda: NOW) if db else None
        self.sink = AlertSink(
            self.alerts, suppressions=self.suppressions, bus=self.bus, clock=lambda: NOW
        )


def appdb(folder: Path) -> AppDb:
    return AppDb.in_folder(folder)
