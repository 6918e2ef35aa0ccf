from __future__ import annotations

import ipaddress

import pytest

from mozdef.errors import QuerySyntaxError
from mozdef.query.lucene import parse
from mozdef.query.tree import (
    Bool,
    Cidr,
    Exists,
    MatchAll,
    Node,
    Phrase,
    Range,
    Regex,
    Term,
    Wildcard,
)

A, B, C = Term(None, "a"), Term(None, "b"), Term(None, "c")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category:authentication", Term("category", "authentication")),
        ("details.username:admin", Term("details.username", "admin")),
        ("admin", Term(None, "admin")),
        ('"failed login"', Phrase(None, "failed login")),
        ('summary:"failed login"', Phrase("summary", "failed login")),
        ("details.username:admin*", Wildcard("details.username", "admin*")),
        ("hostname:web?.example.com", Wildcard("hostname", "web?.example.com")),
        ("/adm.n/", Regex(None, "adm.n")),
        ("hostname:/web[0-9]+/", Regex("hostname", "web[0-9]+")),
        ("_exists_:details.sourceipaddress", Exists("details.sourceipaddress")),
        ("details.username:*", Exists("details.username")),
        ("details.port:22", Term("details.port", "22")),
    ],
)
def test_each_leaf_form_parses_to_its_node(query: str, expected: Node) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("details.port:[20 TO 25]", Range("details.port", "20", "25", True, True)),
        ("details.port:{20 TO 25}", Range("details.port", "20", "25", False, False)),
        ("details.port:[20 TO 25}", Range("details.port", "20", "25", True, False)),
        ("details.port:{20 TO 25]", Range("details.port", "20", "25", False, True)),
        ("details.port:[20 TO *]", Range("details.port", "20", None, True, True)),
        ("details.port:[* TO 25]", Range("details.port", None, "25", True, True)),
        ("details.port:[-5 TO 5]", Range("details.port", "-5", "5", True, True)),
        ("details.port:>=5", Range("details.port", "5", None, True, True)),
        ("details.port:>5", Range("details.port", "5", None, False, True)),
        ("details.port:<5", Range("details.port", None, "5", True, False)),
        ("details.port:<=5", Range("details.port", None, "5", True, True)),
        ('details.name:["a b" TO "c d"]', Range("details.name", "a b", "c d", True, True)),
    ],
)
def test_ranges_parse_with_their_bounds_and_inclusivity(query: str, expected: Node) -> None:
    assert parse(query) == expected


def test_relative_time_bounds_stay_as_written() -> None:
    expected = Range("utctimestamp", "now-15m", "now/d", True, True)
    assert parse("utctimestamp:[now-15m TO now/d]") == expected


def test_iso_time_bounds_keep_their_colons() -> None:
    expected = Range("utctimestamp", "2024-05-01T10:00:00Z", None, False, True)
    assert parse("utctimestamp:>2024-05-01T10:00:00Z") == expected


@pytest.mark.parametrize(
    ("query", "network"),
    [
        ("details.sourceipaddress:10.0.0.0/8", "10.0.0.0/8"),
        ('details.sourceipaddress:"10.0.0.0/8"', "10.0.0.0/8"),
        ('details.sourceipaddress:"fe80::/10"', "fe80::/10"),
        ("details.sourceipaddress:10.1.2.3/8", "10.0.0.0/8"),
    ],
)
def test_fielded_network_with_a_slash_is_a_cidr(query: str, network: str) -> None:
    assert parse(query) == Cidr("details.sourceipaddress", ipaddress.ip_network(network))


def test_slash_value_that_is_not_a_network_stays_a_term() -> None:
    assert parse("details.path:usr/bin") == Term("details.path", "usr/bin")


@pytest.mark.parametrize("query", ["", "   ", "*", "*:*"])
def test_empty_or_star_query_matches_everything(query: str) -> None:
    assert parse(query) == MatchAll()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a b", Bool(should=(A, B))),
        ("a OR b", Bool(should=(A, B))),
        ("a || b", Bool(should=(A, B))),
        ("a AND b", Bool(must=(A, B))),
        ("a && b", Bool(must=(A, B))),
        ("+a b", Bool(must=(A,), should=(B,))),
        ("+a -b c", Bool(must=(A,), should=(C,), must_not=(B,))),
        ("NOT a", Bool(must_not=(A,))),
        ("!a", Bool(must_not=(A,))),
        ("-a", Bool(must_not=(A,))),
        ("a AND NOT b", Bool(must=(A,), must_not=(B,))),
        ("a && !b", Bool(must=(A,), must_not=(B,))),
        ("a NOT b", Bool(should=(A,), must_not=(B,))),
        ("+a", A),
    ],
)
def test_boolean_operators_give_lucene_clauses(query: str, expected: Node) -> None:
    assert parse(query) == expected


