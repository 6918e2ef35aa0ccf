"""Wildcard, Lucene regex and network translation, and the JSON term encoding they rely on."""

from __future__ import annotations

import ipaddress
import re

import orjson
import pytest
import tantivy

from mozdef.errors import QueryValueError
from mozdef.store.tantivy.patterns import ipv4_network_regex, lucene_to_regex, wildcard_to_regex


def test_wildcard_star_and_question_mark() -> None:
    assert wildcard_to_regex("ad?n*") == "ad.n.*"


def test_wildcard_escapes_regex_characters() -> None:
    assert wildcard_to_regex("a.b+c") == r"a\.b\+c"


def test_wildcard_backslash_makes_a_star_literal() -> None:
    assert wildcard_to_regex(r"a\*") == r"a\*"


def test_lucene_caret_and_dollar_are_literal() -> None:
    assert lucene_to_regex("^a$") == r"\^a\$"


def test_lucene_any_string_operator() -> None:
    assert lucene_to_regex("ab@") == "ab.*"


def test_lucene_quoted_string_is_literal() -> None:
    assert lucene_to_regex('"a.b"c') == r"a\.bc"


def test_lucene_digit_class_is_ascii() -> None:
    assert lucene_to_regex(r"\d+") == "[0-9]+"


def test_lucene_class_keeps_ranges_and_escapes_set_operators() -> None:
    assert lucene_to_regex("[a-z&~]") == r"[a-z\&\~]"


def test_lucene_complement_is_refused() -> None:
    with pytest.raises(QueryValueError, match="complement"):
        lucene_to_regex("~a")


def test_lucene_unclosed_class_is_refused() -> None:
    with pytest.raises(QueryValueError, match="closing"):
        lucene_to_regex("[ab")


@pytest.mark.parametrize(
    ("network", "inside", "outside"),
    [
        ("10.0.0.0/8", "10.255.0.1", "11.0.0.1"),
        ("172.16.0.0/12", "172.31.4.5", "172.32.0.1"),
        ("192.168.1.128/25", "192.168.1.200", "192.168.1.127"),
        ("8.8.8.8/32", "8.8.8.8", "8.8.8.80"),
    ],
)
def test_ipv4_network_regex_matches_inside_only(network: str, inside: str, outside: str) -> None:
    pattern = re.compile(ipv4_network_regex(ipaddress.IPv4Network(network)))
    assert (bool(pattern.fullmatch(inside)), bool(pattern.fullmatch(outside))) == (True, False)


def test_ipv4_network_regex_refuses_leading_zeros() -> None:
    pattern = re.compile(ipv4_network_regex(ipaddress.IPv4Network("10.0.0.0/8")))
    assert pattern.fullmatch("10.01.0.1") is None


def test_tantivy_still_encodes_json_terms_as_path_nul_type_value() -> None:
    # compile.py matches patterns on JSON paths through this internal encoding of
    # tantivy 0.27; this test fails if an upgrade changes it.
    builder = tantivy.SchemaBuilder()
    builder.add_json_field("details", fast=True, tokenizer_name="raw")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(15_000_000, 1)
    writer.add_json(orjson.dumps({"details": {"user": {"name": "alice"}}}).decode())
    writer.commit()
    index.reload()

    query = tantivy.Query.regex_query(schema, "details", "user\x01name\x00sal.ce")

    assert index.searcher().search(query, 1).hits != []
