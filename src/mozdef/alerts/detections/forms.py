"""The two shapes most built-in detections take, each runnable both ways.

- `EventDetection`: one alert per matching event (CloudTrail logging stopped,
  promiscuous mode, a watch-list hit).
- `GroupDetection`: matching events grouped by one field; a group with at least
  `threshold` events in the window raises one alert (SSH brute force per source
  address, writes to audited paths per user).

Scheduled (`run`), a detection searches the last `window` of stored events: counts
are exact (the store's terms aggregation), and each alert keeps up to `samples`
events. Streaming (`match`), a GroupDetection counts per group in event time and
raises when a group reaches the threshold, then starts that group afresh: a burst of
N events raises N // threshold drafts with the same dedup key, which the engine
merges into one alert, where a scheduled run raises one draft counting all N.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.rule import IndexKeys, RuleMeta
from mozdef.alerts.streaming.keys import index_keys
from mozdef.alerts.streaming.predicate import compile_predicate
from mozdef.alerts.streaming.window import GroupWindows, WindowLimits
from mozdef.events.schema import Event
from mozdef.query.datemath import parse_instant
from mozdef.query.reference import values_at
from mozdef.query.tree import Node, Term, and_
from mozdef.store import naming
from mozdef.store.base import EventStore, Hit, SearchRequest, SortOrder

EVENTS = "events-*"


@dataclass(frozen=True)
class Group:
    """One group's share of the window: its value, exact count, samples, and for each
    field asked for in `top`, its most frequent values with their counts."""

    value: str
    count: int
    samples: tuple[EventSample, ...]
    top: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    def most(self, path: str) -> tuple[tuple[str, int], ...]:
        return self.top.get(path, ())

    def distinct(self, path: str) -> list[str]:
        return sorted(value for value, _ in self.most(path))


class EventDetection:
    def __init__(
        self,
        meta: RuleMeta,
        query: Node,
        *,
        window: dt.timedelta,
        describe: Callable[[Event], str],
        dedup_field: str | None = None,
        details: Sequence[str] = (),
        limit: int = 1000,
    ) -> None:
        self.meta = meta
        self.query = query
        self.window = window
        self.describe = describe
        self.dedup_field = dedup_field
        self.details = tuple(details)
        self.limit = limit
        self._predicate = compile_predicate(query)

    def run(self, store: EventStore, *, now: dt.datetime) -> list[AlertDraft]:
        request = window_request(self.query, now, self.window, size=self.limit, order="asc")
        return [self._draft(hit.source, sample(hit)) for hit in store.search(request).hits]

    def keys(self) -> IndexKeys:
        return index_keys(self.query)

    def match(self, event: Event, *, now: dt.datetime) -> list[AlertDraft]:
        if not self._predicate(event, now):
            return []
        return [self._draft(event, streamed_sample(event, now))]

    def _draft(self, event: Event, evidence: EventSample) -> AlertDraft:
        key = first_text(event, self.dedup_field) if self.dedup_field else evidence.id
        return draft(
            self.meta,
            self.describe(event),
            samples=(evidence,),
            dedup=key,
            details={path.rsplit(".", 1)[-1]: first_text(event, path) for path in self.details},
        )


class GroupDetection:
    def __init__(
        self,
        meta: RuleMeta,
        query: Node,
        *,
        field: str,
        threshold: int,
        window: dt.timedelta,
        describe: Callable[[Group], str],
        top: Mapping[str, int] | None = None,
        samples: int = 10,
        max_groups: int = 10_000,
    ) -> None:
        self.meta = meta
        self.query = query
        self.field = field
        self.threshold = threshold
        self.window = window
        self.describe = describe
        self.top = dict(top or {})
        self.samples = samples
        self.max_groups = max_groups
        self._predicate = compile_predicate(query)
        limits = WindowLimits(max_groups=max_groups, max_events=max(threshold, 1))
        self._windows = GroupWindows(window, limits=limits)

    def run(self, store: EventStore, *, now: dt.datetime) -> list[AlertDraft]:
        aggs = {"groups": {"terms": self._terms(), "aggs": self._top_aggs()}}
        request = window_request(self.query, now, self.window, size=0, aggs=aggs)
        buckets = store.search(request).aggregations["groups"]["buckets"]
        return [self._draft(self._stored_group(store, bucket, now)) for bucket in buckets]

    def keys(self) -> IndexKeys:
        return index_keys(self.query)

    def match(self, event: Event, *, now: dt.datetime) -> list[AlertDraft]:
        if not self._predicate(event, now):
            return []
        at = event_time(event) or now
        drafts = []
        for value in dict.fromkeys(texts(values_at(event, self.field))):
            window = self._windows.add((value,), at, event, ())
            if len(window) >= self.threshold:
                events = [entry.event for entry in window]
                drafts.append(self._draft(self._streamed_group(value, events, now)))
                self._windows.clear((value,))
        return drafts

    def _terms(self) -> dict[str, Any]:
        return {"field": self.field, "size": self.max_groups, "min_doc_count": self.threshold}

    def _top_aggs(self) -> dict[str, Any]:
        return {path: {"terms": {"field": path, "size": size}} for path, size in self.top.items()}

    def _stored_group(
        self, store: EventStore, bucket: Mapping[str, Any], now: dt.datetime
    ) -> Group:
        value = text(bucket["key"])
        query = and_(self.query, Term(self.field, value))
        hits = store.search(window_request(query, now, self.window, size=self.samples)).hits
        top = {
            path: tuple((text(b["key"]), int(b["doc_count"])) for b in bucket[path]["buckets"])
            for path in self.top
        }
        return Group(value, int(bucket["doc_count"]), tuple(map(sample, hits)), top)

    def _streamed_group(self, value: str, events: list[Event], now: dt.datetime) -> Group:
        top = {path: most_common(events, path, size) for path, size in self.top.items()}
        newest = events[::-1][: self.samples]
        samples = tuple(streamed_sample(event, now) for event in newest)
        return Group(value, len(events), samples, top)

    def _draft(self, group: Group) -> AlertDraft:
        name = self.field.rsplit(".", 1)[-1]
        return draft(
            self.meta,
            self.describe(group),
            samples=group.samples,
            count=group.count,
            dedup=group.value,
            details={name: group.value},
        )


def draft(
    meta: RuleMeta,
    summary: str,
    *,
    samples: tuple[EventSample, ...] = (),
    count: int = 1,
    dedup: str = "",
    details: Mapping[str, Any] | None = None,
) -> AlertDraft:
    """A draft of `meta`'s rule; its dedup key is the rule id and `dedup`."""
    return AlertDraft(
        rule_id=meta.id,
        summary=summary,
        category=meta.category,
        severity=meta.severity,
        tags=meta.tags,
        events=samples,
        count=max(count, 1),
        dedup_key=f"{meta.id}:{dedup}" if dedup else meta.id,
        details=dict(details or {}),
    )


