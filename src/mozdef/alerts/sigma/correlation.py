"""Sigma correlation rules (event_count, value_count, temporal, temporal_ordered) as
rules that run both ways.

Events of the base rules are grouped by the `group-by` fields (an event lacking one
is not counted; a multi-valued field puts it in each of its groups). Within a group
and a `timespan`, the measure is:
- event_count: the events; value_count: the distinct values of the condition field;
- temporal: the distinct base rules matched;
- temporal_ordered: how many base rules, from the first, matched in order in time.
The condition holds when the measure is greater than (`gt`), or at least (`gte`),
the threshold; `lt`, `lte`, `eq` and `neq` need the end of a window, which a stream
does not see, and are refused when loading.

Streaming, each group keeps a bounded window (mozdef.alerts.streaming.window) of
the last `timespan` of event time; when the condition first holds, one draft counts
the window's events and the group starts afresh. Scheduled (see correlation_search),
aggregations over `[now - timespan, now)` find the groups whose events pass the
condition, and those groups' events are replayed through the same windows. So a
scheduled run raises what streaming raised from the same events, when streaming
started with no state at `now - timespan`; streaming state carried over from before
that (a window still filling) can make the two differ at the window's start.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Hashable, Sequence

from mozdef.alerts.model import MAX_SAMPLES, AlertDraft
from mozdef.alerts.rule import IndexKeys, RuleMeta
from mozdef.alerts.sigma.correlation_search import run_correlation
from mozdef.alerts.sigma.correlation_spec import CorrelationSpec, key_text, measure
from mozdef.alerts.sigma.drafts import draft, event_time, group_text, sample
from mozdef.alerts.streaming.fields import reader
from mozdef.alerts.streaming.keys import index_keys, union_keys
from mozdef.alerts.streaming.predicate import compile_predicate
from mozdef.alerts.streaming.window import GroupKey, GroupWindows, Window, WindowLimits
from mozdef.events.schema import Event
from mozdef.store.base import EventStore


class SigmaCorrelation:
    """Implements StreamingRule, ScheduledRule and Windowed."""

    def __init__(
        self, meta: RuleMeta, spec: CorrelationSpec, *, limits: WindowLimits | None = None
    ) -> None:
        self.meta = meta
        self.spec = spec
        self.limits = limits or WindowLimits()
        self._windows = GroupWindows(spec.timespan, limits=self.limits)
        self._predicates = [compile_predicate(base) for base in spec.bases]
        self._group_readers = [reader(field) for field in spec.group_by]
        self._value_reader = reader(spec.value_field) if spec.value_field else None
        self._keys = union_keys([index_keys(base) for base in spec.bases])

    def __repr__(self) -> str:
        return f"SigmaCorrelation({self.meta.id!r}, {self.spec.kind!r})"

    @property
    def evictions(self) -> int:
        return self._windows.evictions

    def keys(self) -> IndexKeys:
        return self._keys

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        matched = self.matched_bases(event, now)
        if not matched:
            return ()
        found = (
            self.observe(self._windows, key, event, matched, now=now)
            for key in self.group_keys(event)
        )
        return [draft for draft in found if draft is not None]

    def observe(
        self,
        windows: GroupWindows,
        key: GroupKey,
        event: Event,
        matched: tuple[int, ...],
        *,
        now: dt.datetime,
    ) -> AlertDraft | None:
        """Add the event to its group's window; the draft when the condition now holds
        (the group then starts afresh). The scheduled path replays events through this."""
        window = windows.add(key, event_time(event) or now, event, self.tags(event, matched))
        if not self.spec.passes(measure(self.spec, window)):
            return None
        draft = self.alert(key, window)
        windows.clear(key)
        return draft

    def run(self, store: EventStore, *, now: dt.datetime) -> Sequence[AlertDraft]:
        return run_correlation(self, store, now=now)

    def matched_bases(self, event: Event, now: dt.datetime) -> tuple[int, ...]:
        return tuple(n for n, predicate in enumerate(self._predicates) if predicate(event, now))

    def tags(self, event: Event, matched: tuple[int, ...]) -> tuple[Hashable, ...]:
        if self.spec.kind in ("temporal", "temporal_ordered"):
            return matched
        if self._value_reader is not None:
            return tuple(dict.fromkeys(key_text(v) for v in self._value_reader(event)))
        return ()

    def group_keys(self, event: Event) -> list[GroupKey]:
        values = [dict.fromkeys(key_text(v) for v in read(event)) for read in self._group_readers]
        return list(itertools.product(*values))

    def alert(self, key: GroupKey, window: Window) -> AlertDraft:
        """The draft for a group whose window passes the condition."""
        count, measured = len(window), measure(self.spec, window)
        group = group_text(self.spec.group_by, key)
        return draft(
            self.meta,
            [sample(entry.event) for entry in itertools.islice(window, MAX_SAMPLES)],
            count=count,
            summary=f"{self.meta.name}: {count} events" + (f" for {group}" if group else ""),
            group=(self.spec.group_by, key),
            details={"correlation": self.spec.kind, "measure": measured, "group": group},
        )
