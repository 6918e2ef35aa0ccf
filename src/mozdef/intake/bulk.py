"""The Elasticsearch bulk format, so that shippers with an Elasticsearch output
(Logstash, Beats, Fluent Bit, Vector, rsyslog's omelasticsearch, syslog-ng's
elasticsearch-http) and the clients' bulk helpers can send here unchanged.

The body alternates an action line (`{"index": {"_index": ..., "_id": ...}}` or
`create`) and a document line. `delete` and `update` are answered per item with
an error, as Elasticsearch answers an action it cannot apply; the other items
of the request go on. The answer has Elasticsearch's shape: `took`, `errors`
and one `items` entry per action, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from mozdef.config.settings import IntakeSettings
from mozdef.intake.body import Accepted, Rejection, parse_line

_WRITE_ACTIONS = ("index", "create")
_NO_SOURCE_ACTIONS = ("delete",)
# The action lines that shippers send most, known without decoding them.
_PLAIN_ACTIONS = {
    b'{"index":{}}': "index",
    b'{"index": {}}': "index",
    b'{"create":{}}': "create",
    b'{"create": {}}': "create",
}
_NO_META: dict[str, Any] = {}
_SHARDS = {"total": 1, "successful": 1, "failed": 0}


@dataclass(frozen=True)
class BulkItem:
    action: str
    index: str
    doc_id: str | None
    item: Accepted | Rejection


def parse_bulk(body: bytes, limits: IntakeSettings) -> list[BulkItem]:
    lines = [line for line in (raw.strip() for raw in body.split(b"\n")) if line]
    items: list[BulkItem] = []
    cursor = 0
    while cursor < len(lines):
        position = len(items)
        plain = _PLAIN_ACTIONS.get(lines[cursor])
        if plain is not None:
            action, meta, problem = plain, _NO_META, None
        else:
            action, meta, problem = _action(lines[cursor])
        cursor += 1
        if problem is not None:
            items.append(BulkItem(action, "events", None, Rejection(position, *problem)))
            continue
        index = str(meta.get("_index") or "events") if meta else "events"
        doc_id = _doc_id(meta) if meta else None
        if action in _NO_SOURCE_ACTIONS:
            reason = ("unsupported_action", f"'{action}' is not supported by this intake")
            items.append(BulkItem(action, index, doc_id, Rejection(position, *reason)))
            continue
        if cursor >= len(lines):
            missing = ("missing_source", "action line without a document line after it")
            items.append(BulkItem(action, index, doc_id, Rejection(position, *missing)))
            break
        item = parse_line(position, lines[cursor], limits)
        cursor += 1
        if action not in _WRITE_ACTIONS:
            item = Rejection(position, "unsupported_action", f"'{action}' is not supported")
        items.append(BulkItem(action, index, doc_id, item))
    return items


def _action(line: bytes) -> tuple[str, dict[str, Any], tuple[str, str] | None]:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return "index", {}, ("invalid_action", f"action line is not JSON: {exc.msg}")
    if not isinstance(parsed, dict) or len(parsed) != 1:
        return "index", {}, ("invalid_action", "expected an action object with one key")
    action, meta = next(iter(parsed.items()))
    if not isinstance(meta, dict):
        return str(action), {}, ("invalid_action", f"'{action}' must hold an object")
    return str(action), meta, None


def _doc_id(meta: dict[str, Any]) -> str | None:
    value = meta.get("_id")
    return None if value is None or value == "" else str(value)


def bulk_answer(results: list[tuple[BulkItem, str | None]], took_ms: int) -> dict[str, Any]:
    """Elasticsearch's answer: `results` pairs each item with the id it was stored
    under, or None when it was refused."""
    entries = [_entry(item, stored_id) for item, stored_id in results]
    return {
        "took": took_ms,
        "errors": any(stored_id is None for _, stored_id in results),
        "items": entries,
    }


def _entry(item: BulkItem, stored_id: str | None) -> dict[str, Any]:
    if stored_id is not None:
        created = {
            "_index": item.index,
            "_id": stored_id,
            "_version": 1,
            "result": "created",
            "status": 201,
            "_shards": _SHARDS,
            "_seq_no": 0,
            "_primary_term": 1,
        }
        return {item.action: created}
    assert isinstance(item.item, Rejection)
    refused = {"_index": item.index, "_id": item.doc_id, "status": 400, "error": _error(item.item)}
    return {item.action: refused}


def _error(rejection: Rejection) -> dict[str, Any]:
    kind = "illegal_argument_exception"
    if rejection.reason in ("invalid_json", "invalid_utf8", "not_an_object"):
        kind = "mapper_parsing_exception"
    return {"type": kind, "reason": rejection.message, "mozdef_reason": rejection.reason}
