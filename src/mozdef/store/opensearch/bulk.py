"""Writing batches of documents with the bulk API, and what OpenSearch refused.

A document whose event the index's mapping refuses (an object where a string was
seen the same day, more fields than the index allows) is sent once more with the
event kept unmapped (`document.UNINDEXED`): every query of the store still finds
it, only OpenSearch Dashboards does not see its fields. What is refused again, or
refused for another reason (a full queue, a closed index), is reported with
OpenSearch's reason; the caller decides whether to try again.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from mozdef.store.base import IndexedDoc, IndexFailure
from mozdef.store.opensearch.client import Connection, reason_of
from mozdef.store.opensearch.compile import hidden
from mozdef.store.opensearch.document import to_document

BATCH_DOCS = 1000
SENDERS = 2
_MAPPING_ERRORS = frozenset(
    ("mapper_parsing_exception", "document_parsing_exception", "illegal_argument_exception")
)


@dataclass(frozen=True)
class Routed:
    """A document, its position in the caller's batch and its full index name."""

    position: int
    doc: IndexedDoc
    index: str


def write(connection: Connection, docs: Sequence[Routed], *, replace: bool) -> list[IndexFailure]:
    """Index `docs`, with `_id` = the document id when `replace`; the refusals."""
    batches = [docs[start : start + BATCH_DOCS] for start in range(0, len(docs), BATCH_DOCS)]

    def send(batch: Sequence[Routed]) -> list[IndexFailure]:
        return _write_batch(connection, batch, replace=replace)

    # Two requests in flight: one batch is encoded here while OpenSearch indexes another.
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        return [failure for answer in pool.map(send, batches) for failure in answer]


def delete_ids(connection: Connection, pattern: str, ids: list[str]) -> set[str]:
    """Delete the documents whose id is in `ids` from the indices `pattern` names; the
    indices they were in, which need a refresh for the deletions to show."""
    client = connection.client
    connection.call("refresh", lambda: client.indices.refresh(index=pattern))
    body = {"query": {"terms": {hidden("id"): ids}}, "size": 10_000, "_source": False}
    answer = connection.call(
        "find replaced documents", lambda: client.search(index=pattern, body=body)
    )
    actions = [
        {"delete": {"_index": hit["_index"], "_id": hit["_id"]}} for hit in answer["hits"]["hits"]
    ]
    if actions:
        payload = _ndjson(actions)
        connection.call("delete replaced documents", lambda: client.bulk(body=payload))
    return {str(hit["_index"]) for hit in answer["hits"]["hits"]}


def _write_batch(
    connection: Connection, docs: Sequence[Routed], *, replace: bool
) -> list[IndexFailure]:
    refused = _send(connection, docs, replace=replace, indexed=True)
    retried = [doc for doc in docs if _refused_by_mapping(refused.get(doc.position, ""))]
    for doc in retried:
        del refused[doc.position]
    refused.update(_send(connection, retried, replace=replace, indexed=False))
    return [
        IndexFailure(doc.position, doc.doc.id, f"OpenSearch refused the document: {reason}")
        for doc in docs
        if (reason := refused.get(doc.position))
    ]


def _refused_by_mapping(reason: str) -> bool:
    return reason.split(":", 1)[0] in _MAPPING_ERRORS


def _send(
    connection: Connection, docs: Sequence[Routed], *, replace: bool, indexed: bool
) -> dict[int, str]:
    """Index `docs`; the reason for each refused one, by position."""
    refused: dict[int, str] = {}
    payload: list[bytes] = []
    sent: list[int] = []
    for doc in docs:
        try:
            body = orjson.dumps(to_document(doc.doc.id, doc.doc.source, indexed=indexed))
        except TypeError as error:
            refused[doc.position] = f"the event is not JSON: {error}"
            continue
        action = {"_index": doc.index, **({"_id": doc.doc.id} if replace else {})}
        payload += [orjson.dumps({"index": action}), body]
        sent.append(doc.position)
    if not sent:
        return refused
    data = b"\n".join(payload) + b"\n"
    answer = connection.call("index documents", lambda: connection.client.bulk(body=data))
    for position, item in zip(sent, answer["items"], strict=True):
        if "error" in item["index"]:
            refused[position] = reason_of(item["index"]["error"])
    return refused


def _ndjson(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)
