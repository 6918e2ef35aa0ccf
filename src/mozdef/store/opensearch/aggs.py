"""Elasticsearch aggregation requests, answered from the hidden typed fields.

The answer has the in-memory store's shape and values (mozdef.store.aggregate), which
an aggregation on the event's own fields could not give: there a field's type is the
first one seen each day, so 22 and "22" would fall in one bucket. Each aggregation is
rewritten on the `_mozdef` fields of `document` and its answer decoded:

- `terms` on a keyword field becomes three terms aggregations, on the field's strings,
  numbers and booleans (an `include` regex keeps the field's own `<path>\\x1f` terms),
  whose buckets are merged by count, then numbers and booleans before strings. Every
  bucket asked for comes back exact: each of the three returns the requested size,
  counted over `SHARD_SIZE` keys per daily index.
- `terms` and `min`/`max` on a date field read its instants; `date_histogram` (on a
  date field, `fixed_interval`) is a histogram over its microseconds.
- `cardinality`, `min`, `max`, `avg`, `sum` list the field's distinct values (at most
  `LIST_LIMIT`). `avg` and `sum` count each value once per document that holds it:
  a document that holds the same number twice in the field counts it once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from mozdef.errors import QueryValueError
from mozdef.query.reference import field_kind
from mozdef.store.opensearch import encoding
from mozdef.store.opensearch.compile import hidden

SHARD_SIZE = 10_000
LIST_LIMIT = 60_000
Answer = dict[str, Any]
Typed = tuple[str, Any]  # ("string" | "number" | "bool" | "date", value)
_KEYWORD_PARTS = ("s", "n", "b")
_DECODE: dict[str, Callable[[str], Typed]] = {
    "s": lambda text: ("string", text),
    "n": lambda text: ("number", encoding.read_number(text)),
    "b": lambda text: ("bool", text == "true"),
    "d": lambda text: ("date", encoding.read_instant_millis(text)),
}
_INTERVAL = re.compile(r"(\d+)(ms|s|m|h|d)")
_INTERVAL_MILLIS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_METRICS = ("cardinality", "min", "max", "avg", "sum")
KINDS = frozenset(("terms", "date_histogram", *_METRICS))


def translate(request: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenSearch `aggs` for an Elasticsearch aggregation request."""
    translated: dict[str, Any] = {}
    for name, spec in request.items():
        kind, body, subs = _parts(name, spec)
        field = str(body.get("field", ""))
        if kind == "date_histogram":
            translated[name] = _histogram(name, field, body, subs)
            continue
        size = int(body.get("size", 10)) if kind == "terms" else LIST_LIMIT
        for part in _typed_parts(field):
            terms: dict[str, Any] = {
                "field": hidden(part),
                "include": encoding.regex_literal(field) + "\\" + encoding.SEPARATOR + ".*",
                "size": size,
                "shard_size": max(size, SHARD_SIZE) if kind == "terms" else size,
            }
            entry: dict[str, Any] = {"terms": terms}
            if subs:
                entry["aggs"] = translate(subs)
            translated[f"{name}#{part}"] = entry
    return translated


def strings_request(path: str) -> dict[str, Any]:
    """An aggregation `v` listing the distinct strings of `path` (see `strings`)."""
    return {"v": translate({"v": {"terms": {"field": path, "size": LIST_LIMIT}}})["v#s"]}


def strings(answer: Mapping[str, Any]) -> list[str]:
    """The strings that `strings_request` listed."""
    return [encoding.path_of(bucket["key"])[1] for bucket in answer["v"]["buckets"]]


def decode(request: Mapping[str, Any], answer: Mapping[str, Any]) -> Answer:
    """The memory store's answer to `request` from OpenSearch's `answer` to `translate`."""
    decoded: Answer = {}
    for name, spec in request.items():
        kind, body, subs = _parts(name, spec)
        if kind == "date_histogram":
            decoded[name] = _decode_histogram(body, subs, answer[name])
            continue
        buckets = _typed_buckets(name, body, answer)
        if kind == "terms":
            decoded[name] = _decode_terms(body, subs, buckets, answer, name)
        else:
            decoded[name] = _metric(kind, body, buckets)
    return decoded


