"""How an event is laid out in a tantivy index, and the document built from it.

Fields:
- `id`: raw keyword, stored and fast (the tie-breaker of every sort).
- the date fields: integers, microseconds since the epoch, indexed and fast.
  tantivy's Python binding offers date fields at second precision only, which
  would merge events of the same second in sorts and ranges; integers keep the
  microseconds that events carry.
- keyword fields (schema.KEYWORD_FIELDS but `id`): raw tokenizer, fast.
- `summary`: full text (tantivy's default tokenizer: split on non-alphanumerics,
  lower-cased, tokens over 40 bytes dropped), and `_summary`, the whole value raw
  and fast, for whole-value wildcards, regexes, ranges and aggregations.
- `details` and `_extra` (top-level keys outside the schema, as custom application
  documents have): JSON, raw tokenizer, fast; every key is searchable.
- `_all`: raw, not stored: for unfielded queries, every string leaf that no
  field of its own holds as a term: not the summary, the date fields, the
  strings of the keyword fields and the id (unfielded queries ask those fields
  directly, which keeps each value indexed once); `_all_numbers` the number and
  boolean leaves, as text (`22` for 22 and 22.0, `true`), so that an unfielded
  `22.0` matches the number 22 but not the string "22". Indices written before
  this layout also hold the keyword strings and the id in `_all`; unfielded
  queries find them either way.
- `_source`: the document as sent, stored, returned as-is in hits.

A top-level field keeps in its typed field only the values of its type: strings
in a keyword field or the summary, times in a date field. Anything else (a number
in `processid`, an object in `hostname`, a time that does not parse, a `details`
that is not an object) is indexed under `_extra.<field>` with its JSON type, so
the event is never refused for it and stays searchable on that field.

Terms longer than 65,530 bytes are not indexed by tantivy: such a value is stored
and aggregatable, but a term, wildcard or regex does not find it.
"""

from __future__ import annotations

import datetime as dt
import json
from binascii import b2a_base64
from typing import Any

import orjson
import tantivy

from mozdef.events.schema import DATE_FIELDS, DETAILS_FIELD, KEYWORD_FIELDS, TOP_LEVEL_FIELDS
from mozdef.query.datemath import parse_instant
from mozdef.store.base import IndexedDoc

ID = "id"
SUMMARY = "summary"
SUMMARY_RAW = "_summary"
EXTRA = "_extra"
ALL = "_all"
ALL_NUMBERS = "_all_numbers"
SOURCE = "_source"
KEYWORDS = tuple(name for name in KEYWORD_FIELDS if name != ID)
JSON_FIELDS = (DETAILS_FIELD, EXTRA)
# Fields that hold one raw term per value: exact terms, regexes, fast values.
RAW_FIELDS = frozenset((ID, SUMMARY_RAW, *KEYWORDS))

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_SKIPPED_IN_ALL = frozenset((SUMMARY, *DATE_FIELDS))
_PLAIN_KEYWORDS = frozenset(KEYWORDS)
_DATES = frozenset(DATE_FIELDS)


