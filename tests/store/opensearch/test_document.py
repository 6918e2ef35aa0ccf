from __future__ import annotations

from mozdef.store.opensearch.document import (
    hidden_fields,
    phrase_tokens,
    summary_tokens,
    to_document,
    to_event,
)

S = "\x1f"


def test_strings_numbers_and_booleans_go_to_their_own_fields() -> None:
    fields = hidden_fields("a", {"details": {"port": 22, "name": "22", "ok": True}})

    assert (fields["s"], fields["n"], fields["b"]) == (
        [f"details.name{S}22"],
        [f"details.port{S}c036000000000000"],
        [f"details.ok{S}true"],
    )


def test_every_path_above_a_value_is_present() -> None:
    fields = hidden_fields("a", {"details": {"geo": {"country": "US"}, "empty": []}})

    assert fields["p"] == ["details", "details.geo", "details.geo.country"]


def test_a_key_with_a_dot_is_present_above_it_only() -> None:
    fields = hidden_fields("a", {"details": {"a.b": "x"}})

    assert (fields["p"], "s" in fields) == (["details"], False)


def test_unfielded_values_leave_out_dates_and_summary() -> None:
    event = {"utctimestamp": "2024-05-15T10:00:00Z", "summary": "s", "hostname": "h", "n": 1}

    fields = hidden_fields("a", event)

    assert (fields["as"], fields["an"]) == (["h"], ["bff0000000000000"])


def test_a_date_field_is_indexed_as_an_instant_and_as_microseconds() -> None:
    fields = hidden_fields("a", {"utctimestamp": "1970-01-01T00:00:01Z"})

    assert (fields["d"], fields["utctimestamp"]) == (
        [f"utctimestamp{S}80000000000f4240"],
        [1_000_000],
    )


def test_a_date_that_does_not_parse_is_only_present() -> None:
    fields = hidden_fields("a", {"utctimestamp": "yesterday"})

    assert sorted(fields) == ["id", "p"]


def test_summary_words_mark_dropped_words_and_encode_non_ascii_ones() -> None:
    assert summary_tokens("Alpha " + "x" * 45 + " beta é") == "alpha _x beta _c3a9"


def test_a_phrase_starts_at_its_first_kept_word() -> None:
    assert phrase_tokens("x" * 45 + " one " + "y" * 45 + " two") == "one _x two"


def test_a_phrase_without_words_is_empty() -> None:
    assert phrase_tokens("--") == ""


def test_an_unindexed_document_gives_back_the_event() -> None:
    event = {"utctimestamp": "2024-05-15T10:00:00Z", "details": {"a": 1}}

    body = to_document("a", event, indexed=False)
    body.pop("_mozdef")

    assert to_event(body) == event


def test_a_path_in_a_list_of_objects_is_present_once() -> None:
    fields = hidden_fields("a", {"hops": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}]})

    assert fields["p"] == ["hops", "hops.ip"]
