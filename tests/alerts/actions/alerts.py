"""An alert to deliver, with every field set to a known value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mozdef.alerts.model import Alert, EventSample, Severity

WHEN = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def make_alert(
    *, severity: Severity = "WARNING", rule_id: str = "bruteforce_ssh", **changes: Any
) -> Alert:
    sample = EventSample(
        id="ev1",
        index="events-20260301",
        source={"hostname": "web1", "details": {"sourceipaddress": "203.0.113.9"}},
    )
    values: dict[str, Any] = {
        "id": "a1",
        "utctimestamp": WHEN,
        "rule_id": rule_id,
        "summary": "12 ssh bruteforce attempts by 203.0.113.9 web1 (12 hits)",
        "category": "bruteforce",
        "severity": severity,
        "tags": ["ssh"],
        "count": 12,
        "events": [sample],
        "dedup_key": "bruteforce_ssh:203.0.113.9",
        "last_seen": WHEN,
        "details": {"sourceipaddress": "203.0.113.9"},
    }
    values.update(changes)
    return Alert(**values)