def test_and_then_or_requires_both_sides_of_the_and_only() -> None:
    # Lucene's classic parser: `a AND b OR c` is `+a +b c`.
    assert parse("a AND b OR c") == Bool(must=(A, B), should=(C,))


def test_or_then_and_requires_both_sides_of_the_and_only() -> None:
    assert parse("a OR b AND c") == Bool(must=(B, C), should=(A,))


def test_and_does_not_require_a_prohibited_clause_before_it() -> None:
    assert parse("-a AND b") == Bool(must=(B,), must_not=(A,))


def test_parentheses_group_clauses_into_one() -> None:
    assert parse("(a OR b) AND c") == Bool(must=(Bool(should=(A, B)), C))


def test_field_group_applies_the_field_to_each_value() -> None:
    expected = Bool(should=(Term("category", "a"), Term("category", "b")))
    assert parse("category:(a OR b)") == expected


def test_field_group_keeps_its_operators() -> None:
    expected = Bool(must=(Term("tags", "x"),), must_not=(Term("tags", "y"),))
    assert parse("tags:(x AND NOT y)") == expected


def test_symbols_inside_words_are_not_operators() -> None:
    assert parse("a&&b") == Term(None, "a&&b")


def test_operator_symbols_inside_a_phrase_stay_text() -> None:
    assert parse('"a && !b"') == Phrase(None, "a && !b")


def test_boost_is_accepted_and_ignored() -> None:
    assert parse("category:a^2") == Term("category", "a")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (r"details.path:c\:\\temp", Term("details.path", "c:\\temp")),
        (r"details.name:John\ Smith", Term("details.name", "John Smith")),
        (r"details.a\.b:x", Term("details.a.b", "x")),
        (r'"say \"hi\""', Phrase(None, 'say "hi"')),
        (r"details.file:a\*b*", Wildcard("details.file", r"a\*b*")),
        (r"details.file:a\*b", Term("details.file", "a*b")),
        (r"details.x:\(1\)", Term("details.x", "(1)")),
        (r"/a\/b/", Regex(None, "a/b")),
    ],
)
def test_escaped_characters_are_read_literally(query: str, expected: Node) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "position", "expected"),
    [
        ("(a OR b", 7, "a closing parenthesis"),
        ("a OR b)", 6, "an opening parenthesis before this ')'"),
        ("category:", 9, "a value after 'category:'"),
        ("category: AND b", 10, "a value after 'category:'"),
        ("details.port:[1 5]", 16, "TO in a range"),
        ("details.port:[1 TO]", 18, "an upper bound in the range"),
        ("details.port:[1 TO 5", 20, "a closing ] or } for the range"),
        ("a AND", 5, "a term after 'AND'"),
        ("a &&", 4, "a term after '&&'"),
        ("a || ", 5, "a term after '||'"),
        ("OR b", 0, "a term before 'OR'"),
        ('summary:"failed', 15, 'a closing " for the phrase that opens at position 8'),
        ("x:/abc", 6, "a closing / for the regular expression that opens at position 2"),
        ("abc\\", 3, "a character after the escape '\\'"),
        ("details.port:>", 14, "a value after '>'"),
        ("[1 TO 2]", 0, "a field before the range, as in field:[low TO high]"),
        ("summary:login~2", 13, "no ~ (fuzzy and proximity are not supported)"),
    ],
)
def test_syntax_error_names_position_and_expectation(
    query: str, position: int, expected: str
) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse(query)

    assert (raised.value.position, raised.value.expected) == (position, expected)


def test_syntax_error_position_counts_in_the_original_text() -> None:
    # `&&` becomes a longer word before luqum sees it; the position must not move.
    with pytest.raises(QuerySyntaxError) as raised:
        parse("a && b && (c")

    assert raised.value.position == 12


def test_syntax_error_keeps_the_query() -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse("(a")

    assert raised.value.query == "(a"