def build_schema(
    *, without: frozenset[str] = frozenset(), fast_json: bool = True
) -> tantivy.Schema:
    """The layout above. `without` (field names) and `fast_json=False` give the
    reduced layouts that benchmarks/bench_tantivy_fields.py prices; stores use only
    the whole layout, whose field order existing indices also hold (tantivy refuses
    to open an index with another schema)."""
    builder = tantivy.SchemaBuilder()
    # Whole values are one term each and never searched as phrases: the postings
    # need no positions or frequencies ("basic"), which makes indexing cheaper.
    builder.add_text_field(ID, stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    for name in DATE_FIELDS:
        builder.add_integer_field(name, indexed=True, fast=True)
    for name in KEYWORDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field(SUMMARY, tokenizer_name="default")
    if SUMMARY_RAW not in without:
        builder.add_text_field(SUMMARY_RAW, fast=True, tokenizer_name="raw", index_option="basic")
    for name in JSON_FIELDS:
        builder.add_json_field(name, fast=fast_json, tokenizer_name="raw", index_option="basic")
    for name in (ALL, ALL_NUMBERS):
        if name not in without:
            builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    if SOURCE not in without:
        builder.add_bytes_field(SOURCE, stored=True)
    return builder.build()


# Every index of every store has this one layout.
SCHEMA = build_schema()


def micros(moment: dt.datetime) -> int:
    """`moment` as microseconds since the epoch; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=value)


def number_text(value: int | float | bool) -> str:
    """The one text of a number or boolean: `22` for 22 and 22.0, `true`, `1.5`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def to_json(doc: IndexedDoc, source_json: bytes) -> str:
    """The JSON text that tantivy's `IndexWriter.add_json` takes for `doc`."""
    fields: dict[str, Any] = {ID: doc.id, SOURCE: b2a_base64(source_json, newline=False).decode()}
    extra: dict[str, Any] = {}
    strings: list[str] = []
    numbers: list[str] = []
    for key, value in doc.source.items():
        # Fast paths for what the pipeline produces: keywords and times as strings,
        # details as an object.
        kind = type(value)
        if kind is str:
            if key in _PLAIN_KEYWORDS:
                fields[key] = value
                continue
            if key in _DATES:
                stamp = _iso_micros(value)
                if stamp is not None:
                    fields[key] = stamp
                    continue
        elif kind is dict and key == DETAILS_FIELD:
            fields[key] = value
            _collect(value, strings, numbers)
            continue
        unfielded = _place(key, value, fields, extra, doc.id)
        if unfielded is not None and key not in _SKIPPED_IN_ALL:
            _collect(unfielded, strings, numbers)

    if extra:
        fields[EXTRA] = extra
    fields[ALL], fields[ALL_NUMBERS] = strings, numbers
    return _dumps(fields).decode()


def _iso_micros(text: str) -> int | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def source_json(source: dict[str, Any]) -> bytes:
    """The stored text of `source`; raises TypeError or ValueError when it is not JSON."""
    return _dumps(source)


def _place(key: str, value: Any, fields: dict[str, Any], extra: dict[str, Any], doc_id: str) -> Any:
    """Put `value` in its typed field or in `_extra`; returns the part of it that
    only `_all` makes searchable without a field (None for none)."""
    if value is None:
        return None
    if key == ID:
        # The id field holds the document's id: a source id equal to it needs no copy.
        return None if value == doc_id else value
    if key not in TOP_LEVEL_FIELDS:
        extra[key] = value
        return value
    if key == DETAILS_FIELD:
        fields[key] = value if isinstance(value, dict) else {}
        if not isinstance(value, dict):
            extra[key] = value
        return value
    typed, rest = _split(key, value)
    if typed is not None:
        fields[key] = typed
        if key == SUMMARY:
            fields[SUMMARY_RAW] = typed
    if rest is not None:
        extra[key] = rest
    return rest if key in _PLAIN_KEYWORDS else value


def _split(key: str, value: Any) -> tuple[Any, Any]:
    """The part of `value` that the typed field `key` holds, and the rest."""
    if key in DATE_FIELDS:
        instant = parse_instant(value) if isinstance(value, str) else None
        return (None, value) if instant is None else (micros(instant), None)
    if isinstance(value, str):
        return value, None
    if key == SUMMARY or not isinstance(value, list):
        return None, value
    strings = [item for item in value if isinstance(item, str)]
    others = [item for item in value if not isinstance(item, str)]
    return strings or None, others or None


def _collect(value: Any, strings: list[str], numbers: list[str]) -> None:
    kind = type(value)
    if kind is str:
        strings.append(value)
    elif kind is dict or kind is list:
        for item in value.values() if kind is dict else value:
            if type(item) is str:
                strings.append(item)
            else:
                _collect(item, strings, numbers)
    elif kind is int:
        numbers.append(str(value))
    elif isinstance(value, int | float):
        numbers.append(number_text(value))


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        # orjson refuses integers beyond 64 bits; the standard library writes them.
        return json.dumps(value, allow_nan=False, separators=(",", ":")).encode()
