"""The answers of several daily indices to one aggregation request, as one answer.

Elasticsearch's answer shape throughout, with the in-memory store's values
(mozdef.store.aggregate) where both answer:
- terms keys keep their JSON type, as tantivy does: the number 22 and the string
  "22" are two buckets (and two values for cardinality); a boolean's key is 0 or 1
  with `key_as_string` "false" or "true"; a date's key is epoch milliseconds with
  `key_as_string`. An integral float (22.0) is the number 22: tantivy stores it so.
- terms order: `_count` (default, descending), `_key`, or a metric sub-aggregation
  (`{"avg_bytes": "desc"}`, `{"stats_bytes.max": "asc"}`); ties by key, numbers,
  booleans and dates before strings.
- histograms fill empty buckets between the first and last (and `extended_bounds`)
  when `min_doc_count` is 0, Elasticsearch's default for them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from mozdef.errors import QueryValueError
from mozdef.store.tantivy.aggs import ESTIMATE_SUFFIX, Agg, date_key, interval_micros
from mozdef.store.tantivy.schema import from_micros, micros

MAX_BUCKETS = 100_000
Answer = dict[str, Any]
Typed = tuple[str, Any]  # ("string" | "number" | "bool" | "date", value)
Ranked = tuple[Typed, Answer]


def merge(aggs: tuple[Agg, ...], answers: list[Answer]) -> Answer:
    """One answer for `aggs` from the answers (or sub-buckets) of several indices."""
    return {agg.name: _merge_one(agg, answers) for agg in aggs}


def _merge_one(agg: Agg, answers: list[Answer]) -> Answer:
    parts = [answer[agg.name] for answer in answers if agg.name in answer]
    if agg.kind == "terms":
        return _terms(agg, parts)
    if agg.kind in ("histogram", "date_histogram"):
        return _histogram(agg, parts)
    if agg.kind == "cardinality":
        estimates = [a[agg.name + ESTIMATE_SUFFIX] for a in answers if agg.name in a]
        return _cardinality(agg, parts, estimates)
    return _metric(agg, parts)


# Terms


def _terms(agg: Agg, parts: list[Answer]) -> Answer:
    groups: dict[Typed, list[Answer]] = {}
    for part in parts:
        for bucket in part["buckets"]:
            groups.setdefault(_typed_key(agg, bucket), []).append(bucket)
    ranked = [(key, _terms_bucket(agg, key, members)) for key, members in groups.items()]
    ranked.sort(key=functools.cmp_to_key(_comparator(agg)))
    minimum = agg.params.get("min_doc_count", 1)
    kept = [bucket for _, bucket in ranked if bucket["doc_count"] >= minimum]
    size = agg.params.get("size", 10)
    dropped = sum(bucket["doc_count"] for bucket in kept[size:])
    return {
        "doc_count_error_upper_bound": sum(p.get("doc_count_error_upper_bound", 0) for p in parts),
        "sum_other_doc_count": dropped + sum(p.get("sum_other_doc_count", 0) for p in parts),
        "buckets": kept[:size],
    }


def _typed_key(agg: Agg, bucket: Answer) -> Typed:
    """A bucket's key with its kind, so that 22 and "22", or true and 1, stay apart."""
    key = bucket["key"]
    if agg.is_date:
        return ("date", int(key))
    if isinstance(key, str):
        return ("string", key)
    if "key_as_string" in bucket:
        return ("bool", bucket["key_as_string"] == "true")
    return ("number", key)


def _terms_bucket(agg: Agg, key: Typed, members: list[Answer]) -> Answer:
    kind, value = key
    bucket: Answer = {"key": value}
    if kind == "date":
        bucket["key"], bucket["key_as_string"] = date_key(value)
    elif kind == "bool":
        bucket.update(key=int(value), key_as_string="true" if value else "false")
    bucket["doc_count"] = sum(member["doc_count"] for member in members)
    bucket.update(merge(agg.children, members))
    return bucket


def _comparator(agg: Agg) -> Callable[[Ranked, Ranked], int]:
    order = agg.params.get("order", {"_count": "desc"})
    steps = [item for entry in _as_list(order) for item in entry.items()]
    steps.append(("_key", "asc"))

    def compare(left: Ranked, right: Ranked) -> int:
        for path, direction in steps:
            a, b = _sort_value(left, path), _sort_value(right, path)
            if a != b:
                result = _compare_values(a, b)
                return -result if direction == "desc" else result
        return 0

    return compare


def _as_list(order: Any) -> list[dict[str, str]]:
    entries = order if isinstance(order, list) else [order]
    if not all(isinstance(entry, dict) for entry in entries):
        raise QueryValueError(repr(order), 'an order such as {"_count": "desc"}')
    return entries


def _sort_value(ranked: Ranked, path: str) -> Any:
    key, bucket = ranked
    if path == "_count":
        return bucket["doc_count"]
    if path in ("_key", "_term"):
        # Numbers, booleans and dates before strings, as the in-memory store orders them.
        return (1, key[1]) if key[0] == "string" else (0, float(key[1]))
    name, _, stat = path.partition(".")
    metric = bucket.get(name)
    if not isinstance(metric, dict):
        raise QueryValueError(path, "an order on _count, _key or a metric sub-aggregation")
    return metric.get(stat or "value")


def _compare_values(a: Any, b: Any) -> int:
    if a is None or b is None:
        return 1 if a is None else -1
    return -1 if a < b else 1


