from __future__ import annotations

import ipaddress

from mozdef.alerts.rule import IndexKeys
from mozdef.alerts.streaming.keys import index_keys, union_keys
from mozdef.query.lucene import parse
from mozdef.query.tree import Cidr, Wildcard


def test_category_and_keyword_terms_of_an_and_become_categories_and_equals() -> None:
    keys = index_keys(parse("category:syslog AND details.username:alice AND details.port:22"))

    assert keys == IndexKeys(
        categories=frozenset({"syslog"}),
        equals=(("details.username", "alice"), ("details.port", "22")),
    )


def test_an_or_of_categories_gives_each_of_them() -> None:
    keys = index_keys(parse("category:(dns OR bro) AND hostname:h1"))

    assert keys == IndexKeys(frozenset({"dns", "bro"}), (("hostname", "h1"),))


def test_a_wildcard_gives_its_longest_literal_run_as_needle() -> None:
    keys = index_keys(Wildcard("details.url", "*/api/*/users/list*"))

    assert keys.contains == (("details.url", "/users/list"),)


def test_runs_shorter_than_three_characters_are_not_needles() -> None:
    assert index_keys(Wildcard("details.url", "ab*")) == IndexKeys()


def test_an_or_gives_needles_only_when_every_branch_has_one() -> None:
    both = index_keys(parse("details.a:*foo* OR summary:*bar*"))
    one = index_keys(parse("details.a:*foo* OR details.b:x?"))

    assert (both.contains, one.contains) == ((("details.a", "foo"), ("summary", "bar")), ())


def test_an_ipv4_network_gives_its_whole_octets_as_needle() -> None:
    keys = index_keys(Cidr("details.ip", ipaddress.ip_network("10.1.0.0/16")))

    assert keys.contains == (("details.ip", "10.1."),)


def test_negated_and_text_clauses_give_no_keys() -> None:
    assert index_keys(parse("NOT category:dns AND summary:failed")) == IndexKeys()


def test_the_term_used_as_equals_is_not_also_a_needle() -> None:
    keys = index_keys(parse("details.user:alice AND details.cmd:*wget*"))

    assert (keys.equals, keys.contains) == (
        (("details.user", "alice"),),
        (("details.cmd", "wget"),),
    )


def test_union_keeps_what_holds_for_every_member() -> None:
    first = IndexKeys(frozenset({"a"}), (("x", "1"), ("y", "2")), (("s", "foo"),))
    second = IndexKeys(frozenset({"b"}), (("y", "2"),), (("s", "bar"),))

    assert union_keys([first, second]) == IndexKeys(
        frozenset({"a", "b"}), (("y", "2"),), (("s", "foo"), ("s", "bar"))
    )


def test_union_with_a_member_without_categories_or_needles_drops_them() -> None:
    first = IndexKeys(frozenset({"a"}), (), (("s", "foo"),))

    assert union_keys([first, IndexKeys()]) == IndexKeys()


def test_union_turns_differing_equals_into_needles() -> None:
    failures = IndexKeys(equals=(("details.outcome", "failure"),))
    successes = IndexKeys(equals=(("details.port", "22"), ("details.outcome", "success")))

    assert union_keys([failures, successes]).contains == (
        ("details.outcome", "failure"),
        ("details.outcome", "success"),
    )
