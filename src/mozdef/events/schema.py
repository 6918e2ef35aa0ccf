"""The normalized event: its top-level fields and how each is typed in the stores."""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]

# Times, as UTC ISO 8601 strings in the event; date fields in the stores.
DATE_FIELDS = ("utctimestamp", "receivedtimestamp", "timestamp")

# Exact-match, case-sensitive keywords (Elasticsearch "keyword").
KEYWORD_FIELDS = (
    "id",
    "category",
    "hostname",
    "source",
    "severity",
    "processname",
    "processid",
    "eventsource",
    "mozdefhostname",
    "type",
    "tags",
)

# Full text, tokenized on non-alphanumerics and lower-cased; also matchable as a whole.
TEXT_FIELDS = ("summary",)

# Every key under it is searchable and aggregatable without being declared.
DETAILS_FIELD = "details"

TOP_LEVEL_FIELDS = DATE_FIELDS + KEYWORD_FIELDS + TEXT_FIELDS + (DETAILS_FIELD,)

# Present on every normalized event.
REQUIRED_FIELDS = (
    "id",
    "utctimestamp",
    "receivedtimestamp",
    "timestamp",
    "mozdefhostname",
    "category",
    "source",
    "summary",
    "hostname",
    "severity",
    "processname",
    "processid",
    "eventsource",
    "tags",
    "details",
    "type",
)