# Histograms


def _histogram(agg: Agg, parts: list[Answer]) -> Answer:
    groups: dict[float, list[Answer]] = {}
    rolled = agg.rollup is not None
    for part in parts:
        for bucket in part["buckets"]:
            key = _bucket_start(agg, bucket["key"]) if rolled else bucket["key"]
            groups.setdefault(key, []).append(bucket)
    if agg.params.get("min_doc_count", 0) == 0:
        for key in _gap_keys(agg, list(groups)):
            groups.setdefault(key, [])
    minimum = agg.params.get("min_doc_count", 0)
    buckets = [_histogram_bucket(agg, key, groups[key]) for key in sorted(groups)]
    return {"buckets": [bucket for bucket in buckets if bucket["doc_count"] >= minimum]}


def _histogram_bucket(agg: Agg, key: float, members: list[Answer]) -> Answer:
    count = members[0]["doc_count"] if len(members) == 1 else sum(m["doc_count"] for m in members)
    if agg.kind == "date_histogram":
        millis, text = date_key(key)
        bucket: Answer = {"key": millis, "key_as_string": text, "doc_count": count}
    else:
        bucket = {"key": key, "doc_count": count}
    if agg.children:
        bucket.update(merge(agg.children, members))
    return bucket


def _bucket_start(agg: Agg, key: float) -> float:
    if agg.rollup is None:
        return key
    return float(micros(_calendar_floor(from_micros(int(key)), agg.rollup)))


def _calendar_floor(moment: dt.datetime, unit: str) -> dt.datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "w":
        return day - dt.timedelta(days=day.weekday())
    if unit == "M":
        return day.replace(day=1)
    if unit == "q":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _gap_keys(agg: Agg, keys: list[float]) -> list[float]:
    bounds = agg.params.get("extended_bounds") or {}
    ends = [*keys, *(_bound_key(agg, bounds[side]) for side in ("min", "max") if side in bounds)]
    if not ends:
        return []
    first, last = min(ends), max(ends)
    step = _fixed_step(agg)
    if step is not None and (last - first) / step >= MAX_BUCKETS:
        raise QueryValueError(agg.name, f"a histogram of at most {MAX_BUCKETS} buckets")
    if step is not None:
        return [first + n * step for n in range(round((last - first) / step) + 1)]
    filled: list[float] = []
    key = first
    while key <= last:
        filled.append(key)
        key = _next_key(agg, key)
    return filled


def _fixed_step(agg: Agg) -> float | None:
    """The width of every bucket, or None for calendar units of varying length."""
    if agg.kind == "histogram":
        return float(agg.params["interval"])
    return None if agg.rollup is not None else float(interval_micros(agg))


def _bound_key(agg: Agg, bound: Any) -> float:
    if not isinstance(bound, int | float) or isinstance(bound, bool):
        raise QueryValueError(repr(bound), f"a number as a bound of {agg.name}'s extended_bounds")
    if agg.kind == "histogram":
        interval = float(agg.params["interval"])
        offset = float(agg.params.get("offset", 0))
        return (float(bound) - offset) // interval * interval + offset
    value = float(bound) * 1000  # extended_bounds of a date histogram are epoch ms
    return _bucket_start(agg, value // interval_micros(agg) * interval_micros(agg))


def _next_key(agg: Agg, key: float) -> float:
    if agg.kind == "histogram":
        return key + float(agg.params["interval"])
    if agg.rollup is None:
        return key + interval_micros(agg)
    moment = from_micros(int(key))
    months = {"w": 0, "M": 1, "q": 3, "y": 12}[agg.rollup]
    if months == 0:
        return float(micros(moment + dt.timedelta(days=7)))
    month_index = moment.month - 1 + months
    following = moment.replace(year=moment.year + month_index // 12, month=month_index % 12 + 1)
    return float(micros(following))


# Metrics


def _cardinality(agg: Agg, parts: list[Answer], estimates: list[Answer]) -> Answer:
    union = {_typed_key(agg, bucket) for part in parts for bucket in part["buckets"]}
    if not any(part.get("sum_other_doc_count", 0) for part in parts):
        return {"value": len(union)}
    estimate = max((int(e.get("value") or 0) for e in estimates), default=0)
    return {"value": max(len(union), estimate)}


def _metric(agg: Agg, parts: list[Answer]) -> Answer:
    count = sum(int(part.get("count", 0)) for part in parts)
    total = sum(float(part.get("sum") or 0.0) for part in parts)
    lows = [part["min"] for part in parts if part.get("min") is not None]
    highs = [part["max"] for part in parts if part.get("max") is not None]
    stats: dict[str, Any] = {
        "count": count,
        "min": min(lows) if lows else None,
        "max": max(highs) if highs else None,
        "avg": total / count if count else None,
        "sum": total,
    }
    if agg.is_date:
        stats = {key: _millis(value) if key != "count" else value for key, value in stats.items()}
    if agg.kind == "stats":
        return stats
    if agg.kind == "value_count":
        return {"value": count}
    answer: Answer = {"value": stats[agg.kind]}
    if agg.is_date and answer["value"] is not None and agg.kind in ("min", "max"):
        answer["value_as_string"] = date_key(answer["value"] * 1000)[1]
    return answer


def _millis(value: float | None) -> float | None:
    return None if value is None else value / 1000
