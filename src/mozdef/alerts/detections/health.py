"""The system's own trouble as alerts of category `mozdef-health`.

The rule reads the running system's counters through `HealthSource` (what `/status`
shows) and compares them with the previous run: new intake rejections (per reason)
and new plugin errors since then, the queue near its limit, the disk floor reached,
a rule failing run after run, and no events stored at all for `quiet` (once the
check has been running that long, so that a fresh start is not called quiet). The
first run compares with zero, that is with the counters since start-up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from mozdef.alerts.detections.forms import EVENTS, draft
from mozdef.alerts.detections.meta import span_text
from mozdef.alerts.model import AlertDraft, Severity
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.store.base import EventStore, SearchRequest

RULE_ID = "mozdef_health"
CATEGORY = "mozdef-health"


@dataclass(frozen=True)
class HealthCounters:
    accepted: int = 0
    rejected: Mapping[str, int] = field(default_factory=dict)
    plugin_errors: int = 0
    queue_pending_bytes: int = 0
    queue_limit_bytes: int = 0
    # Why intake refuses for lack of disk space; None while the disk is fine.
    disk_problem: str | None = None
    # Consecutive failed runs of each rule that is failing now.
    rule_failures: Mapping[str, int] = field(default_factory=dict)


class HealthSource(Protocol):
    def counters(self) -> HealthCounters: ...


class MemoryHealthSource:
    """Counters set by hand, for tests and for embedding without a running system."""

    def __init__(self, counters: HealthCounters | None = None) -> None:
        self._counters = counters or HealthCounters()
        self._lock = threading.Lock()

    def set(self, counters: HealthCounters) -> None:
        with self._lock:
            self._counters = counters

    def counters(self) -> HealthCounters:
        with self._lock:
            return self._counters


@dataclass(frozen=True)
class HealthLimits:
    rejected: int = 1
    plugin_errors: int = 1
    queue_fraction: float = 0.9
    rule_failures: int = 3
    quiet: dt.timedelta = dt.timedelta(minutes=15)


class HealthCheck:
    def __init__(
        self,
        source: HealthSource,
        *,
        limits: HealthLimits | None = None,
        interval: dt.timedelta = dt.timedelta(minutes=1),
    ) -> None:
        self.source = source
        self.limits = limits or HealthLimits()
        self.meta = RuleMeta(
            id=RULE_ID,
            name="MozDef health",
            form="builtin",
            severity="WARNING",
            category=CATEGORY,
            tags=("mozdef", "health"),
            schedule=Schedule(interval=interval, lookback=self.limits.quiet),
        )
        self._previous = HealthCounters()
        # The first run: a system up for less than `quiet` is not yet quiet.
        self._first_run: dt.datetime | None = None

    def run(self, store: EventStore, *, now: dt.datetime) -> list[AlertDraft]:
        current = self.source.counters()
        previous, self._previous = self._previous, current
        drafts = [
            *self._rejections(current, previous),
            *self._plugin_errors(current, previous),
            *self._queue(current),
            *self._disk(current),
            *self._failing_rules(current),
            *self._quiet(store, now),
        ]
        return drafts

    def _rejections(self, current: HealthCounters, previous: HealthCounters) -> list[AlertDraft]:
        found = []
        for reason, total in sorted(current.rejected.items()):
            new = _increase(total, previous.rejected.get(reason, 0))
            if new >= self.limits.rejected:
                text = f"Intake rejected {new} event(s) since the last check: {reason}"
                found.append(self._draft(text, f"rejected:{reason}", "WARNING", count=new))
        return found

    def _plugin_errors(self, current: HealthCounters, previous: HealthCounters) -> list[AlertDraft]:
        new = _increase(current.plugin_errors, previous.plugin_errors)
        if new < self.limits.plugin_errors:
            return []
        text = f"Pipeline plugins failed {new} time(s) since the last check"
        return [self._draft(text, "plugin_errors", "WARNING", count=new)]

    def _queue(self, current: HealthCounters) -> list[AlertDraft]:
        limit = current.queue_limit_bytes
        if limit <= 0 or current.queue_pending_bytes < self.limits.queue_fraction * limit:
            return []
        share = 100 * current.queue_pending_bytes // limit
        text = f"Intake queue is {share}% full ({current.queue_pending_bytes} of {limit} bytes)"
        return [self._draft(text, "queue", "ERROR")]

    def _disk(self, current: HealthCounters) -> list[AlertDraft]:
        if current.disk_problem is None:
            return []
        return [self._draft(f"Disk floor reached: {current.disk_problem}", "disk", "CRITICAL")]

    def _failing_rules(self, current: HealthCounters) -> list[AlertDraft]:
        return [
            self._draft(f"Rule {rule_id} failed {runs} runs in a row", f"rule:{rule_id}", "ERROR")
            for rule_id, runs in sorted(current.rule_failures.items())
            if runs >= self.limits.rule_failures
        ]

    def _quiet(self, store: EventStore, now: dt.datetime) -> list[AlertDraft]:
        window = self.limits.quiet
        if self._first_run is None:
            self._first_run = now
        if now - self._first_run < window:
            return []
        if store.count(SearchRequest(start=now - window, end=now, index=EVENTS)):
            return []
        return [self._draft(f"No events stored in the past {span_text(window)}", "quiet", "ERROR")]

    def _draft(self, summary: str, key: str, severity: Severity, *, count: int = 1) -> AlertDraft:
        found = draft(self.meta, summary, count=count, dedup=key, details={"check": key})
        return dataclasses.replace(found, severity=severity)


def _increase(current: int, previous: int) -> int:
    # A counter lower than before means the system restarted and counts from zero again.
    return current - previous if current >= previous else current


def rule(*, source: HealthSource, quiet: dt.timedelta = dt.timedelta(minutes=15)) -> HealthCheck:
    return HealthCheck(source, limits=HealthLimits(quiet=quiet))
