"""Deadman: alert when events that should keep coming stop, for a whole window.

Each check is a query and a window; with `per` and `expected` it is checked for
every expected value of that field (each log source, each host) and raises one
alert per silent one. Scheduled only: the absence of events cannot be seen one
event at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mozdef.alerts.detections.forms import EVENTS, draft
from mozdef.alerts.detections.meta import span_text
from mozdef.alerts.model import AlertDraft, Severity
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.errors import ConfigError, MozDefError
from mozdef.query.lucene import parse
from mozdef.query.tree import Node, Term, and_
from mozdef.store.base import EventStore, SearchRequest

RULE_ID = "deadman"


@dataclass(frozen=True)
class DeadmanCheck:
    description: str
    query: Node
    window: dt.timedelta = dt.timedelta(minutes=20)
    per: str | None = None
    expected: tuple[str, ...] = ()

    @classmethod
    def parse(cls, entry: Mapping[str, Any], *, where: str) -> DeadmanCheck:
        """From `{description, query (Lucene), window (seconds), per, expected}`."""
        try:
            query = parse(str(entry["query"]))
        except (KeyError, MozDefError) as error:
            raise ConfigError(f"{where}.query", entry.get("query"), "a Lucene query") from error
        return cls(
            description=str(entry.get("description", entry["query"])),
            query=query,
            window=dt.timedelta(seconds=float(entry.get("window", 1200))),
            per=entry.get("per"),
            expected=tuple(entry.get("expected", ())),
        )


class Deadman:
    def __init__(
        self,
        checks: Sequence[DeadmanCheck],
        *,
        severity: Severity = "ERROR",
        interval: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        self.checks = tuple(checks)
        longest = max((check.window for check in checks), default=dt.timedelta(minutes=20))
        self.meta = RuleMeta(
            id=RULE_ID,
            name="Deadman",
            form="builtin",
            severity=severity,
            category="deadman",
            tags=("deadman",),
            schedule=Schedule(interval=interval, lookback=longest),
        )

    def run(self, store: EventStore, *, now: dt.datetime) -> list[AlertDraft]:
        return [found for check in self.checks for found in self._check(store, check, now)]

    def _check(self, store: EventStore, check: DeadmanCheck, now: dt.datetime) -> list[AlertDraft]:
        span = span_text(check.window)
        if check.per is None or not check.expected:
            if _count(store, check.query, check.window, now):
                return []
            summary = f"Deadman check failed for '{check.description}' the past {span}"
            return [draft(self.meta, summary, dedup=check.description)]
        silent = [
            value
            for value in check.expected
            if not _count(store, and_(check.query, Term(check.per, value)), check.window, now)
        ]
        return [
            draft(
                self.meta,
                f"No events from {value} for '{check.description}' the past {span}",
                dedup=f"{check.description}:{value}",
                details={check.per.rsplit(".", 1)[-1]: value},
            )
            for value in silent
        ]


def _count(store: EventStore, query: Node, window: dt.timedelta, now: dt.datetime) -> int:
    return store.count(SearchRequest(query=query, start=now - window, end=now, index=EVENTS))


def rule(*, checks: Sequence[Mapping[str, Any]] = ()) -> Deadman:
    where = f"detections.{RULE_ID}.checks"
    return Deadman(
        [DeadmanCheck.parse(entry, where=f"{where}.{n}") for n, entry in enumerate(checks)]
    )
