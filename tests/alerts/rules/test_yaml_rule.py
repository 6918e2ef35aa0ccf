from __future__ import annotations

import datetime as dt
from pathlib import Path

from mozdef.alerts.rule import IndexKeys, Schedule
from mozdef.alerts.rules import AggregateRule, QueryRule, load_file

from ..builders import at, event, memory_store, ssh_failure

BRUTEFORCE = """\
id: ssh-bruteforce
name: SSH brute force
query: 'details.program:sshd AND summary:failed'
aggregate:
  field: details.sourceipaddress
  threshold: 3
window: 10m
schedule: 5m
severity: WARNING
category: bruteforce
tags: [ssh]
summary: '{count} failed logins from {value} on {hostname} in {window}'
samples: 2
"""


def _load(tmp_path: Path, text: str, name: str = "rule.yaml") -> tuple[list[object], list[str]]:
    path = tmp_path / name
    path.write_text(text)
    rules, problems = load_file(path)
    return list(rules), [f"{Path(p.path or '').name}:{p.line}: {p.reason}" for p in problems]


def test_an_aggregated_rule_alerts_per_value_at_the_threshold(tmp_path: Path) -> None:
    (rule,), _ = _load(tmp_path, BRUTEFORCE)
    assert isinstance(rule, AggregateRule)
    events = [ssh_failure(f"a{n}", at(-n - 1), "1.2.3.4") for n in range(4)]
    events += [ssh_failure(f"b{n}", at(-n - 1), "5.6.7.8") for n in range(2)]

    drafts = rule.run(memory_store(events), now=at(0))

    assert [(d.summary, d.count, d.dedup_key, len(d.events)) for d in drafts] == [
        ("4 failed logins from 1.2.3.4 on web1 in 10m", 4, "1.2.3.4", 2)
    ]
    assert (drafts[0].severity, drafts[0].category, drafts[0].tags) == (
        "WARNING",
        "bruteforce",
        ("ssh",),
    )


def test_the_rule_meta_holds_schedule_window_and_place(tmp_path: Path) -> None:
    (rule,), _ = _load(tmp_path, BRUTEFORCE)
    assert isinstance(rule, AggregateRule)

    assert rule.meta.schedule == Schedule(
        interval=dt.timedelta(minutes=5), lookback=dt.timedelta(minutes=10)
    )
    assert (rule.meta.id, rule.meta.form, rule.meta.line) == ("ssh-bruteforce", "yaml", 1)


def test_a_crontab_schedule_is_accepted(tmp_path: Path) -> None:
    (rule,), problems = _load(tmp_path, "query: 'category:x'\nschedule: '*/10 * * * *'\n")

    assert problems == []
    assert isinstance(rule, QueryRule) and rule.meta.schedule is not None
    assert rule.meta.schedule.crontab == "*/10 * * * *"


def test_the_id_defaults_to_the_file_stem(tmp_path: Path) -> None:
    (rule,), _ = _load(tmp_path, "query: 'category:x'\n", name="port-scan.yml")

    assert isinstance(rule, QueryRule) and rule.meta.id == "port-scan"


def test_a_rule_without_aggregate_counts_every_match_in_one_draft(tmp_path: Path) -> None:
    (rule,), _ = _load(tmp_path, "query: 'category:vpn'\nsummary: '{count} vpn events'\n")
    assert isinstance(rule, QueryRule)
    events = [event(f"v{n}", at(-1), category="vpn") for n in range(3)] + [event("o", at(-1))]

    drafts = rule.run(memory_store(events), now=at(0))

    assert [(d.summary, d.count, d.dedup_key) for d in drafts] == [("3 vpn events", 3, "")]


def test_a_rule_without_aggregate_matches_single_events(tmp_path: Path) -> None:
    (rule,), _ = _load(
        tmp_path, "query: 'category:vpn AND hostname:gw1'\nsummary: 'vpn on {hostname}'\n"
    )
    assert isinstance(rule, QueryRule)

    hit = rule.match(event("v1", at(0), category="vpn", hostname="gw1"), now=at(0))
    miss = rule.match(event("v2", at(0), category="vpn", hostname="gw2"), now=at(0))

    assert [(d.summary, d.count, [s.id for s in d.events]) for d in hit] == [
        ("vpn on gw1", 1, ["v1"])
    ]
    assert miss == []


def test_index_keys_come_from_the_required_terms(tmp_path: Path) -> None:
    (rule,), _ = _load(tmp_path, "query: 'category:vpn AND hostname:gw1'\n")
    assert isinstance(rule, QueryRule)

    assert rule.keys() == IndexKeys(categories=frozenset({"vpn"}), equals=(("hostname", "gw1"),))


def test_streaming_mode_leaves_the_rule_unscheduled(tmp_path: Path) -> None:
    (rule,), _ = _load(tmp_path, "query: 'category:vpn'\nmode: streaming\n")

    assert isinstance(rule, QueryRule) and rule.meta.schedule is None


def test_an_unknown_key_is_a_problem_at_its_line(tmp_path: Path) -> None:
    rules, problems = _load(tmp_path, "id: r\nquery: 'category:x'\ntreshold: 3\n")

    assert rules == []
    assert problems == [
        "rule.yaml:3: unknown key 'treshold'; expected one of aggregate, category, channel, "
        "dedup_window, description, enabled, id, mode, name, notify, query, samples, "
        "schedule, severity, summary, tags, type, url, window"
    ]


def test_a_bad_query_is_a_problem_at_the_query_line(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "id: r\nname: n\nquery: 'category:(x'\n")

    assert len(problems) == 1 and problems[0].startswith("rule.yaml:3: query syntax error")


def test_a_bad_duration_names_what_was_expected(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "query: x\nwindow: 5 minutes\n")

    assert problems == [
        "rule.yaml:2: expected a duration such as 30s, 5m, 2h, 1d or 1w, found '5 minutes'"
    ]


def test_a_bad_severity_in_a_nested_key_is_found_at_its_line(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "query: x\naggregate:\n  field: f\n  threshold: none\n")

    assert problems == ["rule.yaml:4: threshold must be a whole number of at least 1, found 'none'"]


def test_an_unmatched_brace_in_the_summary_is_a_problem(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "query: x\nsummary: 'seen {count'\n")

    assert problems == [
        "rule.yaml:2: unmatched '{' at position 5 in the summary; "
        "write {{ or }} for a literal brace"
    ]


def test_one_bad_rule_of_a_file_leaves_the_others_loaded(tmp_path: Path) -> None:
    text = (
        "id: good\nquery: x\n---\nid: bad\nquery: x\nseverity: LOUD\n---\nid: also-good\nquery: y\n"
    )

    rules, problems = _load(tmp_path, text)

    assert sorted(rule.meta.id for rule in rules if isinstance(rule, QueryRule)) == [
        "also-good",
        "good",
    ]
    assert problems == [
        "rule.yaml:6: severity 'LOUD' is not one of INFO, NOTICE, WARNING, ERROR, CRITICAL"
    ]


def test_several_rules_in_one_file_need_ids(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "query: x\n---\nid: b\nquery: y\n")

    assert problems == [
        "rule.yaml:1: missing key 'id': a file with several rules needs one per rule"
    ]


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "id: r\nquery: x\ntags: [a, b\nseverity: INFO\n")

    assert len(problems) == 1 and problems[0].startswith("rule.yaml:4: YAML syntax")
