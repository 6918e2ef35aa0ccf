"""Deadman rules: an alert when a query finds NO events in its window.

Two forms:
- whole: nothing matched in the window raises one alert (empty dedup key), as
  MozDef's generic deadman did;
- per value (`group_by: hostname`): each expected value without a matching event in
  the window raises its own alert (the value is the dedup key). The expected values
  are either listed (`expected: [web1, web2]`) or learned: those seen in the
  `baseline` just before the window (`baseline: 1d`: the day before it). A learned
  set needs no upkeep but forgets a source that has been silent longer than the
  baseline; a listed set never forgets, but must be edited as sources come and go.

    id: web-logs-deadman
    type: deadman
    query: 'category:apache'
    window: 1h
    group_by: hostname
    baseline: 1d
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import RuleMeta
from mozdef.alerts.rules import searching
from mozdef.alerts.rules.declared import lookback_of, presentation
from mozdef.alerts.rules.drafting import Presentation, draft
from mozdef.alerts.rules.fields import RuleFields
from mozdef.alerts.rules.timing import describe
from mozdef.query.tree import Node
from mozdef.store.base import EventStore

DEADMAN_KEYS = ("group_by", "expected", "baseline")


class DeadmanRule:
    def __init__(
        self,
        meta: RuleMeta,
        node: Node,
        shown: Presentation,
        *,
        group_by: str | None = None,
        expected: tuple[str, ...] = (),
        baseline: dt.timedelta | None = None,
    ) -> None:
        self.meta = meta
        self.node = node
        self.shown = shown
        self.group_by = group_by
        self.expected = expected
        self.baseline = baseline

    def run(
        self, store: EventStore, *, now: dt.datetime, lookback: dt.timedelta | None = None
    ) -> Sequence[AlertDraft]:
        window = searching.Window.ending(now, lookback or lookback_of(self.meta))
        if self.group_by is None:
            if searching.count(store, self.node, window):
                return []
            return [self._draft(window, "")]
        seen = self._values(store, window)
        return [self._draft(window, value) for value in sorted(self._wanted(store, window) - seen)]

    def _wanted(self, store: EventStore, window: searching.Window) -> set[str]:
        if self.expected or self.baseline is None:
            return set(self.expected)
        before = searching.Window(window.start - self.baseline, window.start)
        return self._values(store, before)

    def _values(self, store: EventStore, window: searching.Window) -> set[str]:
        assert self.group_by is not None
        found = searching.buckets(store, self.node, self.group_by, window, rule=self.meta.id)
        return {bucket.text for bucket in found}

    def _draft(self, window: searching.Window, value: str) -> AlertDraft:
        given = {
            "value": value,
            "field": self.group_by or "",
            "window": describe(window.end - window.start),
        }
        return draft(self.meta, self.shown, samples=[], count=1, dedup_key=value, given=given)


def build_deadman(fields: RuleFields, meta: RuleMeta, node: Node) -> DeadmanRule:
    """The deadman rule of a YAML mapping whose `type` is deadman."""
    if meta.schedule is None:
        raise fields.error("mode", "a deadman rule runs on a schedule: remove mode: streaming")
    group_by = fields.optional_text("group_by")
    expected = fields.strings("expected")
    baseline = fields.duration("baseline", dt.timedelta()) or None
    if group_by is None and (expected or baseline):
        key = "expected" if expected else "baseline"
        raise fields.error(key, f"{key} needs group_by: the field whose values must be seen")
    if group_by is not None and bool(expected) == bool(baseline):
        raise fields.error("group_by", "group_by needs either expected (a list) or baseline")
    default = "{name}: no events for {window}"
    if group_by is not None:
        default = "{name}: no events with {field} {value} for {window}"
    shown = presentation(fields, default)
    return DeadmanRule(meta, node, shown, group_by=group_by, expected=expected, baseline=baseline)