def window_request(
    query: Node,
    now: dt.datetime,
    window: dt.timedelta,
    *,
    size: int,
    aggs: dict[str, Any] | None = None,
    order: SortOrder = "desc",
) -> SearchRequest:
    """Events matching `query` whose utctimestamp lies in `[now - window, now)`."""
    return SearchRequest(
        query=query,
        start=now - window,
        end=now,
        index=EVENTS,
        size=size,
        aggs=aggs,
        sort=(("utctimestamp", order),),
    )


def sample(hit: Hit) -> EventSample:
    return EventSample(hit.id, hit.index, hit.source)


def streamed_sample(event: Event, now: dt.datetime) -> EventSample:
    index = naming.index_name("events", event_time(event) or now)
    return EventSample(str(event.get("id", "")), index, event)


def event_time(event: Event) -> dt.datetime | None:
    stamp = event.get("utctimestamp")
    return parse_instant(stamp) if isinstance(stamp, str) else None


def most_common(events: Iterable[Event], path: str, size: int) -> tuple[tuple[str, int], ...]:
    """The `size` most frequent values at `path`, ties broken by value as the stores do."""
    counts = Counter(value for event in events for value in set(texts(values_at(event, path))))
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ordered[:size])


def first_text(event: Mapping[str, Any], path: str | None) -> str:
    found = texts(values_at(event, path)) if path else []
    return found[0] if found else ""


def texts(values: Iterable[Any]) -> list[str]:
    return [text(value) for value in values]


def text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
