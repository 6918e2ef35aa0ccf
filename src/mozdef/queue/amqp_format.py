"""Message bodies on the RabbitMQ queue: MozDef's own batches and shippers' events.

Intake publishes the records of one call as one persistent message with content
type `application/x-mozdef-records; version=1`: the spool's line format
(`header<TAB>body<LF>` per record, see mozdef.queue.spool), so that every field of
a Record (id, received, kind, application, client_id, body) travels unchanged.
A change of that line format must come with a new version here.

Any other message is a shipper's, published straight to the exchange as MozDef's
shippers did. Its body becomes events of kind `event`:

- one JSON object is one event; a JSON array is one event per element;
- several lines of which at least one is JSON (NDJSON) are one event per line;
- anything else (plain text, a lone JSON string or number, a line that does not
  parse) is kept, not refused: an event whose `summary` is the raw text, tagged
  `amqp-unparsed`, so that a bad message never blocks the queue and is searchable;
- an empty body holds no event.

A shipper's events get the AMQP `message_id` as id when it is set (`id-N` for the
N-th of several), else an id derived from a hash of the body, and are stored with
replace semantics (`client_id`). A message redelivered after a worker crash thus
replaces what was stored, never doubles it. The consequence: two messages with
the same body and no message_id (the same log line sent twice) are stored as one
event, and a shipper that reuses a message_id replaces the earlier event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from hashlib import blake2b
from typing import Any

import orjson

from mozdef.logfmt import fields
from mozdef.queue.base import Record
from mozdef.queue.spool import decode, encode

logger = logging.getLogger(__name__)

RECORDS_CONTENT_TYPE = "application/x-mozdef-records"
RECORDS_CONTENT_TYPE_V1 = RECORDS_CONTENT_TYPE + "; version=1"
UNPARSED_TAG = "amqp-unparsed"


def encode_records(records: Sequence[Record]) -> bytes:
    return b"".join(encode(record) for record in records)


def decode_message(
    body: bytes, *, content_type: str | None, message_id: str | None, received: dt.datetime
) -> list[Record]:
    """The records of one message; never raises on a bad body."""
    if content_type and content_type.split(";")[0].strip() == RECORDS_CONTENT_TYPE:
        return _decode_records(body, received)
    events = shipper_events(body)
    ids = _ids(message_id or blake2b(body, digest_size=16).hexdigest(), len(events))
    return [
        Record(id=event_id, received=received, body=event, client_id=True)
        for event_id, event in zip(ids, events, strict=True)
    ]


def shipper_events(body: bytes) -> list[bytes]:
    """The events of a shipper's message, each one compact JSON object."""
    if not body.strip():
        return []
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _lines(body)
    if isinstance(value, list):
        return [_event(item) for item in value]
    return [_event(value)]


def _lines(body: bytes) -> list[bytes]:
    lines = [line for line in body.splitlines() if line.strip()]
    parsed = [_parsed(line) for line in lines]
    if len(lines) < 2 or all(value is _UNPARSED for value in parsed):
        return [unparsed(body)]
    return [
        unparsed(line) if value is _UNPARSED else _event(value)
        for line, value in zip(lines, parsed, strict=True)
    ]


_UNPARSED = object()


def _parsed(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return _UNPARSED


def _event(value: Any) -> bytes:
    if isinstance(value, dict):
        return orjson.dumps(value)
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return orjson.dumps({"summary": text, "tags": [UNPARSED_TAG]})


def unparsed(raw: bytes) -> bytes:
    """An event that carries text that is not a JSON object."""
    text = raw.decode("utf-8", errors="replace").strip()
    return orjson.dumps({"summary": text, "tags": [UNPARSED_TAG]})


def _ids(base: str, count: int) -> list[str]:
    if count == 1:
        return [base]
    return [f"{base}-{number}" for number in range(count)]


def _decode_records(body: bytes, received: dt.datetime) -> list[Record]:
    """A batch's records; a line that does not decode (a damaged message) becomes an
    unparsed event rather than stopping the queue."""
    times: dict[str, dt.datetime] = {}
    records: list[Record] = []
    for number, line in enumerate(body.split(b"\n")):
        if not line:
            continue
        try:
            records.append(decode(line, times))
        except (ValueError, TypeError) as exc:
            logger.warning("rabbitmq.bad_record_line", extra=fields(line=number, error=str(exc)))
            digest = blake2b(line, digest_size=16).hexdigest()
            records.append(
                Record(id=digest, received=received, body=unparsed(line), client_id=True)
            )
    return records
