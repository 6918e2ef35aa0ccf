"""Elasticsearch aggregation requests, checked and rewritten for one tantivy index.

Supported: terms, date_histogram, histogram, cardinality, min, max, avg, sum,
stats, value_count, each with nested `aggs`. `aggs_merge` combines the answers of
several daily indices into Elasticsearch's answer shape.

Rewrites, per index:
- fields: `summary` aggregates its whole value; a field outside the schema is
  read from `_extra`; the date fields are microsecond integers.
- date_histogram becomes a histogram in microseconds. `fixed_interval` (and the
  fixed calendar units minute, hour, day) bucket directly; calendar week, month,
  quarter and year are counted per day and rolled up when merging. Only UTC.
- min, max, avg, sum, value_count become `stats`, whose count and sum merge exactly.
- terms asks each index for `max(5 * size, 100)` keys (like Elasticsearch's shard
  size), so that keys spread over days still rank right; counts are exact for a
  key an index returns.
- cardinality lists up to CARDINALITY_LIMIT distinct values per index and counts
  their union: exact up to that many values per day. Past it, the answer is the
  larger of the union and tantivy's per-index estimate, a lower bound.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from mozdef.errors import QueryValueError
from mozdef.events.schema import DATE_FIELDS
from mozdef.store.tantivy.compile import target
from mozdef.store.tantivy.schema import SUMMARY, SUMMARY_RAW

CARDINALITY_LIMIT = 65_536
ESTIMATE_SUFFIX = "#estimate"
METRICS = frozenset({"min", "max", "avg", "sum", "stats", "value_count"})
BUCKETS = frozenset({"terms", "date_histogram", "histogram"})
KINDS = METRICS | BUCKETS | {"cardinality"}
DAY_MICROS = 86_400_000_000
ROLLUPS = {"week": "w", "1w": "w", "month": "M", "1M": "M", "quarter": "q", "1q": "q"}
ROLLUPS |= {"year": "y", "1y": "y"}

_UNITS = {"ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": DAY_MICROS}
_CALENDAR_FIXED = {"minute": "1m", "1m": "1m", "hour": "1h", "1h": "1h", "day": "1d", "1d": "1d"}
_INTERVAL = re.compile(r"(\d+)(ms|s|m|h|d)")
_UTC_ZONES = frozenset({"UTC", "Z", "+00:00", "Etc/UTC", "GMT"})
_TERMS_PASSED = ("include", "exclude", "missing")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Agg:
    """One aggregation of a request: `field` as the user wrote it."""

    name: str
    kind: str
    field: str
    params: dict[str, Any]
    children: tuple[Agg, ...]

    @property
    def is_date(self) -> bool:
        return self.field in DATE_FIELDS

    @property
    def rollup(self) -> str | None:
        """The calendar unit that day buckets roll up to, for a date_histogram."""
        return ROLLUPS.get(self.params.get("calendar_interval", ""))


def parse(request: dict[str, Any]) -> tuple[Agg, ...]:
    """The aggregations of an Elasticsearch `aggs` object; QueryValueError if unsupported."""
    if not isinstance(request, dict):
        raise QueryValueError(repr(request), "an object of named aggregations")
    return tuple(_parse_one(name, body) for name, body in request.items())


def _parse_one(name: str, body: Any) -> Agg:
    if not isinstance(body, dict):
        raise QueryValueError(name, "an aggregation object such as {'terms': {'field': ...}}")
    children = body.get("aggs") or body.get("aggregations") or {}
    kinds = [key for key in body if key not in ("aggs", "aggregations", "meta")]
    if len(kinds) != 1 or kinds[0] not in KINDS:
        expected = f"one aggregation type of {', '.join(sorted(KINDS))}"
        raise QueryValueError(f"{name}: {', '.join(kinds)}", expected)
    params = body[kinds[0]]
    if not isinstance(params, dict) or not isinstance(params.get("field"), str):
        raise QueryValueError(name, f"a {kinds[0]} aggregation with a field name")
    return Agg(name, kinds[0], params["field"], params, parse(children))


def to_tantivy(aggs: tuple[Agg, ...]) -> dict[str, Any]:
    """The request one tantivy index answers for `aggs`."""
    request: dict[str, Any] = {}
    for agg in aggs:
        body = _request_body(agg)
        if agg.children:
            body["aggs"] = to_tantivy(agg.children)
        request[agg.name] = body
        if agg.kind == "cardinality":
            request[agg.name + ESTIMATE_SUFFIX] = {"cardinality": {"field": field_of(agg)}}
    return request


def field_of(agg: Agg) -> str:
    """The tantivy field (or JSON path) that `agg.field` names."""
    if agg.field == SUMMARY:
        return SUMMARY_RAW
    return target(agg.field).name


def _request_body(agg: Agg) -> dict[str, Any]:
    field = field_of(agg)
    if agg.kind in METRICS:
        return {"stats": {"field": field}}
    if agg.kind == "cardinality":
        return {"terms": {"field": field, "size": CARDINALITY_LIMIT}}
    if agg.kind == "terms":
        return {"terms": _terms_params(agg, field)}
    if agg.kind == "histogram":
        return {"histogram": _histogram_params(agg, field)}
    return {"histogram": _date_histogram_params(agg, field)}


def _terms_params(agg: Agg, field: str) -> dict[str, Any]:
    size = _positive_int(agg, "size", 10)
    params: dict[str, Any] = {"field": field, "size": max(5 * size, 100)}
    params.update({key: agg.params[key] for key in _TERMS_PASSED if key in agg.params})
    return params


def _histogram_params(agg: Agg, field: str) -> dict[str, Any]:
    interval = agg.params.get("interval")
    if not isinstance(interval, int | float) or interval <= 0:
        raise QueryValueError(str(interval), f"a positive number as {agg.name}'s interval")
    params: dict[str, Any] = {"field": field, "interval": interval, "min_doc_count": 1}
    if isinstance(agg.params.get("offset"), int | float):
        params["offset"] = agg.params["offset"]
    return params


def _date_histogram_params(agg: Agg, field: str) -> dict[str, Any]:
    if not agg.is_date:
        raise QueryValueError(agg.field, f"a date field ({', '.join(DATE_FIELDS)})")
    zone = agg.params.get("time_zone", "UTC")
    if zone not in _UTC_ZONES:
        raise QueryValueError(str(zone), "UTC as time_zone (other zones are not supported)")
    return {"field": field, "interval": interval_micros(agg), "min_doc_count": 1}


def interval_micros(agg: Agg) -> int:
    """A date_histogram's bucket width in microseconds (a day for calendar roll-ups)."""
    if agg.rollup is not None:
        return DAY_MICROS
    text = agg.params.get("fixed_interval") or agg.params.get("interval")
    calendar = agg.params.get("calendar_interval")
    if calendar is not None:
        text = _CALENDAR_FIXED.get(calendar)
    match = _INTERVAL.fullmatch(text) if isinstance(text, str) else None
    if match is None or int(match[1]) == 0:
        expected = "fixed_interval such as 30s, 1m, 1h, 1d or calendar_interval such as 1M"
        raise QueryValueError(str(text or calendar), expected)
    return int(match[1]) * _UNITS[match[2]]


def _positive_int(agg: Agg, key: str, default: int) -> int:
    value = agg.params.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise QueryValueError(str(value), f"a non-negative integer as {agg.name}'s {key}")
    return value


# Dashboards ask for the same buckets again and again.
@functools.lru_cache(maxsize=65_536)
def date_key(micros: float) -> tuple[int, str]:
    """A date bucket's key as Elasticsearch gives it: epoch ms and its text."""
    millis = int(micros) // 1000
    moment = _EPOCH + dt.timedelta(milliseconds=millis)
    return millis, moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"
