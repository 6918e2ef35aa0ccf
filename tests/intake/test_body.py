from mozdef.config.settings import IntakeSettings
from mozdef.intake.body import Accepted, Rejection, split_body

LIMITS = IntakeSettings(max_event_bytes=200, max_depth=4, max_fields=10)


def reasons(items: list[Accepted | Rejection]) -> list[tuple[int, str]]:
    return [(i.position, i.reason if isinstance(i, Rejection) else "ok") for i in items]


def test_single_object() -> None:
    items = split_body(b'{"summary": "x"}', LIMITS)
    assert items == [Accepted(0, {"summary": "x"}, b'{"summary": "x"}')]


def test_pretty_printed_object_is_one_event() -> None:
    items = split_body(b'{\n  "summary": "x",\n  "n": 1\n}\n', LIMITS)
    assert reasons(items) == [(0, "ok")]
    assert isinstance(items[0], Accepted) and items[0].event == {"summary": "x", "n": 1}


def test_array_of_objects() -> None:
    items = split_body(b'[{"a": 1}, {"b": 2}]', LIMITS)
    assert [i.event for i in items if isinstance(i, Accepted)] == [{"a": 1}, {"b": 2}]


def test_ndjson_lines_with_blank_lines() -> None:
    items = split_body(b'{"a": 1}\n\n{"b": 2}\n', LIMITS)
    assert reasons(items) == [(0, "ok"), (1, "ok")]


def test_bad_line_is_reported_and_the_others_go_on() -> None:
    items = split_body(b'{"a": 1}\n{"b": \n{"c": 3}', LIMITS)
    assert reasons(items) == [(0, "ok"), (1, "invalid_json"), (2, "ok")]


def test_array_element_that_is_not_an_object() -> None:
    items = split_body(b'[{"a": 1}, 5, "x"]', LIMITS)
    assert reasons(items) == [(0, "ok"), (1, "not_an_object"), (2, "not_an_object")]
    assert isinstance(items[1], Rejection)
    assert items[1].message == "expected a JSON object, found int"


def test_invalid_utf8_names_the_byte() -> None:
    items = split_body(b'{"a": 1}\n{"b": "\xff"}', LIMITS)
    assert reasons(items) == [(0, "ok"), (1, "invalid_utf8")]
    assert isinstance(items[1], Rejection) and "byte 7" in items[1].message


def test_too_deep_names_the_limit() -> None:
    items = split_body(b'{"a": {"b": {"c": {"d": {"e": 1}}}}}', LIMITS)
    assert reasons(items) == [(0, "too_deep")]
    assert isinstance(items[0], Rejection) and "intake.max_depth=4" in items[0].message


def test_too_many_fields_names_the_limit() -> None:
    body = b"{" + b",".join(b'"k%d": 1' % n for n in range(11)) + b"}"
    items = split_body(body, LIMITS)
    assert reasons(items) == [(0, "too_many_fields")]


def test_too_large_event_names_the_limit() -> None:
    items = split_body(b'{"a": "' + b"x" * 300 + b'"}\n{"b": 1}', LIMITS)
    assert reasons(items) == [(0, "too_large"), (1, "ok")]
    assert isinstance(items[0], Rejection) and "intake.max_event_bytes=200" in items[0].message


def test_invalid_array_is_one_rejection() -> None:
    assert reasons(split_body(b'[{"a": 1},', LIMITS)) == [(0, "invalid_json")]


def test_brackets_and_colons_inside_strings_do_not_count() -> None:
    body = b'{"a": "' + b"{[:" * 40 + b'"}'
    assert reasons(split_body(body, LIMITS)) == [(0, "ok")]
