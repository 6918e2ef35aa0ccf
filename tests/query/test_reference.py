from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

import pytest

from mozdef.errors import QueryValueError
from mozdef.query.reference import matches
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    MatchNone,
    Node,
    Phrase,
    Range,
    Regex,
    Term,
    Wildcard,
)

NOW = datetime(2024, 5, 15, 10, 30, tzinfo=UTC)
EVENT: dict[str, Any] = {
    "utctimestamp": "2024-05-15T10:20:00+00:00",
    "category": "authentication",
    "hostname": "web1.example.com",
    "tags": ["ssh", "Linux"],
    "summary": "Failed login for Admin from 10.1.2.3 port 22",
    "details": {
        "username": "Admin",
        "sourceipaddress": "10.1.2.3",
        "port": 22,
        "ratio": 0.5,
        "success": False,
        "empty": "",
        "nothing": None,
        "none_list": [],
        "codes": ["22", 401],
        "hops": [{"ip": "192.168.0.1"}, {"ip": "fe80::1"}],
        "user": {"uid": 1000},
    },
}


def hit(node: Node, event: dict[str, Any] = EVENT) -> bool:
    return matches(node, event, now=NOW)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Term("category", "authentication"), True),
        (Term("category", "Authentication"), False),
        (Term("category", "authent"), False),
        (Term("tags", "Linux"), True),
        (Term("tags", "linux"), False),
        (Term("details.hops.ip", "fe80::1"), True),
        (Term("details.user.uid", "1000"), True),
        (Term("details.user", "1000"), False),
        (Term("details.missing", "x"), False),
    ],
)
def test_keyword_term_is_exact_and_case_sensitive(node: Node, expected: bool) -> None:
    assert hit(node) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("22", True), ("22.0", True), ("022", True), ("23", False), ("0.5", True)],
)
def test_numeric_term_matches_the_same_number(value: str, expected: bool) -> None:
    field = "details.ratio" if value == "0.5" else "details.port"
    assert hit(Term(field, value)) is expected


def test_numeric_term_matches_a_numeric_string_exactly() -> None:
    assert (hit(Term("details.codes", "22")), hit(Term("details.codes", "22.0"))) == (True, False)


def test_boolean_matches_true_or_false_words() -> None:
    assert (hit(Term("details.success", "false")), hit(Term("details.success", "0"))) == (
        True,
        False,
    )


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Term("summary", "failed"), True),
        (Term("summary", "FAILED"), True),
        (Term("summary", "fail"), False),
        (Term("summary", "10.1.2.3"), True),
        (Term("summary", "10.1.2.4"), False),
        (Term("summary", "--"), False),
        (Phrase("summary", "login for admin"), True),
        (Phrase("summary", "admin for login"), False),
        (Phrase("summary", "failed admin"), False),
    ],
)
def test_summary_matches_words_and_consecutive_phrases(node: Node, expected: bool) -> None:
    assert hit(node) is expected


def test_summary_phrase_does_not_span_a_dropped_long_word() -> None:
    event = {"summary": "alpha " + "x" * 45 + " beta"}
    assert hit(Phrase("summary", "alpha beta"), event) is False


def test_phrase_on_a_keyword_is_an_exact_value() -> None:
    assert (hit(Phrase("hostname", "web1.example.com")), hit(Phrase("hostname", "web1"))) == (
        True,
        False,
    )


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Wildcard("details.username", "Adm*"), True),
        (Wildcard("details.username", "adm*"), False),
        (Wildcard("details.username", "Adm?n"), True),
        (Wildcard("details.username", "Ad?n"), False),
        (Wildcard("hostname", "web*"), True),
        (Wildcard("hostname", "*.example.*"), True),
        (Wildcard("details.port", "2*"), False),
        (Wildcard("summary", "Failed*"), True),
        (Wildcard("summary", "login*"), False),
        (Wildcard("details.empty", "*"), True),
    ],
)
def test_wildcard_matches_whole_string_values(node: Node, expected: bool) -> None:
    assert hit(node) is expected


def test_escaped_wildcard_character_is_literal() -> None:
    event = {"details": {"file": "a*b", "other": "axb"}}
    assert (
        hit(Wildcard("details.file", r"a\*b"), event),
        hit(Wildcard("details.other", r"a\*b"), event),
    ) == (True, False)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Regex("details.username", "A.m[a-z]n"), True),
        (Regex("details.username", "dmi"), False),
        (Regex("summary", "Failed.*22"), True),
        (Regex("details.port", "22"), False),
    ],
)
def test_regex_is_anchored_over_string_values(node: Node, expected: bool) -> None:
    assert hit(node) is expected


