"""What a bus message carries, bounded in size.

Every message is a row of the application database and goes to every browser that
follows its topic, so it carries what a page shows at once, not whole documents:
- an alert (`alert.created`, `alert.updated`, `alert.status`) is cut to its summary:
  `id`, `utctimestamp`, `last_seen`, `rule_id`, `summary`, `category`, `severity`,
  `tags`, `count`, `dedup_key`, `status`, `url` when it has one, and `change`, the
  last entry of its history (for `alert.status`, the change itself) or null. The
  sample events, `details` and the older history are left out: a page that wants
  them reads the alert from the alerts API by its id;
- any payload still over `limit` bytes once encoded keeps only its top-level
  numbers, booleans, nulls and strings (each cut to `MAX_TEXT` characters), with
  `"trimmed": true`; and if that is still too big, only its `id` and `trimmed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from mozdef.bus.topics import ALERT_TOPICS

MAX_PAYLOAD_BYTES = 16 * 1024
MAX_TEXT = 256

ALERT_FIELDS = (
    "id",
    "utctimestamp",
    "last_seen",
    "rule_id",
    "summary",
    "category",
    "severity",
    "tags",
    "count",
    "dedup_key",
    "status",
    "url",
)


def encode(
    topic: str, payload: Mapping[str, Any], *, limit: int = MAX_PAYLOAD_BYTES
) -> tuple[bytes, bool]:
    """The JSON of `payload` as the bus carries it (see the module's docstring), and
    whether it had to be trimmed to fit `limit`; raises TypeError for a payload that
    is not JSON-ready."""
    shown = alert_summary(payload) if topic in ALERT_TOPICS else dict(payload)
    encoded = orjson.dumps(shown)
    if len(encoded) <= limit:
        return encoded, False
    encoded = orjson.dumps({**_scalars(shown), "trimmed": True})
    if len(encoded) <= limit:
        return encoded, True
    return orjson.dumps({"id": _cut(shown.get("id")), "trimmed": True}), True


def alert_summary(document: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an alert's stored document that a bus message keeps."""
    summary = {name: document[name] for name in ALERT_FIELDS if name in document}
    history = document.get("history")
    summary["change"] = history[-1] if isinstance(history, list) and history else None
    return summary


def _scalars(payload: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, value in payload.items():
        if value is None or isinstance(value, bool | int | float | str):
            kept[str(name)[:MAX_TEXT]] = _cut(value)
    return kept


def _cut(value: Any) -> Any:
    return value[:MAX_TEXT] if isinstance(value, str) else value
