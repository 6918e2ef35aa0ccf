"""Fixed data for the metrics tests: events, alerts and incidents whose counts and
durations the tests write out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from mozdef.alerts.engine import new_alert
from mozdef.alerts.model import Alert, Severity, Status
from mozdef.alerts.rule_state import RuleState, RuleStateStore
from mozdef.alerts.store import AlertStore
from mozdef.appdb import AppDb
from mozdef.events.schema import Event
from mozdef.incidents import IncidentStore
from mozdef.metrics.window import Window
from mozdef.store.base import EventStore
from mozdef.system import Health
from tests.alerts.builders import add_events, draft, event

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
# 10:00 to 12:00: two buckets of an hour.
MORNING = Window(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC), NOW)


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 12, 1, hour, minute, tzinfo=dt.UTC)


def events() -> list[Event]:
    """Five events in MORNING (three from 10:00, two from 11:00), two outside it."""
    rows = [
        ("e1", at(10, 5), "authentication", "sshd"),
        ("e2", at(10, 20), "authentication", "sshd"),
        ("e3", at(10, 40), "syslog", "kernel"),
        ("e4", at(11, 10), "authentication", "vpn"),
        ("e5", at(11, 50), "proxy", "squid"),
        ("e6", at(12, 30), "authentication", "sshd"),
        ("e7", at(9, 59), "proxy", "squid"),
    ]
    return [
        event(key, when, category=category, source=source) for key, when, category, source in rows
    ]


def store_events(store: EventStore) -> None:
    add_events(store, events())


def store_alerts(store: EventStore) -> list[Alert]:
    """Three alerts in MORNING (rule-a twice from 10:00, rule-b from 11:00), one
    mozdef-health alert before it, and one closed health alert."""
    alerts = AlertStore(store)
    made = [
        _alert("rule-a", "WARNING", at(10, 5)),
        _alert("rule-a", "CRITICAL", at(10, 30)),
        _alert("rule-b", "WARNING", at(11, 15)),
        _alert("mozdef_health", "WARNING", at(9, 0), category="mozdef-health"),
        _alert("mozdef_health", "ERROR", at(8, 0), category="mozdef-health", status="closed"),
    ]
    alerts.save_many(made)
    return made


def _alert(
    rule_id: str,
    severity: Severity,
    when: dt.datetime,
    *,
    category: str = "bruteforce",
    status: Status = "new",
) -> Alert:
    made = new_alert(
        draft(rule_id=rule_id, severity=severity, category=category, summary=f"{rule_id} {when}"),
        now=when,
    )
    return dataclasses.replace(made, status=status)


def utc(year: int, month: int, day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def create_incidents(db: AppDb) -> None:
    """Three incidents opened from 2026-01-15 to 2026-03-01 (two in January, one in
    February) and one opened on 2025-12-31 but closed in January."""
    store = IncidentStore(db)
    hour = dt.timedelta(hours=1)
    day = dt.timedelta(days=1)
    first, second, third = utc(2026, 1, 10), utc(2026, 1, 20), utc(2026, 2, 3)
    _create(
        store,
        opened=first,
        reported=first + hour,
        verified=first + 2 * hour,
        contained=first + day,
        mitigated=first + 2 * day,
        closed=first + 26 * day,
        veris=["action.hacking.variety.Brute force", "actor.external.variety.Organized crime"],
        techniques=["T1110"],
    )
    _create(
        store,
        opened=second,
        reported=second + 3 * hour,
        closed=second + 5 * day,
        veris=["action.hacking.variety.Brute force", "action.malware.variety.Ransomware"],
        techniques=["T1110.001", "T1486"],
    )
    _create(store, opened=third, reported=third - day, veris=["security_incident.Confirmed"])
    _create(store, opened=utc(2025, 12, 31), closed=utc(2026, 1, 2))


def _create(store: IncidentStore, **values: Any) -> None:
    dated = {
        key: value.isoformat() if isinstance(value, dt.datetime) else value
        for key, value in values.items()
    }
    store.create({"summary": "an incident", **dated}, by="alice")


@dataclass
class FakeNode:
    """A node whose state and counters the test sets, as System reports them."""

    health_now: Health = field(default_factory=lambda: Health(True, True, ""))
    counters_now: dict[str, Any] = field(default_factory=dict)

    def health(self) -> Health:
        return self.health_now

    def counters(self) -> dict[str, Any]:
        return dict(self.counters_now)


def serve_counters(accepted: int, indexed: int) -> dict[str, Any]:
    """What `mozdef serve` counts, with `accepted` and `indexed` events."""
    return {
        "accepted": accepted,
        "rejected": {"too_large": 2},
        "dropped_by_plugin": {"drop_noise": 5},
        "plugin_errors": {},
        "indexed": indexed,
        "failed": {},
        "deadletter": 0,
        "queue_pending_bytes": 512,
        "commits": 40,
        "last_commit_ms": 12.5,
        "worker_restarts": 0,
        "worker_pid": 4242,
    }


def save_rule_run(db: AppDb, rule_id: str, *, hits: int, failures: int = 0) -> None:
    state = RuleState(
        rule_id,
        last_run=at(11, 0),
        next_run=at(11, 5),
        last_duration=0.25,
        last_hits=hits,
        total_runs=12,
        total_failures=failures,
        consecutive_failures=failures,
        last_error="timeout" if failures else None,
    )
    RuleStateStore(db).save(state, now=at(11, 0))
