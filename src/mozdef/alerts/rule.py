"""What every rule form (Python AlertTask, YAML, Sigma, built-in) looks like to the engine.

A rule has metadata and one or both ways to run:
- scheduled: `run(store, now=...)` searches stored events in its look-back window;
- streaming: `match(event)` is called for each event in the pipeline, for events
  that the rule index offers it (see `StreamingRule.keys`).
The same definition must raise the same alerts both ways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mozdef.alerts.model import AlertDraft, Severity
from mozdef.events.schema import Event
from mozdef.store.base import EventStore


@dataclass(frozen=True)
class Schedule:
    """Every `interval`, or on `crontab` (five fields, UTC); `lookback` is the search window."""

    interval: dt.timedelta | None = None
    crontab: str | None = None
    lookback: dt.timedelta = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class RuleMeta:
    id: str
    name: str
    form: str  # "python", "yaml", "mozdef-json", "sigma", "builtin"
    severity: Severity = "NOTICE"
    category: str = ""
    tags: tuple[str, ...] = ()
    schedule: Schedule | None = None
    dedup_window: dt.timedelta = dt.timedelta(hours=1)
    enabled: bool = True
    path: Path | None = None
    line: int | None = None
    description: str = ""
    extra: dict[str, object] = field(default_factory=dict)


class ScheduledRule(Protocol):
    meta: RuleMeta

    def run(self, store: EventStore, *, now: dt.datetime) -> Sequence[AlertDraft]: ...


@dataclass(frozen=True)
class IndexKeys:
    """How the rule index finds this rule for an event without asking every rule:
    `categories` (empty: any), exact `equals` (field, value) pairs of which ALL must
    hold, and `contains` substrings (field, needle) of which at least one must occur
    (for Aho-Corasick). A rule with no keys is offered every event."""

    categories: frozenset[str] = frozenset()
    equals: tuple[tuple[str, str], ...] = ()
    contains: tuple[tuple[str, str], ...] = ()


class StreamingRule(Protocol):
    meta: RuleMeta

    def keys(self) -> IndexKeys: ...

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        """Alerts raised by this event (windowed rules keep bounded state)."""
        ...
