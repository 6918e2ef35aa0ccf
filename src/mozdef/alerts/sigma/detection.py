"""A plain Sigma detection as a rule that runs both ways.

Streaming, each matching event raises one draft (count 1); scheduled, one search of
the look-back window raises one draft counting every match, with the first
MAX_SAMPLES events as samples. Both carry the rule id as dedup key, so that once the
alert engine merges drafts by dedup key, the same events give the same count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mozdef.alerts.model import MAX_SAMPLES, AlertDraft
from mozdef.alerts.rule import IndexKeys, RuleMeta, Schedule
from mozdef.alerts.sigma.drafts import draft, hit_sample, sample
from mozdef.alerts.streaming.keys import index_keys
from mozdef.alerts.streaming.predicate import compile_predicate
from mozdef.events.schema import Event
from mozdef.query.tree import Node
from mozdef.store.base import EventStore, SearchRequest

DEFAULT_LOOKBACK = dt.timedelta(minutes=5)


class SigmaDetectionRule:
    """Implements StreamingRule and ScheduledRule."""

    def __init__(self, meta: RuleMeta, query: Node) -> None:
        self.meta = meta
        self.query = query
        self._keys = index_keys(query)
        self._predicate = compile_predicate(query)

    def __repr__(self) -> str:
        return f"SigmaDetectionRule({self.meta.id!r}, {self.meta.name!r})"

    @property
    def lookback(self) -> dt.timedelta:
        schedule = self.meta.schedule
        return schedule.lookback if schedule is not None else DEFAULT_LOOKBACK

    def keys(self) -> IndexKeys:
        return self._keys

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        if not self._predicate(event, now):
            return ()
        return (draft(self.meta, [sample(event)], count=1, summary=self.meta.name),)

    def run(self, store: EventStore, *, now: dt.datetime) -> Sequence[AlertDraft]:
        request = SearchRequest(
            query=self.query,
            start=now - self.lookback,
            end=now,
            size=MAX_SAMPLES,
            sort=(("utctimestamp", "asc"),),
        )
        result = store.search(request)
        if result.total == 0:
            return ()
        samples = [hit_sample(hit) for hit in result.hits]
        return (draft(self.meta, samples, count=result.total, summary=self.meta.name),)


def detection_schedule(lookback: dt.timedelta) -> Schedule:
    """Run every `lookback` over the last `lookback`: windows that tile without overlap."""
    return Schedule(interval=lookback, lookback=lookback)
