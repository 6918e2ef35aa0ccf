"""Counts over time from the event store, in total and broken down by fields.

One search per answer, with no hits, whose aggregations are Elasticsearch JSON that
every store answers alike (mozdef.store.aggregate is the yardstick):

    over_time   date_histogram of utctimestamp, fixed_interval
    f0, f1 ...  terms of each field (size `top`), each with the same date_histogram

The date histogram under each term gives that term's exact count in every bucket.
The answer (what `/api/v1/metrics/events` and `/api/v1/metrics/alerts` send):

    {"start": "2026-12-01T00:00:00.000+00:00", "end": "...", "interval": "1h",
     "total": 120,                       # documents in [start, end)
     "times": ["2026-12-01T00:00:00.000+00:00", ...],   # bucket starts
     "counts": [4, 0, 7, ...],           # documents per bucket, aligned with times
     "breakdowns": {
       "category": {
         "top": [{"key": "authentication", "count": 80, "counts": [3, 0, 5, ...]}, ...],
         "other": 12}}}                  # documents whose value is not in top

`top` holds the `top` most frequent values, most frequent first (ties by value); a
document without the field is in neither `top` nor `other`. The first bucket starts at
or before `start` (buckets are aligned on whole multiples of the interval since the
epoch) but counts only documents from `start` on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mozdef.metrics.window import FixedInterval, Window, from_millis, iso
from mozdef.query.tree import MatchAll, Node
from mozdef.store.base import EventStore, SearchRequest
from mozdef.store.naming import ALERTS

EVENT_FIELDS = ("category", "source")
ALERT_FIELDS = ("rule_id", "severity", "category")
EVENTS_INDEX = "events-*"
TIME_FIELD = "utctimestamp"


@dataclass(frozen=True)
class SeriesRequest:
    index: str
    window: Window
    interval: FixedInterval
    fields: Sequence[str]
    top: int = 10
    query: Node = field(default_factory=MatchAll)


def event_series(
    store: EventStore,
    window: Window,
    interval: FixedInterval,
    *,
    top: int = 10,
    query: Node | None = None,
) -> dict[str, Any]:
    """Events per bucket, by category and by source."""
    request = SeriesRequest(EVENTS_INDEX, window, interval, EVENT_FIELDS, top, query or MatchAll())
    return series(store, request)


def alert_series(
    store: EventStore,
    window: Window,
    interval: FixedInterval,
    *,
    top: int = 10,
    query: Node | None = None,
) -> dict[str, Any]:
    """Alerts per bucket of their creation time, by rule, by severity and by category."""
    request = SeriesRequest(ALERTS, window, interval, ALERT_FIELDS, top, query or MatchAll())
    return series(store, request)


def series(store: EventStore, request: SeriesRequest) -> dict[str, Any]:
    """The answer described in the module docstring; raises the store's errors."""
    found = store.search(
        SearchRequest(
            query=request.query,
            start=request.window.start,
            end=request.window.end,
            index=request.index,
            size=0,
            aggs=_aggregations(request),
        )
    )
    starts = request.interval.bucket_starts(request.window)
    slots = {millis: position for position, millis in enumerate(starts)}
    aggregations = found.aggregations
    return {
        "start": iso(request.window.start),
        "end": iso(request.window.end),
        "interval": request.interval.text,
        "total": found.total,
        "times": [iso(from_millis(millis)) for millis in starts],
        "counts": _aligned(aggregations.get("over_time", {}), slots),
        "breakdowns": {
            name: _breakdown(aggregations.get(f"f{number}", {}), slots)
            for number, name in enumerate(request.fields)
        },
    }


def _aggregations(request: SeriesRequest) -> dict[str, Any]:
    histogram = {"date_histogram": {"field": TIME_FIELD, "fixed_interval": request.interval.text}}
    aggs: dict[str, Any] = {"over_time": histogram}
    for number, name in enumerate(request.fields):
        terms = {"field": name, "size": request.top}
        aggs[f"f{number}"] = {"terms": terms, "aggs": {"over_time": histogram}}
    return aggs


def _breakdown(terms: Mapping[str, Any], slots: Mapping[int, int]) -> dict[str, Any]:
    top = [
        {
            "key": bucket["key"],
            "count": bucket["doc_count"],
            "counts": _aligned(bucket.get("over_time", {}), slots),
        }
        for bucket in terms.get("buckets", [])
    ]
    return {"top": top, "other": int(terms.get("sum_other_doc_count", 0))}


def _aligned(histogram: Mapping[str, Any], slots: Mapping[int, int]) -> list[int]:
    """The histogram's counts in the order of `slots` (bucket start -> position); a
    bucket the window does not show is left out."""
    counts = [0] * len(slots)
    for bucket in histogram.get("buckets", []):
        position = slots.get(int(bucket["key"]))
        if position is not None:
            counts[position] = int(bucket["doc_count"])
    return counts
