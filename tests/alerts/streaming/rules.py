"""Small streaming rules for the engine's tests: a query, keys read off it, and a count
of the times the engine asked the rule to match."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import IndexKeys, RuleMeta
from mozdef.alerts.streaming.keys import index_keys
from mozdef.events.schema import Event
from mozdef.query.lucene import parse
from mozdef.query.reference import matches
from mozdef.query.tree import Node

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)


class QueryRule:
    """Raises one draft per event matching `query`; counts its evaluations."""

    def __init__(self, rule_id: str, query: str | Node, *, keys: IndexKeys | None = None) -> None:
        self.meta = RuleMeta(id=rule_id, name=rule_id, form="python")
        self.query = parse(query) if isinstance(query, str) else query
        self._keys = index_keys(self.query) if keys is None else keys
        self.evaluated: list[str] = []

    def keys(self) -> IndexKeys:
        return self._keys

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        self.evaluated.append(str(event.get("id")))
        if not matches(self.query, event, now=now):
            return ()
        return (AlertDraft(self.meta.id, self.meta.id, "test", "INFO", dedup_key=event["id"]),)


class FailingRule(QueryRule):
    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        super().match(event, now=now)
        raise ValueError("broken rule")


class KeylessRule(QueryRule):
    def keys(self) -> IndexKeys:
        raise RuntimeError("cannot say its keys")


def event(event_id: str, category: str = "syslog", **details: object) -> Event:
    return {
        "id": event_id,
        "utctimestamp": "2024-05-15T11:59:00+00:00",
        "category": category,
        "hostname": "web1.example.com",
        "summary": "Failed password for admin from 10.1.2.3",
        "details": dict(details),
    }
