"""Declarative rules in YAML: a Lucene query, optionally counted per value, on a schedule.

    id: ssh-bruteforce               # default: the file's stem (required with several rules)
    name: SSH brute force
    query: 'details.program:sshd AND summary:"failed password"'
    aggregate:                       # optional: one alert per value seen `threshold` times
      field: details.sourceipaddress
      threshold: 10
    window: 5m                       # look-back of each run (default 5m)
    schedule: 5m                     # an interval or a crontab (default: the window)
    severity: WARNING                # INFO NOTICE WARNING ERROR CRITICAL (default NOTICE)
    category: bruteforce
    tags: [ssh]
    summary: '{count} failed logins from {value} on {hostname}'
    dedup_window: 1h                 # an open alert absorbs repeats this long (default 1h)
    samples: 10                      # events kept as samples (default 10)
    url: https://wiki.example.com/ssh-bruteforce
    channel: '#security'             # optional; notify: true/false overrides MozDef's rule
    mode: scheduled                  # or streaming (rules without aggregate only)
    enabled: true

`type: deadman` makes the rule fire when the query finds nothing (see deadman.py).
Summary placeholders: `{count}`, `{value}`, `{field}`, `{window}`, `{rule}`, `{name}`,
and any event field of the first sample (`{hostname}`, `{details.sourceipaddress}`).

A rule without `aggregate` raises one alert per run with the exact number of matching
events, or, in streaming mode, one draft per matching event; both have an empty dedup
key, so the engine folds them into one open alert per rule and window either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import IndexKeys, RuleMeta
from mozdef.alerts.rules import searching
from mozdef.alerts.rules.deadman import DEADMAN_KEYS, DeadmanRule, build_deadman
from mozdef.alerts.rules.declared import (
    COMMON_KEYS,
    lookback_of,
    presentation,
    rule_id,
    rule_meta,
)
from mozdef.alerts.rules.drafting import Presentation, draft, sample_of_event, sample_of_hit
from mozdef.alerts.rules.fields import RuleFields
from mozdef.alerts.rules.timing import describe
from mozdef.alerts.streaming.keys import index_keys
from mozdef.events.schema import Event
from mozdef.query.lucene import parse
from mozdef.query.reference import matches
from mozdef.query.tree import Node
from mozdef.store.base import EventStore


@dataclass(frozen=True)
class Aggregate:
    field: str
    threshold: int


class QueryRule:
    """Alerts on any event matching the query: scheduled, and streaming too."""

    def __init__(self, meta: RuleMeta, node: Node, shown: Presentation) -> None:
        self.meta = meta
        self.node = node
        self.shown = shown

    def run(
        self, store: EventStore, *, now: dt.datetime, lookback: dt.timedelta | None = None
    ) -> Sequence[AlertDraft]:
        window = searching.Window.ending(now, lookback or lookback_of(self.meta))
        total, found = searching.hits(store, self.node, window, size=self.shown.samples)
        if total == 0:
            return []
        samples = [sample_of_hit(hit) for hit in found]
        given = {"value": "", "field": "", "window": describe(window.end - window.start)}
        return [
            draft(self.meta, self.shown, samples=samples, count=total, dedup_key="", given=given)
        ]

    def keys(self) -> IndexKeys:
        return index_keys(self.node)

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        if not matches(self.node, event, now=now):
            return []
        given = {"value": "", "field": "", "window": ""}
        sample = [sample_of_event(event)]
        return [draft(self.meta, self.shown, samples=sample, count=1, dedup_key="", given=given)]


class AggregateRule:
    """One alert per value of a field seen at least `threshold` times in the window."""

    def __init__(self, meta: RuleMeta, node: Node, shown: Presentation, by: Aggregate) -> None:
        self.meta = meta
        self.node = node
        self.shown = shown
        self.by = by

    def run(
        self, store: EventStore, *, now: dt.datetime, lookback: dt.timedelta | None = None
    ) -> Sequence[AlertDraft]:
        window = searching.Window.ending(now, lookback or lookback_of(self.meta))
        found = searching.buckets(store, self.node, self.by.field, window, rule=self.meta.id)
        return [
            self._draft(store, bucket, window)
            for bucket in found
            if bucket.count >= self.by.threshold
        ]

    def _draft(
        self, store: EventStore, bucket: searching.Bucket, window: searching.Window
    ) -> AlertDraft:
        size = self.shown.samples
        hits = searching.bucket_hits(store, self.node, self.by.field, bucket, window, size=size)
        given = {
            "value": bucket.value,
            "field": self.by.field,
            "window": describe(window.end - window.start),
        }
        samples = [sample_of_hit(hit) for hit in hits]
        return draft(
            self.meta,
            self.shown,
            samples=samples,
            count=bucket.count,
            dedup_key=bucket.text,
            given=given,
        )


def build_yaml_rule(
    fields: RuleFields, *, default_id: str | None, line: int
) -> QueryRule | AggregateRule | DeadmanRule:
    """The rule that one YAML mapping defines; RuleError names the offending key."""
    kind = fields.text("type", "match")
    extra = {"match": ("aggregate",), "deadman": DEADMAN_KEYS}.get(kind)
    if extra is None:
        raise fields.error("type", f"type must be match or deadman, found {kind!r}")
    fields.rule_id = rule_id(fields, default_id)
    fields.check_keys((*COMMON_KEYS, *extra))
    meta = rule_meta(
        fields, line=line, form="yaml", category=kind if kind == "deadman" else "generic"
    )
    node = fields.parsed("query", parse)
    if kind == "deadman":
        return build_deadman(fields, meta, node)
    by = _aggregate(fields)
    shown = presentation(fields, _default_summary(by))
    if by is None:
        return QueryRule(meta, node, shown)
    if meta.schedule is None:
        raise fields.error(
            "mode", "a rule with aggregate runs on a schedule: remove mode: streaming"
        )
    return AggregateRule(meta, node, shown, by)


def _aggregate(fields: RuleFields) -> Aggregate | None:
    section = fields.section("aggregate")
    if section is None:
        return None
    section.check_keys(("field", "threshold"))
    return Aggregate(field=section.text("field"), threshold=section.integer("threshold", 1))


def _default_summary(by: Aggregate | None) -> str:
    if by is None:
        return "{name}: {count} matching events"
    return "{name}: {count} events with {field} {value}"
