"""Message bodies of the RabbitMQ queue, decoded without a broker."""

from __future__ import annotations

import datetime as dt

import orjson

from mozdef.queue.amqp_format import (
    RECORDS_CONTENT_TYPE_V1,
    decode_message,
    encode_records,
    shipper_events,
)
from mozdef.queue.base import Record

RECEIVED = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def shipper(body: bytes, message_id: str | None = None) -> list[Record]:
    return decode_message(body, content_type=None, message_id=message_id, received=RECEIVED)


def test_a_batch_decodes_to_the_records_encoded() -> None:
    records = [
        Record(id="a", received=RECEIVED, body=b'{"x":1}'),
        Record(id="b", received=RECEIVED, body=b"{}", kind="custom", application="app"),
    ]
    body = encode_records(records)
    decoded = decode_message(
        body, content_type=RECORDS_CONTENT_TYPE_V1, message_id=None, received=RECEIVED
    )
    assert decoded == records


def test_a_damaged_batch_line_becomes_an_unparsed_event_and_the_rest_goes_on() -> None:
    body = b'not a header\n["b","2026-12-03T12:00:00+00:00","event",null,false]\t{"x":2}\n'
    decoded = decode_message(
        body, content_type=RECORDS_CONTENT_TYPE_V1, message_id=None, received=RECEIVED
    )
    assert orjson.loads(decoded[0].body) == {"summary": "not a header", "tags": ["amqp-unparsed"]}
    assert (decoded[1].id, decoded[1].body) == ("b", b'{"x":2}')


def test_one_json_object_is_one_event_with_the_message_id() -> None:
    [record] = shipper(b'{"summary": "hi",\n "severity": "INFO"}', message_id="m7")
    assert (record.id, record.kind, record.client_id) == ("m7", "event", True)
    assert record.body == b'{"summary":"hi","severity":"INFO"}'


def test_a_json_array_is_one_event_per_element_with_numbered_ids() -> None:
    records = shipper(b'[{"a":1},{"a":2}]', message_id="m")
    assert [(r.id, r.body) for r in records] == [("m-0", b'{"a":1}'), ("m-1", b'{"a":2}')]


def test_ndjson_is_one_event_per_line_and_a_bad_line_is_kept_as_text() -> None:
    assert shipper_events(b'{"a":1}\n\n{"a":2}\nbroken line\n') == [
        b'{"a":1}',
        b'{"a":2}',
        b'{"summary":"broken line","tags":["amqp-unparsed"]}',
    ]


def test_plain_text_over_several_lines_is_one_unparsed_event() -> None:
    assert shipper_events(b"first line\nsecond line\n") == [
        b'{"summary":"first line\\nsecond line","tags":["amqp-unparsed"]}'
    ]


def test_a_json_value_that_is_not_an_object_is_kept_as_text() -> None:
    assert shipper_events(b"42") == [b'{"summary":"42","tags":["amqp-unparsed"]}']
    assert shipper_events(b'"hello"') == [b'{"summary":"hello","tags":["amqp-unparsed"]}']


def test_bytes_that_are_not_utf8_are_kept_with_replacement_characters() -> None:
    [event] = shipper_events(b"caf\xe9 closed")
    assert orjson.loads(event)["summary"] == "caf\ufffd closed"


def test_without_message_id_the_id_is_a_hash_of_the_body() -> None:
    [first] = shipper(b'{"summary":"x"}')
    [again] = shipper(b'{"summary":"x"}')
    [other] = shipper(b'{"summary":"y"}')
    assert first.id == again.id == "f8baab5ee57aa37ce419ee373f1a5144"
    assert other.id != first.id


def test_an_empty_body_holds_no_event() -> None:
    assert shipper(b"  \n") == []
