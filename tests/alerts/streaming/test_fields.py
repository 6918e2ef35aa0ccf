from __future__ import annotations

from mozdef.alerts.streaming.fields import key_texts, lookup_texts, reader


def test_reader_walks_nested_objects() -> None:
    assert reader("details.a.b")({"details": {"a": {"b": 1}}}) == [1]


def test_reader_walks_into_lists_of_objects_and_flattens_lists() -> None:
    event = {"details": {"items": [{"x": 1}, {"x": [2, 3]}, "loose"]}}

    assert reader("details.items.x")(event) == [1, 2, 3]


def test_reader_leaves_out_null_and_objects() -> None:
    event = {"details": {"gone": None, "inner": {"k": 1}, "mixed": [None, "a", {"k": 2}]}}

    assert (reader("details.gone")(event), reader("details.inner")(event)) == ([], [])
    assert reader("details.mixed")(event) == ["a"]


def test_reader_of_a_top_level_list_gives_its_elements() -> None:
    assert reader("tags")({"tags": ["ssh", "linux"]}) == ["ssh", "linux"]


def test_reader_of_a_missing_path_is_empty() -> None:
    assert reader("details.a.b")({"details": {"a": "text"}}) == []


def test_lookup_texts_spell_numbers_and_booleans_as_queries_do() -> None:
    values = [22, 22.0, 1.5, True, False, "x", {"k": 1}]

    spelled = [lookup_texts(value) for value in values]

    assert spelled == [("22",), ("22",), ("1.5",), ("true",), ("false",), ("x",), ()]


def test_key_texts_add_the_canonical_number() -> None:
    assert [key_texts(text) for text in ("22.0", "22", "abc", "1e3")] == [
        ("22.0", "22"),
        ("22",),
        ("abc",),
        ("1e3", "1000"),
    ]
