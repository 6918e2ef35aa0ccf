"""Elasticsearch aggregations computed in plain Python over a list of events.

The in-memory store answers with these, in Elasticsearch's response shape, so the same
request JSON gives the same answer as on the engines:

- `terms` (`field`, `size` default 10, `min_doc_count` default 1, sub-aggregations
  under `aggs`): buckets by document count, then by key; a document counts once per
  distinct value. Keys are the stored values; on a date field, epoch milliseconds with
  `key_as_string`.
- `date_histogram` (`field`, `fixed_interval` in ms s m h d, `min_doc_count` default 0):
  UTC buckets from the first to the last, empty ones included, with sub-aggregations.
- `cardinality`, `min`, `max`, `avg`, `sum` on numbers (booleans left out); min and max
  of a date field are epoch milliseconds with `value_as_string`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mozdef.errors import QueryValueError
from mozdef.query.datemath import parse_instant
from mozdef.query.reference import field_kind, values_at

Events = Sequence[Mapping[str, Any]]
_INTERVAL = re.compile(r"(\d+)(ms|s|m|h|d)")
_INTERVAL_MILLIS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def aggregate(request: Mapping[str, Any], events: Events) -> dict[str, Any]:
    """The `aggregations` part of a response to the aggregation JSON `request`."""
    return {name: _one(name, spec, events) for name, spec in request.items()}


def _one(name: str, spec: Mapping[str, Any], events: Events) -> dict[str, Any]:
    kinds = [key for key in spec if key not in ("aggs", "aggregations")]
    if len(kinds) != 1 or kinds[0] not in _KINDS:
        raise QueryValueError(name, f"one aggregation of {', '.join(sorted(_KINDS))}")
    body = spec[kinds[0]]
    subs = spec.get("aggs", spec.get("aggregations", {}))
    return _KINDS[kinds[0]](body, subs, events)


def _terms(body: Mapping[str, Any], subs: Mapping[str, Any], events: Events) -> dict[str, Any]:
    field = body["field"]
    groups: dict[tuple[str, Any], list[Mapping[str, Any]]] = {}
    for event in events:
        for key in _term_keys(event, field):
            groups.setdefault(key, []).append(event)
    minimum = int(body.get("min_doc_count", 1))
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), _key_order(item[0])))
    ordered = [(key, members) for key, members in ordered if len(members) >= minimum]
    size = int(body.get("size", 10))
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": sum(len(members) for _, members in ordered[size:]),
        "buckets": [_bucket(key, field, members, subs) for key, members in ordered[:size]],
    }


def _date_histogram(
    body: Mapping[str, Any], subs: Mapping[str, Any], events: Events
) -> dict[str, Any]:
    field = body["field"]
    step = _interval_millis(str(body.get("fixed_interval", "")))
    groups: dict[int, list[Mapping[str, Any]]] = {}
    for event in events:
        for millis in _distinct_millis(event, field):
            groups.setdefault(millis - millis % step, []).append(event)
    keys = range(min(groups), max(groups) + step, step) if groups else range(0)
    minimum = int(body.get("min_doc_count", 0))
    return {
        "buckets": [
            _date_bucket(key, groups.get(key, []), subs)
            for key in keys
            if len(groups.get(key, [])) >= minimum
        ]
    }


def _cardinality(body: Mapping[str, Any], _: Mapping[str, Any], events: Events) -> dict[str, Any]:
    field = body["field"]
    return {"value": len({key for event in events for key in _term_keys(event, field)})}


def _metric(
    reduce: Callable[[list[float]], float | None], *, dated: bool = False
) -> Callable[..., dict[str, Any]]:
    """A single-value metric; `dated` ones also write a date field's value as a time."""

    def compute(body: Mapping[str, Any], _: Mapping[str, Any], events: Events) -> dict[str, Any]:
        field = body["field"]
        value = reduce([number for event in events for number in _numbers(event, field)])
        if dated and value is not None and field_kind(field) == "date":
            return {"value": value, "value_as_string": _iso(int(value))}
        return {"value": value}

    return compute


def _bucket(
    key: tuple[str, Any], field: str, members: Events, subs: Mapping[str, Any]
) -> dict[str, Any]:
    kind, value = key
    bucket: dict[str, Any] = {"key": value, "doc_count": len(members)}
    if kind == "date":
        bucket["key_as_string"] = _iso(value)
    elif kind == "bool":
        bucket.update(key=int(value), key_as_string="true" if value else "false")
    return bucket | aggregate(subs, members)


def _date_bucket(key: int, members: Events, subs: Mapping[str, Any]) -> dict[str, Any]:
    bucket = {"key_as_string": _iso(key), "key": key, "doc_count": len(members)}
    return bucket | aggregate(subs, members)


def _term_keys(event: Mapping[str, Any], field: str) -> set[tuple[str, Any]]:
    keys = (_term_key(value, field) for value in values_at(event, field))
    return {key for key in keys if key is not None}


def _term_key(value: Any, field: str) -> tuple[str, Any] | None:
    """The value tagged with its kind, so that True and 1 stay two keys."""
    if field_kind(field) == "date":
        millis = _millis(value)
        return None if millis is None else ("date", millis)
    if isinstance(value, bool):
        return ("bool", value)
    return ("number", value) if isinstance(value, (int, float)) else ("string", str(value))


def _key_order(key: tuple[str, Any]) -> tuple[int, Any]:
    kind, value = key
    return (1, value) if kind == "string" else (0, float(value))


def _numbers(event: Mapping[str, Any], field: str) -> list[float]:
    if field_kind(field) == "date":
        return [float(millis) for millis in _distinct_millis(event, field)]
    return [
        float(value)
        for value in values_at(event, field)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    ]


def _distinct_millis(event: Mapping[str, Any], field: str) -> set[int]:
    found = (_millis(value) for value in values_at(event, field))
    return {millis for millis in found if millis is not None}


def _millis(value: Any) -> int | None:
    instant = parse_instant(value) if isinstance(value, str) else None
    if instant is None:
        return None
    return (instant - _EPOCH) // timedelta(milliseconds=1)


def _iso(millis: int) -> str:
    instant = _EPOCH + timedelta(milliseconds=millis)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def _interval_millis(text: str) -> int:
    match = _INTERVAL.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        raise QueryValueError(text, "a fixed_interval such as 30s, 1m, 1h or 1d")
    return int(match.group(1)) * _INTERVAL_MILLIS[match.group(2)]


_KINDS: dict[str, Callable[..., dict[str, Any]]] = {
    "terms": _terms,
    "date_histogram": _date_histogram,
    "cardinality": _cardinality,
    "min": _metric(lambda numbers: min(numbers) if numbers else None, dated=True),
    "max": _metric(lambda numbers: max(numbers) if numbers else None, dated=True),
    "avg": _metric(lambda numbers: sum(numbers) / len(numbers) if numbers else None),
    "sum": _metric(lambda numbers: float(sum(numbers))),
}
