"""The scheduled path of Sigma correlations: aggregations over the look-back window,
then a replay of the groups that pass.

One search of the base rules' union, with nested terms aggregations on the group-by
fields (and a cardinality of the value field for value_count), gives each group's
event count and distinct values; temporal correlations add one such search per base
rule to see which bases each group matched. Every measure only grows as events are
added, so a group whose whole window fails the condition raises nothing, and only
the groups that pass are read. Their events are replayed, in time order, through the
same windows as the streaming path, which decides the alerts and their counts: the
newest `max_events` of a group, as a streaming window would keep.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.sigma.correlation_spec import CorrelationSpec, key_text
from mozdef.alerts.streaming.window import GroupKey, GroupWindows
from mozdef.query.tree import Node, Term, and_, or_
from mozdef.store.base import EventStore, SearchRequest

if TYPE_CHECKING:
    from mozdef.alerts.sigma.correlation import SigmaCorrelation

# Group key -> (events, distinct values of the value field).
Groups = dict[GroupKey, tuple[int, int]]
Span = tuple[dt.datetime, dt.datetime]
_TEMPORAL = ("temporal", "temporal_ordered")


def run_correlation(
    rule: SigmaCorrelation, store: EventStore, *, now: dt.datetime
) -> list[AlertDraft]:
    spec = rule.spec
    span = (now - spec.timespan, now)
    size = rule.limits.max_groups
    groups = _groups(store, or_(*spec.bases), spec, span, size)
    matched_bases: Counter[GroupKey] = Counter()
    if spec.kind in _TEMPORAL:
        for base in spec.bases:
            matched_bases.update(_groups(store, base, spec, span, size).keys())
    drafts: list[AlertDraft] = []
    for key, (count, distinct) in groups.items():
        measured = {"event_count": count, "value_count": distinct}.get(spec.kind)
        if spec.passes(matched_bases[key] if measured is None else measured):
            drafts.extend(_replay(rule, store, key, span, now=now))
    return drafts


def _groups(store: EventStore, query: Node, spec: CorrelationSpec, span: Span, size: int) -> Groups:
    leaf: dict[str, Any] = {}
    if spec.kind == "value_count" and spec.value_field:
        leaf = {"distinct": {"cardinality": {"field": spec.value_field}}}
    aggs = _nested_terms(spec.group_by, leaf, size)
    start, end = span
    request = SearchRequest(query=query, start=start, end=end, size=0, aggs=aggs or None)
    result = store.search(request)
    if not spec.group_by:
        return {(): (result.total, _distinct(result.aggregations))} if result.total else {}
    return dict(_walk(result.aggregations, len(spec.group_by), ()))


def _nested_terms(fields: tuple[str, ...], leaf: dict[str, Any], size: int) -> dict[str, Any]:
    aggs = leaf
    for depth in reversed(range(len(fields))):
        terms: dict[str, Any] = {"terms": {"field": fields[depth], "size": size}}
        aggs = {f"group{depth}": terms | ({"aggs": aggs} if aggs else {})}
    return aggs


def _walk(aggs: Mapping[str, Any], depth: int, prefix: GroupKey) -> Iterator[tuple[GroupKey, Any]]:
    for bucket in aggs[f"group{len(prefix)}"]["buckets"]:
        key = (*prefix, _bucket_text(bucket))
        if len(key) == depth:
            yield key, (int(bucket["doc_count"]), _distinct(bucket))
        else:
            yield from _walk(bucket, depth, key)


def _bucket_text(bucket: Mapping[str, Any]) -> str:
    # Booleans come back as 1/0 with their name in key_as_string.
    return str(bucket["key_as_string"]) if "key_as_string" in bucket else key_text(bucket["key"])


def _distinct(aggregations: Mapping[str, Any]) -> int:
    return int(aggregations.get("distinct", {}).get("value") or 0)


def _replay(
    rule: SigmaCorrelation, store: EventStore, key: GroupKey, span: Span, *, now: dt.datetime
) -> list[AlertDraft]:
    terms = [Term(field, value) for field, value in zip(rule.spec.group_by, key, strict=True)]
    start, end = span
    request = SearchRequest(
        query=and_(or_(*rule.spec.bases), *terms),
        start=start,
        end=end,
        size=rule.limits.max_events,
        sort=(("utctimestamp", "desc"),),
    )
    windows = GroupWindows(rule.spec.timespan, limits=rule.limits)
    drafts: list[AlertDraft] = []
    for hit in reversed(store.search(request).hits):
        matched = rule.matched_bases(hit.source, now)
        draft = rule.observe(windows, key, hit.source, matched, now=now) if matched else None
        drafts.extend([draft] if draft is not None else [])
    return drafts
