from __future__ import annotations

import pytest

from mozdef.alerts.rule import IndexKeys
from mozdef.alerts.streaming import RuleIndex, StreamingEngine
from tests.store.random_queries import QueryMaker, make_corpus

from .rules import NOW, QueryRule, event


def test_a_rule_is_evaluated_only_for_events_its_keys_allow() -> None:
    rule = QueryRule("dns-evil", "category:dns AND details.query:*evil.example*")
    engine = StreamingEngine([rule])
    events = [
        event("e1", "dns", query="www.evil.example.com"),
        event("e2", "dns", query="www.good.example.com"),
        event("e3", "syslog", query="www.evil.example.com"),
    ]

    engine.process_many(events, now=NOW)

    assert rule.evaluated == ["e1"]


def test_an_equals_key_is_looked_up_by_value() -> None:
    rule = QueryRule("alice", "details.username:alice AND details.port:22")
    engine = StreamingEngine([rule])

    events = [event("e1", username="bob", port=22), event("e2", username="alice", port=22)]

    engine.process_many(events, now=NOW)

    assert rule.evaluated == ["e2"]


def test_an_equals_key_finds_the_number_however_written() -> None:
    rule = QueryRule("port", "details.port:22.0")
    engine = StreamingEngine([rule])

    engine.process_many([event("e1", port=22), event("e2", port=23)], now=NOW)

    assert rule.evaluated == ["e1"]


def test_needles_are_found_in_every_element_of_a_list() -> None:
    rule = QueryRule("cmd", "details.argv:*passwd*")
    engine = StreamingEngine([rule])

    engine.process_many([event("e1", argv=["cat", "/etc/passwd"]), event("e2", argv=["ls"])])

    assert rule.evaluated == ["e1"]


def test_among_many_needles_on_one_field_only_the_rule_whose_needle_occurs_is_evaluated() -> None:
    rules = [QueryRule(f"r{n}", f"details.cmd:*tool{n:03d}*") for n in range(300)]
    engine = StreamingEngine(rules)

    engine.process(event("e1", cmd="/usr/bin/tool123 --all"), now=NOW)

    assert [r.meta.id for r in rules if r.evaluated] == ["r123"]


def test_a_rule_without_keys_is_offered_every_event() -> None:
    rule = QueryRule("all", "NOT details.port:22")
    engine = StreamingEngine([rule])

    engine.process_many([event("e1"), event("e2", "dns")], now=NOW)

    assert rule.evaluated == ["e1", "e2"]


def test_candidates_are_the_rules_whose_keys_all_hold_in_rule_order() -> None:
    index = RuleIndex(
        [
            IndexKeys(frozenset({"syslog"}), (("details.user", "root"),)),
            IndexKeys(contains=(("summary", "password"),)),
            IndexKeys(frozenset({"dns"})),
            IndexKeys(frozenset({"syslog"}), (("details.user", "root"),), (("summary", "nope"),)),
        ]
    )

    assert index.candidates(event("e1", "syslog", user="root")) == [0, 1]


def _random_rules() -> list[QueryRule]:
    maker = QueryMaker(seed=5)
    return [QueryRule(f"r{number}", maker.query()) for number in range(250)]


@pytest.mark.slow
def test_the_index_loses_no_match_of_random_rules() -> None:
    rules = _random_rules()
    corpus = make_corpus(200, now=NOW, seed=3)
    engine = StreamingEngine(rules)

    found = {(d.rule_id, d.dedup_key) for d in engine.process_many(corpus, now=NOW)}

    everything = {(r.meta.id, str(e["id"])) for r in rules for e in corpus if r.match(e, now=NOW)}
    assert found == everything
