"""The index template of one family of daily indices (`events`, `alerts`, an application).

The event's own fields are mapped for people who browse the indices with OpenSearch
Dashboards: the schema's dates as `date`, its keywords as `keyword`, `summary` as
`text` (standard analyzer) with a `summary.keyword` sub-field; any other field by
dynamic templates, strings as `keyword`, numbers as `double` and booleans as
`boolean`. Values that do not fit the type a field got first in the day are left
out of that field (`ignore_malformed`, numbers not coerced from strings); a document
that the mapping refuses outright (an object where a string was seen) is stored with
its event unmapped (see `store`). The store's own queries read only the hidden
`_mozdef` object (see `document`), so none of this changes a search's answer.

`event_fields` says how much of that mapping there is: `all` as above; `schema`, the
schema's top-level fields only (`details` and anything else stays in `_source`,
unmapped: Dashboards gets its time field and the usual filters); `none`, no field of
the event (`dynamic: false`), so that OpenSearch indexes only the hidden object. Each
step costs OpenSearch less per event (see the README's scale-out figures).
"""

from __future__ import annotations

from typing import Any

from mozdef.config.settings import EVENT_FIELD_MAPPINGS
from mozdef.events.schema import DATE_FIELDS, KEYWORD_FIELDS
from mozdef.store.opensearch.document import DROPPED_WORD, HIDDEN, UNINDEXED

# Lucene refuses terms over 32,766 bytes; 8,191 characters of UTF-8 always fit. Longer
# strings are kept in the event but not indexed: no query finds them by value.
IGNORE_ABOVE = 8191
TOTAL_FIELDS_LIMIT = 10_000
WORDS_ANALYZER = "mozdef_words"
DATE_FORMAT = "strict_date_optional_time||epoch_millis"

_KEYWORD = {"type": "keyword", "ignore_above": IGNORE_ABOVE}


def template_name(prefix: str, family: str) -> str:
    return f"{prefix}mozdef-{family}"


def index_template(
    prefix: str,
    family: str,
    *,
    shards: int,
    replicas: int,
    codec: str = "default",
    event_fields: str = "all",
) -> dict[str, Any]:
    """The composable template body for `<prefix><family>-*`."""
    pattern = f"{prefix}{family}-*"
    return {
        "index_patterns": [pattern],
        # A longer pattern is a more specific family (`events-x-*` inside `events-*`).
        "priority": 100 + len(pattern),
        "template": {
            "settings": _settings(shards, replicas, codec),
            "mappings": _mappings(event_fields),
        },
    }


def _settings(shards: int, replicas: int, codec: str) -> dict[str, Any]:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        # `best_compression` is about a third smaller on disk; it cost OpenSearch about
        # 10% more CPU per indexed event (benchmarks/bench_scaleout.py).
        "codec": codec,
        "mapping": {"ignore_malformed": True, "total_fields": {"limit": TOTAL_FIELDS_LIMIT}},
        "analysis": {
            "analyzer": {WORDS_ANALYZER: {"type": "standard", "stopwords": [DROPPED_WORD]}}
        },
    }


def _mappings(event_fields: str) -> dict[str, Any]:
    if event_fields not in EVENT_FIELD_MAPPINGS:
        raise ValueError(f"event_fields {event_fields!r}: expected one of {EVENT_FIELD_MAPPINGS}")
    properties: dict[str, Any] = {
        UNINDEXED: {"type": "object", "enabled": False},
        HIDDEN: _hidden_mapping(),
    }
    mappings: dict[str, Any] = {"_source": {"excludes": [HIDDEN]}}
    if event_fields == "none":
        return mappings | {"dynamic": False, "properties": properties}
    properties.update({name: {"type": "date", "format": DATE_FORMAT} for name in DATE_FIELDS})
    properties.update({name: dict(_KEYWORD) for name in KEYWORD_FIELDS})
    properties["summary"] = {"type": "text", "fields": {"keyword": dict(_KEYWORD)}}
    if event_fields == "schema":
        return mappings | {"dynamic": False, "properties": properties}
    return mappings | {
        "date_detection": False,
        "numeric_detection": False,
        "dynamic_templates": _dynamic_templates(),
        "properties": properties,
    }


def _dynamic_templates() -> list[dict[str, Any]]:
    number = {"type": "double", "coerce": False}
    return [
        {"strings": {"match_mapping_type": "string", "mapping": dict(_KEYWORD)}},
        {"integers": {"match_mapping_type": "long", "mapping": number}},
        {"fractions": {"match_mapping_type": "double", "mapping": number}},
        {"booleans": {"match_mapping_type": "boolean", "mapping": {"type": "boolean"}}},
    ]


def _hidden_mapping() -> dict[str, Any]:
    # Aggregations and sorts read `s`, `n`, `b`, `d` and `id`; the others only match.
    terms = {name: dict(_KEYWORD) for name in ("id", "s", "n", "b", "d")}
    terms |= {name: {**_KEYWORD, "doc_values": False} for name in ("p", "as", "an", "ab")}
    times = {name: {"type": "long"} for name in DATE_FIELDS}
    words = {"type": "text", "analyzer": WORDS_ANALYZER, "norms": False}
    return {"dynamic": "strict", "properties": {**terms, **times, "w": words}}
