from __future__ import annotations

from mozdef.alerts.rule import IndexKeys
from mozdef.alerts.sigma import SigmaOptions
from mozdef.alerts.streaming import WindowLimits

from .helpers import MAPPING, NOW, correlation, correlation_text, login, stream

KEY = "00000000-0000-4000-8000-00000000000c:details.sourceip="
PAIR = "[failed_login, successful_login]"


def test_event_count_alerts_when_a_group_reaches_the_threshold() -> None:
    rule = correlation(correlation_text("event_count"))
    events = [login(f"e{n}", 5 - n, "failure", "10.0.0.1") for n in range(3)]

    drafts = [draft for event in events for draft in rule.match(event, now=NOW)]

    assert [(d.dedup_key, d.count, d.summary) for d in drafts] == [
        (KEY + "10.0.0.1", 3, "Correlated logins: 3 events for details.sourceip=10.0.0.1")
    ]
    assert [sample.id for sample in drafts[0].events] == ["e0", "e1", "e2"]


def test_event_count_counts_each_group_apart() -> None:
    rule = correlation(correlation_text("event_count"))
    ips = ["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1"]

    drafts = stream(rule, [login(f"e{n}", 5 - n, "failure", ip) for n, ip in enumerate(ips)])

    assert drafts == [(KEY + "10.0.0.1", 3)]


def test_events_further_apart_than_the_timespan_do_not_add_up() -> None:
    rule = correlation(correlation_text("event_count"))

    drafts = stream(
        rule, [login(f"e{n}", m, "failure", "10.0.0.1") for n, m in enumerate([30, 18, 6])]
    )

    assert drafts == []


def test_a_group_counts_afresh_after_an_alert() -> None:
    rule = correlation(correlation_text("event_count"))

    drafts = stream(rule, [login(f"e{n}", 6 - n, "failure", "10.0.0.1") for n in range(6)])

    assert drafts == [(KEY + "10.0.0.1", 3), (KEY + "10.0.0.1", 3)]


def test_gt_needs_one_more_than_the_threshold() -> None:
    rule = correlation(correlation_text("event_count", condition="{gt: 3}"))

    drafts = stream(rule, [login(f"e{n}", 5 - n, "failure", "10.0.0.1") for n in range(4)])

    assert drafts == [(KEY + "10.0.0.1", 4)]


def test_value_count_counts_distinct_values() -> None:
    rule = correlation(correlation_text("value_count", condition="{gte: 3, field: User}"))
    users = ["root", "root", "admin", "bob"]

    drafts = stream(
        rule, [login(f"e{n}", 5 - n, "failure", "10.0.0.1", u) for n, u in enumerate(users)]
    )

    assert drafts == [(KEY + "10.0.0.1", 4)]


def test_temporal_needs_every_base_rule_in_the_group() -> None:
    rule = correlation(correlation_text("temporal", rules=PAIR, condition="{gte: 2}"))
    events = [
        login("e1", 5, "failure", "10.0.0.1"),
        login("e2", 4, "failure", "10.0.0.2"),
        login("e3", 3, "failure", "10.0.0.2"),
        login("e4", 2, "success", "10.0.0.1"),
    ]

    assert stream(rule, events) == [(KEY + "10.0.0.1", 2)]


def test_temporal_ordered_needs_the_base_rules_in_order() -> None:
    rule = correlation(correlation_text("temporal_ordered", rules=PAIR, condition="{gte: 2}"))
    events = [
        login("e1", 5, "success", "10.0.0.1"),
        login("e2", 4, "failure", "10.0.0.1"),
        login("e3", 3, "failure", "10.0.0.2"),
        login("e4", 2, "success", "10.0.0.2"),
    ]

    assert stream(rule, events) == [(KEY + "10.0.0.2", 2)]


def test_a_window_holds_at_most_max_events_and_counts_evictions() -> None:
    options = SigmaOptions(mapping=MAPPING, limits=WindowLimits(max_events=2))
    rule = correlation(correlation_text("event_count"), options)

    drafts = stream(rule, [login(f"e{n}", 5 - n, "failure", "10.0.0.1") for n in range(4)])

    assert (drafts, rule.evictions) == ([], 2)


def test_keys_are_those_every_base_rule_needs() -> None:
    rule = correlation(correlation_text("temporal", rules=PAIR))

    assert rule.keys() == IndexKeys(
        contains=(("details.outcome", "failure"), ("details.outcome", "success"))
    )
