"""Each compile rule on the small corpus (see conftest for the events)."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest

from mozdef.errors import QueryValueError
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    MatchNone,
    Phrase,
    Range,
    Regex,
    Term,
    Wildcard,
    not_,
)
from mozdef.store.base import SearchRequest
from mozdef.store.tantivy import TantivyStore
from tests.store.tantivy.conftest import ids


def test_match_all_and_match_none(store: TantivyStore) -> None:
    assert (len(ids(store, MatchAll())), ids(store, MatchNone())) == (7, [])


def test_summary_term_is_a_case_insensitive_word(store: TantivyStore) -> None:
    assert ids(store, Term("summary", "FAILED")) == ["a1", "b2"]


def test_summary_term_of_several_words_is_a_phrase(store: TantivyStore) -> None:
    assert ids(store, Term("summary", "10.1.2.3")) == ["a1"]


def test_summary_phrase_needs_the_words_in_order(store: TantivyStore) -> None:
    assert (
        ids(store, Phrase("summary", "failed login")),
        ids(store, Phrase("summary", "login failed")),
    ) == (["b2"], [])


def test_summary_term_without_words_matches_nothing(store: TantivyStore) -> None:
    assert ids(store, Term("summary", "--")) == []


def test_keyword_term_is_exact_and_case_sensitive(store: TantivyStore) -> None:
    assert (
        ids(store, Term("hostname", "web1.example.com")),
        ids(store, Term("category", "Authentication")),
    ) == (["a1", "b2"], [])


def test_details_number_matches_the_number_and_the_string(store: TantivyStore) -> None:
    assert ids(store, Term("details.destinationport", "22")) == ["a1", "a2"]


def test_details_fraction_form_matches_the_number_only(store: TantivyStore) -> None:
    assert ids(store, Term("details.destinationport", "22.0")) == ["a1"]


def test_details_float_matches(store: TantivyStore) -> None:
    assert ids(store, Term("details.bytes", "1500.5")) == ["a2"]


def test_details_boolean_matches_true_and_false(store: TantivyStore) -> None:
    assert (
        ids(store, Term("details.success", "true")),
        ids(store, Term("details.success", "false")),
    ) == (["b2"], ["a1"])


def test_number_sent_in_a_keyword_field_matches_as_a_number(store: TantivyStore) -> None:
    assert ids(store, Term("processid", "1234.0")) == ["c2"]


def test_unfielded_term_matches_exact_values_and_summary_words(store: TantivyStore) -> None:
    assert ids(store, Term(None, "admin")) == ["a1"]


def test_unfielded_number_matches_numbers_strings_and_words(store: TantivyStore) -> None:
    assert ids(store, Term(None, "22")) == ["a1", "a2"]


def test_unfielded_phrase_matches_summary_phrases(store: TantivyStore) -> None:
    assert ids(store, Phrase(None, "connection reset")) == ["a3"]


def test_wildcard_on_a_keyword(store: TantivyStore) -> None:
    assert ids(store, Wildcard("hostname", "web*")) == ["a1", "a3", "b2"]


def test_wildcard_question_mark_is_one_character(store: TantivyStore) -> None:
    assert ids(store, Wildcard("details.username", "adm?n")) == ["a1"]


def test_wildcard_on_a_details_path(store: TantivyStore) -> None:
    assert ids(store, Wildcard("details.username", "admin*")) == ["a1", "b2"]


def test_wildcard_on_summary_matches_the_whole_summary(store: TantivyStore) -> None:
    assert (
        ids(store, Wildcard("summary", "Disk*")),
        ids(store, Wildcard("summary", "usage*")),
    ) == (["b1"], [])


def test_wildcard_escapes_regex_characters(store: TantivyStore) -> None:
    assert ids(store, Wildcard("details.destination", "http://example.com/index.html")) == ["c1"]


def test_unfielded_wildcard_matches_any_string_value(store: TantivyStore) -> None:
    assert ids(store, Wildcard(None, "admin*")) == ["a1", "b2"]


def test_lone_star_wildcard_is_exists(store: TantivyStore) -> None:
    assert ids(store, Wildcard("details.username", "*")) == ["a1", "a2", "b2"]


def test_regex_on_a_keyword(store: TantivyStore) -> None:
    assert ids(store, Regex("hostname", r"web[12]\..*")) == ["a1", "a3", "b2"]


def test_regex_caret_is_a_literal_as_in_lucene(store: TantivyStore) -> None:
    assert ids(store, Regex("hostname", "^web.*")) == []


def test_regex_on_a_details_path(store: TantivyStore) -> None:
    assert ids(store, Regex("details.username", "al.ce")) == ["a2"]


def test_regex_with_a_lucene_only_operator_is_refused(store: TantivyStore) -> None:
    with pytest.raises(QueryValueError, match="intersection"):
        ids(store, Regex("hostname", "web.*&.*com"))


def test_date_range_with_date_math(store: TantivyStore) -> None:
    assert ids(store, Range("utctimestamp", "now-30m", "now")) == ["a1"]


def test_date_range_rounded_up_covers_the_last_microseconds(store: TantivyStore) -> None:
    assert ids(store, Range("utctimestamp", "now-1d/d", "now-1d/d")) == ["b1", "b2"]


def test_date_range_exclusive_bounds(store: TantivyStore) -> None:
    range_ = Range("utctimestamp", "2026-12-03T06:00:00Z", "2026-12-03T11:50:00Z", False, False)
    assert ids(store, range_) == ["a2"]


def test_numeric_range_on_details_with_mixed_bounds(store: TantivyStore) -> None:
    assert ids(store, Range("details.bytes", "0", "1500.5")) == ["a2", "a3", "c2"]


def test_numeric_range_with_a_fractional_low_bound_excludes_the_integer_below(
    store: TantivyStore,
) -> None:
    assert ids(store, Range("details.bytes", "0.5", "100")) == ["a3"]


def test_numeric_range_with_a_negative_fractional_high_bound(store: TantivyStore) -> None:
    assert ids(store, Range("details.bytes", None, "-0.5")) == ["b1"]


def test_numeric_range_compares_numbers_not_numeric_strings(store: TantivyStore) -> None:
    assert ids(store, Range("details.destinationport", "20", "30")) == ["a1"]


def test_string_range_on_a_keyword(store: TantivyStore) -> None:
    assert ids(store, Range("hostname", "db", "mail")) == ["a2"]


def test_exists_on_an_object_path(store: TantivyStore) -> None:
    assert ids(store, Exists("details.geo")) == ["a3"]


def test_exists_counts_an_empty_string_as_a_value(store: TantivyStore) -> None:
    assert ids(store, Exists("details.note")) == ["b1"]


def test_exists_on_a_keyword_holding_a_number(store: TantivyStore) -> None:
    assert ids(store, Exists("processid")) == ["c2"]


def test_ipv4_network(store: TantivyStore) -> None:
    network = ipaddress.ip_network("10.0.0.0/8")
    assert ids(store, Cidr("details.sourceipaddress", network)) == ["a1"]


def test_ipv4_network_off_an_octet_boundary(store: TantivyStore) -> None:
    network = ipaddress.ip_network("192.168.0.0/23")
    assert ids(store, Cidr("details.sourceipaddress", network)) == ["a2"]


def test_ipv6_network(store: TantivyStore) -> None:
    network = ipaddress.ip_network("fe80::/10")
    assert ids(store, Cidr("details.sourceipaddress", network)) == ["b2"]


def test_pure_negative_bool_is_everything_but(store: TantivyStore) -> None:
    assert ids(store, not_(Term("category", "authentication"))) == ["a3", "b1", "c1", "c2"]


def test_should_beside_must_only_ranks(store: TantivyStore) -> None:
    query = Bool(must=(Term("category", "authentication"),), should=(Term("hostname", "x"),))
    assert ids(store, query) == ["a1", "a2", "b2"]


def test_should_alone_needs_one_match(store: TantivyStore) -> None:
    query = Bool(should=(Term("hostname", "proxy1"), Term("hostname", "proxy2")))
    assert ids(store, query) == ["c1", "c2"]


def test_bool_without_clauses_matches_nothing(store: TantivyStore) -> None:
    assert ids(store, Bool()) == []


def test_custom_application_fields_are_searchable(store: TantivyStore) -> None:
    found = (
        ids(store, Term("asset.hostname", "srv1"), index="vulns-*"),
        ids(store, Range("cvss", "7", "8"), index="vulns-*"),
    )
    assert found == (["v1"], ["v1"])


def test_a_search_window_open_at_either_end(store: TantivyStore) -> None:
    everything = len(ids(store, MatchAll()))
    far = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    since = store.search(SearchRequest(start=far, end=None, index="events-*", size=100))
    until = store.search(SearchRequest(start=None, end=dt.datetime.now(dt.UTC), index="events-*"))

    assert since.total == everything
    assert until.total == everything
