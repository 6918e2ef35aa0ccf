"""Writing batches of documents with the bulk API, and what OpenSearch refused.

A document whose event the index's mapping refuses (an object where a string was
seen the same day, more fields than the index allows) is sent once more with the
event kept unmapped (`document.UNINDEXED`): every query of the store still finds
it, only OpenSearch Dashboards does not see its fields. A document refused because
OpenSearch cannot take it now (its write queue is full, the disk reached the
flood stage, a shard is not assigned yet) is sent again after a pause, a few times;
if OpenSearch is still busy, StorageBusyError tells the caller to wait and send the
whole batch again (some of it may be stored by then: the worker replaces by id).
What is refused again, or refused for another reason (a closed index), is reported
with OpenSearch's reason.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from mozdef.errors import StorageBusyError
from mozdef.store.base import IndexedDoc, IndexFailure
from mozdef.store.opensearch.client import Connection, reason_of
from mozdef.store.opensearch.compile import hidden
from mozdef.store.opensearch.document import to_document

BATCH_DOCS = 1000
SENDERS = 2
# Pauses in seconds before sending again what OpenSearch was too busy to take.
BUSY_PAUSES = (0.5, 1.0, 2.0)
_BUSY_STATUSES = frozenset((429, 503))
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
    refused = _send_patiently(connection, docs, replace=replace, indexed=True)
    retried = [doc for doc in docs if _refused_by_mapping(refused.get(doc.position, ""))]
    for doc in retried:
        del refused[doc.position]
    refused.update(_send_patiently(connection, retried, replace=replace, indexed=False))
    return [
        IndexFailure(doc.position, doc.doc.id, f"OpenSearch refused the document: {reason}")
        for doc in docs
        if (reason := refused.get(doc.position))
    ]


def _refused_by_mapping(reason: str) -> bool:
    return reason.split(":", 1)[0] in _MAPPING_ERRORS


def _send_patiently(
    connection: Connection, docs: Sequence[Routed], *, replace: bool, indexed: bool
) -> dict[int, str]:
    """`_send`, sending again after each pause what OpenSearch was too busy to take."""
    refused: dict[int, str] = {}
    pending = docs
    for pause in BUSY_PAUSES:
        permanent, busy = _send(connection, pending, replace=replace, indexed=indexed)
        refused.update(permanent)
        if not busy:
            return refused
        time.sleep(pause)
        pending = [doc for doc in pending if doc.position in busy]
    permanent, busy = _send(connection, pending, replace=replace, indexed=indexed)
    if busy:
        first = next(iter(busy.values()))
        raise StorageBusyError(connection.url, f"{len(busy)} documents refused, first: {first}")
    return refused | permanent


def _send(
    connection: Connection, docs: Sequence[Routed], *, replace: bool, indexed: bool
) -> tuple[dict[int, str], dict[int, str]]:
    """Index `docs`; the reason for each refused one by position, apart for those that
    OpenSearch was too busy to take."""
    refused: dict[int, str] = {}
    busy: dict[int, str] = {}
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
        return refused, busy
    data = b"\n".join(payload) + b"\n"
    answer = connection.call("index documents", lambda: connection.client.bulk(body=data))
    for position, item in zip(sent, answer["items"], strict=True):
        result = item["index"]
        if "error" in result:
            into = busy if result.get("status") in _BUSY_STATUSES else refused
            into[position] = reason_of(result["error"])
    return refused, busy


def _ndjson(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)
