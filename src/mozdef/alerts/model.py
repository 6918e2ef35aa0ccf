"""The alert: what rules raise, people act on, and the alerts index stores.

The stored document keeps MozDef's field names (`utctimestamp`, `severity`,
`summary`, `category`, `tags`, `events` with `documentid` / `documentindex` /
`documentsource`, `url`, `notify_mozdefbot`, `ircchannel`) so that MozDef's
consumers keep working, and adds what MozDef lacked: a rule id, a count, a dedup
key and a status with its history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from mozdef.events.schema import Event

Severity = Literal["INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"]
SEVERITIES: tuple[Severity, ...] = ("INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL")

Status = Literal["new", "acknowledged", "escalated", "closed"]
STATUSES: tuple[Status, ...] = ("new", "acknowledged", "escalated", "closed")
OPEN_STATUSES: tuple[Status, ...] = ("new", "acknowledged", "escalated")

# Sample events kept per alert; the count stays exact beyond it.
MAX_SAMPLES = 25


@dataclass(frozen=True)
class EventSample:
    id: str
    index: str
    source: Event


@dataclass(frozen=True)
class AlertDraft:
    """What a rule raises; the engine turns it into an Alert (or merges it into an
    open one with the same dedup key, or suppresses it)."""

    rule_id: str
    summary: str
    category: str
    severity: Severity
    tags: tuple[str, ...] = ()
    events: tuple[EventSample, ...] = ()
    # Events behind the alert; may exceed len(events) (samples are bounded).
    count: int = 1
    # Alerts with the same dedup key inside the rule's window are one alert.
    dedup_key: str = ""
    url: str | None = None
    notify: bool = False
    channel: str | None = None
    # Free-form fields rules and alert plugins add (MozDef's alert `details`).
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusChange:
    status: Status
    by: str
    at: dt.datetime
    note: str = ""


@dataclass
class Alert:
    id: str
    utctimestamp: dt.datetime
    rule_id: str
    summary: str
    category: str
    severity: Severity
    tags: list[str]
    count: int
    events: list[EventSample]
    dedup_key: str
    last_seen: dt.datetime
    status: Status = "new"
    history: list[StatusChange] = field(default_factory=list)
    url: str | None = None
    notify: bool = False
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