def test_invalid_regex_raises_naming_the_pattern() -> None:
    with pytest.raises(QueryValueError) as raised:
        hit(Regex("hostname", "web("))

    assert raised.value.value == "web("


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Range("details.port", "20", "22"), True),
        (Range("details.port", "20", "22", include_high=False), False),
        (Range("details.port", "22", None, include_low=False), False),
        (Range("details.port", None, "100"), True),
        (Range("details.ratio", "0.25", "0.75"), True),
        (Range("details.codes", "400", "402"), True),
        (Range("details.codes", "0", "100"), False),
    ],
)
def test_numeric_range_compares_numeric_values(node: Node, expected: bool) -> None:
    assert hit(node) is expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Range("hostname", "web", "wec"), True),
        (Range("hostname", "a", "b"), False),
        (Range("details.port", "a", "z"), False),
    ],
)
def test_string_range_compares_string_values(node: Node, expected: bool) -> None:
    assert hit(node) is expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Range("utctimestamp", "now-15m", None), True),
        (Range("utctimestamp", "now-5m", None), False),
        (Range("utctimestamp", "2024-05-15T10:20:00Z", "2024-05-15T10:20:00Z"), True),
        (Range("utctimestamp", "2024-05-15T10:20:00Z", None, include_low=False), False),
        (Range("utctimestamp", None, "now/d", include_high=True), True),
        (Range("utctimestamp", None, "now/d", include_high=False), False),
        (Range("utctimestamp", "1715768400000", "1715768400000"), True),
    ],
)
def test_date_range_compares_times_with_date_math(node: Node, expected: bool) -> None:
    assert hit(node) is expected


def test_date_term_matches_the_same_instant() -> None:
    assert hit(Term("utctimestamp", "2024-05-15T12:20:00+02:00")) is True


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("details.username", True),
        ("details.empty", True),
        ("details.nothing", False),
        ("details.none_list", False),
        ("details.user", True),
        ("details.missing", False),
        ("details", True),
    ],
)
def test_exists_needs_a_non_null_value(field: str, expected: bool) -> None:
    assert hit(Exists(field)) is expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Cidr("details.sourceipaddress", ipaddress.ip_network("10.0.0.0/8")), True),
        (Cidr("details.sourceipaddress", ipaddress.ip_network("10.2.0.0/16")), False),
        (Cidr("details.hops.ip", ipaddress.ip_network("fe80::/10")), True),
        (Cidr("details.username", ipaddress.ip_network("10.0.0.0/8")), False),
        (Cidr("details.sourceipaddress", ipaddress.ip_network("::/0")), False),
    ],
)
def test_cidr_matches_addresses_inside_the_network(node: Node, expected: bool) -> None:
    assert hit(node) is expected


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Term(None, "authentication"), True),
        (Term(None, "admin"), True),
        (Term(None, "Admin"), True),
        (Term(None, "22"), True),
        (Term(None, "1000"), True),
        (Term(None, "web1"), False),
        (Term(None, "2024-05-15T10:20:00+00:00"), False),
        (Wildcard(None, "web1.*"), True),
        (Wildcard(None, "Fail*"), True),
        (Phrase(None, "login for"), True),
    ],
)
def test_unfielded_queries_search_keywords_details_and_summary(node: Node, expected: bool) -> None:
    assert hit(node) is expected


A, B, C = Term("tags", "ssh"), Term("tags", "Linux"), Term("tags", "other")


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Bool(must=(A, B)), True),
        (Bool(must=(A, C)), False),
        (Bool(should=(C, A)), True),
        (Bool(should=(C,)), False),
        (Bool(must=(A,), should=(C,)), True),
        (Bool(must_not=(C,)), True),
        (Bool(must_not=(A,)), False),
        (Bool(must=(A,), must_not=(B,)), False),
        (Bool(), False),
        (MatchAll(), True),
        (MatchNone(), False),
    ],
)
def test_bool_follows_lucene_occurrence_rules(node: Node, expected: bool) -> None:
    assert hit(node) is expected