def _parts(name: str, spec: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    kinds = [key for key in spec if key not in ("aggs", "aggregations")]
    if len(kinds) != 1 or kinds[0] not in KINDS:
        raise QueryValueError(name, f"one aggregation of {', '.join(sorted(KINDS))}")
    body = spec[kinds[0]]
    if not isinstance(body.get("field"), str):
        raise QueryValueError(name, "an aggregation with a `field`")
    return kinds[0], body, dict(spec.get("aggs", spec.get("aggregations", {})))


def _typed_parts(field: str) -> tuple[str, ...]:
    return ("d",) if field_kind(field) == "date" else _KEYWORD_PARTS


def _histogram(name: str, field: str, body: Mapping[str, Any], subs: Mapping[str, Any]) -> Any:
    if field_kind(field) != "date":
        raise QueryValueError(
            name, "a date_histogram on utctimestamp, receivedtimestamp or timestamp"
        )
    step = _interval_millis(str(body.get("fixed_interval", "")))
    histogram = {"field": hidden(field), "interval": step * 1000, "min_doc_count": 0}
    entry: dict[str, Any] = {"histogram": histogram}
    if subs:
        entry["aggs"] = translate(subs)
    return entry


def _decode_histogram(body: Mapping[str, Any], subs: Mapping[str, Any], part: Answer) -> Answer:
    minimum = int(body.get("min_doc_count", 0))
    buckets = []
    for bucket in part["buckets"]:
        if bucket["doc_count"] < minimum:
            continue
        millis = int(bucket["key"]) // 1000
        decoded = {"key_as_string": _iso(millis), "key": millis, "doc_count": bucket["doc_count"]}
        buckets.append(decoded | decode(subs, bucket))
    return {"buckets": buckets}


def _typed_buckets(
    name: str, body: Mapping[str, Any], answer: Mapping[str, Any]
) -> list[tuple[Typed, Answer]]:
    found = []
    for part in _typed_parts(str(body["field"])):
        for bucket in answer[f"{name}#{part}"]["buckets"]:
            _, value = encoding.path_of(bucket["key"])
            found.append((_DECODE[part](value), bucket))
    return found


def _others(name: str, field: str, answer: Mapping[str, Any]) -> int:
    return sum(answer[f"{name}#{part}"]["sum_other_doc_count"] for part in _typed_parts(field))


def _decode_terms(
    body: Mapping[str, Any],
    subs: Mapping[str, Any],
    buckets: list[tuple[Typed, Answer]],
    answer: Mapping[str, Any],
    name: str,
) -> Answer:
    minimum = int(body.get("min_doc_count", 1))
    size = int(body.get("size", 10))
    ordered = sorted(buckets, key=lambda item: (-item[1]["doc_count"], _key_order(item[0])))
    kept = [item for item in ordered if item[1]["doc_count"] >= minimum]
    left_out = sum(bucket["doc_count"] for _, bucket in kept[size:])
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": left_out + _others(name, str(body["field"]), answer),
        "buckets": [_bucket(key, bucket, subs) for key, bucket in kept[:size]],
    }


def _bucket(key: Typed, bucket: Answer, subs: Mapping[str, Any]) -> Answer:
    kind, value = key
    decoded: Answer = {"key": value, "doc_count": bucket["doc_count"]}
    if kind == "date":
        decoded["key_as_string"] = _iso(value)
    elif kind == "bool":
        decoded.update(key=int(value), key_as_string="true" if value else "false")
    return decoded | decode(subs, bucket)


def _key_order(key: Typed) -> tuple[int, Any]:
    kind, value = key
    return (1, value) if kind == "string" else (0, float(value))


def _metric(kind: str, body: Mapping[str, Any], buckets: list[tuple[Typed, Answer]]) -> Answer:
    if kind == "cardinality":
        return {"value": len(buckets)}
    counted = [
        (float(value), bucket["doc_count"])
        for (typed, value), bucket in buckets
        if typed in ("number", "date")
    ]
    values = [value for value, _ in counted]
    if kind == "sum":
        return {"value": float(sum(value * count for value, count in counted))}
    if kind == "avg":
        total = sum(count for _, count in counted)
        return {"value": sum(value * count for value, count in counted) / total if total else None}
    result = (min if kind == "min" else max)(values) if values else None
    if result is not None and field_kind(str(body["field"])) == "date":
        return {"value": result, "value_as_string": _iso(int(result))}
    return {"value": result}


def _iso(millis: int) -> str:
    moment = _EPOCH + dt.timedelta(milliseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _interval_millis(text: str) -> int:
    match = _INTERVAL.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        raise QueryValueError(text, "a fixed_interval such as 30s, 1m, 1h or 1d")
    return int(match.group(1)) * _INTERVAL_MILLIS[match.group(2)]
