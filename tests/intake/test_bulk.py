from mozdef.config.settings import IntakeSettings
from mozdef.intake.body import Accepted, Rejection
from mozdef.intake.bulk import bulk_answer, parse_bulk

LIMITS = IntakeSettings()


def test_index_and_create_actions_carry_index_and_id() -> None:
    body = (
        b'{"index": {"_index": "logs", "_id": "a1"}}\n{"summary": "one"}\n'
        b'{"create": {}}\n{"summary": "two"}\n'
    )
    items = parse_bulk(body, LIMITS)
    assert [(i.action, i.index, i.doc_id) for i in items] == [
        ("index", "logs", "a1"),
        ("create", "events", None),
    ]
    assert all(isinstance(i.item, Accepted) for i in items)


def test_delete_is_refused_without_consuming_a_document_line() -> None:
    body = b'{"delete": {"_id": "x"}}\n{"index": {}}\n{"summary": "kept"}\n'
    items = parse_bulk(body, LIMITS)
    assert [i.action for i in items] == ["delete", "index"]
    assert isinstance(items[0].item, Rejection) and items[0].item.reason == "unsupported_action"
    assert isinstance(items[1].item, Accepted)


def test_bad_document_is_one_failed_item() -> None:
    body = b'{"index": {}}\n{"summary": \n{"index": {}}\n{"summary": "ok"}\n'
    items = parse_bulk(body, LIMITS)
    assert isinstance(items[0].item, Rejection) and items[0].item.reason == "invalid_json"
    assert isinstance(items[1].item, Accepted)


def test_action_without_document_is_reported() -> None:
    items = parse_bulk(b'{"index": {}}\n', LIMITS)
    assert isinstance(items[0].item, Rejection) and items[0].item.reason == "missing_source"


def test_answer_has_elasticsearch_shape() -> None:
    items = parse_bulk(b'{"index": {"_index": "logs"}}\n{"a": 1}\n{"index": {}}\n[1]\n', LIMITS)
    answer = bulk_answer([(items[0], "id-1"), (items[1], None)], took_ms=3)
    assert answer["took"] == 3
    assert answer["errors"] is True
    assert answer["items"][0]["index"]["status"] == 201
    assert answer["items"][0]["index"]["_id"] == "id-1"
    assert answer["items"][0]["index"]["_index"] == "logs"
    assert answer["items"][1]["index"]["status"] == 400
    assert answer["items"][1]["index"]["error"]["type"] == "mapper_parsing_exception"


def test_answer_without_failures_reports_no_errors() -> None:
    items = parse_bulk(b'{"index": {}}\n{"a": 1}\n', LIMITS)
    assert bulk_answer([(items[0], "x")], took_ms=1)["errors"] is False


def test_compact_action_lines_read_as_their_spaced_forms() -> None:
    body = b'{"index":{}}\n{"a": 1}\n{"create":{}}\n{"a": 2}\n{"create": {}}\n{"a": 3}\n'
    items = parse_bulk(body, LIMITS)
    assert [(i.action, i.index, i.doc_id) for i in items] == [
        ("index", "events", None),
        ("create", "events", None),
        ("create", "events", None),
    ]
