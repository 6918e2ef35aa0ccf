from __future__ import annotations

from pathlib import Path

from mozdef.alerts.rules import DeadmanRule, load_file

from ..builders import at, event, memory_store


def _rule(tmp_path: Path, text: str) -> DeadmanRule:
    path = tmp_path / "deadman.yaml"
    path.write_text(text)
    rules, problems = load_file(path)
    assert problems == []
    (rule,) = rules
    assert isinstance(rule, DeadmanRule)
    return rule


def test_a_whole_deadman_fires_when_no_event_matches(tmp_path: Path) -> None:
    rule = _rule(tmp_path, "id: beats\ntype: deadman\nquery: 'category:heartbeat'\nwindow: 10m\n")

    quiet = rule.run(memory_store([event("h", at(-20), category="heartbeat")]), now=at(0))
    alive = rule.run(memory_store([event("h", at(-5), category="heartbeat")]), now=at(0))

    assert [(d.summary, d.category, d.dedup_key) for d in quiet] == [
        ("beats: no events for 10m", "deadman", "")
    ]
    assert alive == []


def test_an_expected_host_without_events_fires_on_its_own(tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "id: web-logs\ntype: deadman\nquery: 'category:apache'\nwindow: 1h\n"
        "group_by: hostname\nexpected: [web1, web2, web3]\n",
    )
    events = [event("a", at(-10), category="apache", hostname="web2")]

    drafts = rule.run(memory_store(events), now=at(0))

    assert [(d.dedup_key, d.summary) for d in drafts] == [
        ("web1", "web-logs: no events with hostname web1 for 1h"),
        ("web3", "web-logs: no events with hostname web3 for 1h"),
    ]


def test_a_baseline_learns_which_hosts_must_keep_sending(tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "id: web-logs\ntype: deadman\nquery: 'category:apache'\nwindow: 1h\n"
        "group_by: hostname\nbaseline: 1d\n",
    )
    yesterday = [event(f"y{h}", at(-600), category="apache", hostname=h) for h in ("web1", "web2")]
    today = [event("t", at(-10), category="apache", hostname="web2")]
    too_old = [event("o", at(-60 * 30), category="apache", hostname="web9")]

    drafts = rule.run(memory_store(yesterday + today + too_old), now=at(0))

    assert [d.dedup_key for d in drafts] == ["web1"]


def test_group_by_needs_expected_values_or_a_baseline(tmp_path: Path) -> None:
    path = tmp_path / "deadman.yaml"
    path.write_text("id: d\ntype: deadman\nquery: x\ngroup_by: hostname\n")

    _, problems = load_file(path)

    assert [(p.line, p.reason) for p in problems] == [
        (4, "group_by needs either expected (a list) or baseline")
    ]
