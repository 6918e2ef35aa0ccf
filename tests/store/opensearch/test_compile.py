from __future__ import annotations

import datetime as dt
import ipaddress

import pytest

from mozdef.errors import QueryValueError
from mozdef.query.tree import Bool, Cidr, Exists, Phrase, Range, Regex, Term, Wildcard
from mozdef.store.opensearch.compile import Compiler, time_window

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)
S = "\x1f"


def compiler(*listed: str) -> Compiler:
    return Compiler(now=NOW, list_strings=lambda path: list(listed))


def test_a_numeric_keyword_term_asks_for_the_string_and_the_number() -> None:
    assert compiler().compile(Term("details.port", "22")) == {
        "bool": {
            "should": [
                {"term": {"_mozdef.s": f"details.port{S}22"}},
                {"term": {"_mozdef.n": f"details.port{S}c036000000000000"}},
            ],
            "minimum_should_match": 1,
        }
    }


def test_a_summary_term_is_a_phrase_of_its_words() -> None:
    assert compiler().compile(Term("summary", "10.0.0.1")) == {
        "match_phrase": {"_mozdef.w": {"query": "10 0 0 1"}}
    }


def test_a_summary_phrase_without_words_matches_nothing() -> None:
    assert compiler().compile(Phrase("summary", "--")) == {"match_none": {}}


def test_an_unfielded_wildcard_looks_at_keywords_and_the_whole_summary() -> None:
    assert compiler().compile(Wildcard(None, "web*")) == {
        "bool": {
            "should": [
                {"wildcard": {"_mozdef.as": {"value": "web*"}}},
                {"wildcard": {"_mozdef.s": {"value": f"summary{S}web*"}}},
            ],
            "minimum_should_match": 1,
        }
    }


def test_a_regex_is_anchored_under_its_path() -> None:
    assert compiler().compile(Regex("hostname", "web|db")) == {
        "regexp": {"_mozdef.s": {"value": f"hostname\\{S}(web|db)", "flags": "NONE"}}
    }


def test_an_invalid_regex_is_refused_before_it_is_sent() -> None:
    with pytest.raises(QueryValueError):
        compiler().compile(Regex("hostname", "web("))


def test_a_range_with_a_word_bound_compares_strings() -> None:
    assert compiler().compile(Range("hostname", "db", None)) == {
        "range": {"_mozdef.s": {"gte": f"hostname{S}db", "lt": "hostname "}}
    }


def test_a_date_range_resolves_date_math_with_rounding() -> None:
    # 2024-05-14T00:00:00Z and 2024-05-15T23:59:59.999Z in microseconds, plus 2**63.
    query = compiler().compile(Range("utctimestamp", "now-1d/d", "now/d"))

    assert query == {
        "range": {
            "_mozdef.d": {
                "gte": f"utctimestamp{S}8006185eaedd6000",
                "lte": f"utctimestamp{S}80061886ea8c1c18",
            }
        }
    }


def test_wildcards_never_match_a_date_field() -> None:
    assert compiler().compile(Wildcard("utctimestamp", "2024*")) == {"match_none": {}}


def test_exists_is_a_presence_term() -> None:
    assert compiler().compile(Exists("details.geo")) == {"term": {"_mozdef.p": "details.geo"}}


def test_an_ipv4_network_is_a_regexp_over_dotted_text() -> None:
    query = compiler().compile(Cidr("ip", ipaddress.IPv4Network("10.1.0.0/23")))

    assert query == {
        "regexp": {
            "_mozdef.s": {
                "value": f"ip\\{S}10\\.1\\.(0|1)\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])",
                "flags": "NONE",
            }
        }
    }


def test_an_ipv6_network_keeps_the_listed_values_inside_it() -> None:
    query = compiler("fe80::1", "10.0.0.1", "2001:db8::1").compile(
        Cidr("ip", ipaddress.IPv6Network("fe80::/10"))
    )

    assert query == {"terms": {"_mozdef.s": [f"ip{S}fe80::1"]}}


def test_a_bool_of_only_must_not_excludes_from_everything() -> None:
    assert compiler().compile(Bool(must_not=(Exists("a"),))) == {
        "bool": {"must_not": [{"term": {"_mozdef.p": "a"}}]}
    }


def test_an_empty_bool_matches_nothing() -> None:
    assert compiler().compile(Bool()) == {"match_none": {}}


def test_the_time_window_keeps_start_and_excludes_end() -> None:
    start = dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC)

    assert time_window(start, None) == {
        "range": {"_mozdef.d": {"gte": f"utctimestamp{S}80000000000f4240", "lt": "utctimestamp "}}
    }


def test_a_regex_quote_and_newline_escape_mean_what_they_mean_in_python() -> None:
    query = compiler().compile(Regex("note", '"a"\\n'))

    assert query["regexp"]["_mozdef.s"]["value"] == f'note\\{S}(\\"a\\"\n)'
