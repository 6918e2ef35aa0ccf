from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from mozdef.alerts.streaming.predicate import compile_predicate
from mozdef.query.lucene import parse
from mozdef.query.reference import matches
from mozdef.query.tree import Bool, Cidr, Node, Range, Term, Wildcard
from tests.store.random_queries import QueryMaker, make_corpus

NOW = datetime(2024, 5, 15, 12, 0, tzinfo=UTC)
CORPUS = make_corpus(400, now=NOW, seed=11)


def _random_queries(count: int) -> list[str]:
    maker = QueryMaker(seed=77)
    return [maker.query() for _ in range(count)]


@pytest.mark.parametrize("query", _random_queries(300))
def test_compiled_query_agrees_with_the_reference(query: str) -> None:
    tree = parse(query)
    predicate = compile_predicate(tree)

    differing = [
        event["id"] for event in CORPUS if predicate(event, NOW) != matches(tree, event, now=NOW)
    ]

    assert differing == []


def _answers(node: Node, values: list[object]) -> list[bool]:
    predicate = compile_predicate(node)
    return [predicate({"details": {"v": value}}, NOW) for value in values]


def test_prefix_and_suffix_wildcard_needs_both_without_overlap() -> None:
    node = Wildcard("details.v", "ab*ba")

    assert _answers(node, ["abba", "aba", "ab-x-ba", "xabba"]) == [True, False, True, False]


def test_wildcards_match_strings_only() -> None:
    assert _answers(Wildcard("details.v", "2*"), ["22", 22]) == [True, False]


def test_term_matches_the_same_number_however_written() -> None:
    assert _answers(Term("details.v", "22"), [22, 22.0, "22", "22.0"]) == [True, True, True, False]


def test_term_true_matches_the_boolean_and_the_string() -> None:
    assert _answers(Term("details.v", "true"), [True, "true", 1]) == [True, True, False]


def test_cidr_matches_addresses_of_its_version_only() -> None:
    node = Cidr("details.v", ipaddress.ip_network("10.1.0.0/16"))

    answers = _answers(node, ["10.1.2.3", "10.2.0.1", "::ffff:10.1.2.3", "nonsense", 10])

    assert answers == [True, False, False, False, False]


def test_numeric_range_compares_numbers_not_numeric_strings() -> None:
    node = Range("details.v", low="1", high="5", include_high=False)

    assert _answers(node, [3, 5, "3", True, 1]) == [True, False, False, False, True]


def test_bool_without_clauses_matches_nothing() -> None:
    assert _answers(Bool(), ["anything"]) == [False]
