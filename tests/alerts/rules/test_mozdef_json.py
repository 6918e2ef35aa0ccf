from __future__ import annotations

import datetime as dt
from pathlib import Path

from mozdef.alerts.rule import Schedule
from mozdef.alerts.rules import DeadmanRule, GenericAlertRule, load_file

from ..builders import at, event, memory_store, ssh_failure

# A generic alert file as MozDef's loader read it: Hjson, comments included.
GENERIC = """{
    // failed ssh logins per source address
    "search_string": "summary:failed",
    "filters": [["details.program", "sshd"]],
    "aggregation_key": "details.sourceipaddress",
    "time_window": 5,
    "num_samples": 2,
    "num_aggregations": 3,
    "alert_category": "bruteforce",
    "alert_tags": ["ssh", "generic"],
    "alert_severity": "WARNING",
    "alert_summary": "SSH failures",
    "alert_url": "https://wiki.example.com/ssh",
    "additional_summary_fields": ["details.program"]
}
"""

DEADMAN = """{
    "severity": "ERROR",
    "alerts": [
        {
            "description": "Firewall logs",
            "search_query": "category:firewall",
            "time_window": "2",
            "time_window_type": "hours",
            "tags": ["firewall"]
        },
        {
            "description": "VPN logs",
            "search_query": "category:vpn",
            "time_window": "20"
        }
    ]
}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_generic_alert_file_runs_as_mozdef_ran_it(tmp_path: Path) -> None:
    (rule,), problems = load_file(_write(tmp_path, "ssh_failures.json", GENERIC))
    assert problems == [] and isinstance(rule, GenericAlertRule)
    events = [ssh_failure(f"a{n}", at(-1), "1.2.3.4", host=f"web{n % 2}") for n in range(4)]
    events += [ssh_failure(f"b{n}", at(-1), "5.6.7.8") for n in range(2)]

    drafts = rule.run(memory_store(events), now=at(0))

    assert [(d.summary, d.count, len(d.events)) for d in drafts] == [
        ("SSH failures (4): 1.2.3.4 (details.program=sshd) [web0, web1]", 4, 2)
    ]
    assert (drafts[0].rule_id, drafts[0].url, drafts[0].tags) == (
        "ssh_failures",
        "https://wiki.example.com/ssh",
        ("ssh", "generic"),
    )


def test_a_generic_alert_runs_every_time_window(tmp_path: Path) -> None:
    (rule,), _ = load_file(_write(tmp_path, "ssh_failures.json", GENERIC))

    five = dt.timedelta(minutes=5)
    assert rule.meta.schedule == Schedule(interval=five, lookback=five)


def test_a_generic_alert_missing_a_key_is_a_problem(tmp_path: Path) -> None:
    text = GENERIC.replace('    "alert_url": "https://wiki.example.com/ssh",\n', "")

    rules, problems = load_file(_write(tmp_path, "ssh.json", text))

    assert rules == []
    assert [(p.line, p.reason) for p in problems] == [
        (None, "missing key 'alert_url' of a MozDef generic alert")
    ]


def test_a_bad_search_string_is_a_problem_at_its_line(tmp_path: Path) -> None:
    text = GENERIC.replace('"summary:failed"', '"summary:(failed"')

    _, problems = load_file(_write(tmp_path, "ssh.json", text))

    assert [p.line for p in problems] == [3]
    assert problems[0].reason.startswith("query syntax error")


def test_a_json_syntax_error_names_its_line(tmp_path: Path) -> None:
    _, problems = load_file(_write(tmp_path, "ssh.json", '{\n  "a": 1,\n  "b": [1, 2\n}\n'))

    assert [p.line for p in problems] == [4]


def test_a_deadman_file_gives_one_rule_per_check(tmp_path: Path) -> None:
    rules, problems = load_file(_write(tmp_path, "deadman_generic.json", DEADMAN))

    assert problems == []
    assert [(r.meta.id, r.meta.severity, r.meta.tags, r.meta.schedule) for r in rules] == [
        (
            "deadman_generic:firewall-logs",
            "ERROR",
            ("deadman", "firewall"),
            Schedule(interval=dt.timedelta(minutes=5), lookback=dt.timedelta(hours=2)),
        ),
        (
            "deadman_generic:vpn-logs",
            "ERROR",
            ("deadman",),
            Schedule(interval=dt.timedelta(minutes=5), lookback=dt.timedelta(minutes=20)),
        ),
    ]


def test_a_deadman_check_fires_only_when_its_window_is_empty(tmp_path: Path) -> None:
    rules, _ = load_file(_write(tmp_path, "deadman_generic.json", DEADMAN))
    firewall = rules[0]
    assert isinstance(firewall, DeadmanRule)
    store = memory_store([event("f1", at(-90), category="firewall")])

    quiet = firewall.run(store, now=at(0) + dt.timedelta(hours=1))
    alive = firewall.run(store, now=at(0))

    assert [(d.summary, d.category, d.severity) for d in quiet] == [
        ("Deadman check failed for 'Firewall logs' the past 2 hours", "deadman", "ERROR")
    ]
    assert alive == []


def test_a_deadman_entry_with_a_bad_unit_is_a_problem_at_its_entry(tmp_path: Path) -> None:
    text = DEADMAN.replace('"hours"', '"fortnights"')

    _, problems = load_file(_write(tmp_path, "deadman_generic.json", text))

    assert [(p.line, p.rule_id) for p in problems] == [(6, "deadman_generic:firewall-logs")]
