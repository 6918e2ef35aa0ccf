"""The alert engine on the embedded store: the same rules, alerts kept in tantivy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mozdef.alerts.engine import AlertSink
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.rules import load_rules, scheduled
from mozdef.alerts.scheduler import Scheduler
from mozdef.alerts.store import AlertStore
from mozdef.store.tantivy import TantivyStore

from . import mozdef_sources
from .builders import NOW, add_events, appdb, at, draft, ssh_failure

RULE = """\
id: ssh-bruteforce
query: 'details.program:sshd AND summary:failed'
aggregate: {field: details.sourceipaddress, threshold: 10}
window: 5m
summary: '{count} failed logins from {value}'
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TantivyStore]:
    opened = TantivyStore(tmp_path / "store", clock=lambda: NOW)
    yield opened
    opened.close()


def _rules(folder: Path) -> Path:
    folder.mkdir()
    (folder / "ssh.yaml").write_text(RULE)
    (folder / "bruteforce_ssh.py").write_text(mozdef_sources.BRUTEFORCE_SSH)
    (folder / "bruteforce_ssh.conf").write_text(mozdef_sources.BRUTEFORCE_SSH_CONF)
    return folder


def test_scheduled_rules_raise_exact_alerts_kept_in_tantivy(
    tmp_path: Path, store: TantivyStore
) -> None:
    failures = [ssh_failure(f"a{n}", at(seconds=-1 - n % 100), "1.2.3.4") for n in range(1200)]
    failures += [ssh_failure(f"b{n}", at(seconds=-1 - n), "5.6.7.8") for n in range(5)]
    add_events(store, failures)
    rules, problems = load_rules([_rules(tmp_path / "rules")])
    alerts = AlertStore(store)
    scheduler = Scheduler(
        scheduled(rules),
        store,
        AlertSink(alerts, clock=lambda: NOW),
        RuleStateStore(appdb(tmp_path)),
    )

    scheduler.run_due(NOW)

    assert problems == []
    found = alerts.search(sort=(("rule_id", "asc"),)).alerts
    assert [(a.rule_id, a.count, a.dedup_key, a.summary[:40]) for a in found] == [
        (
            "bruteforce_ssh.AlertBruteforceSsh",
            1200,
            "1.2.3.4",
            "1200 ssh bruteforce attempts by 1.2.3.4 ",
        ),
        ("ssh-bruteforce", 1200, "1.2.3.4", "1200 failed logins from 1.2.3.4"),
    ]


def test_a_merge_replaces_the_alert_in_tantivy(store: TantivyStore) -> None:
    add_events(store, [ssh_failure(f"a{n}", at(-1), "1.2.3.4") for n in range(3)])
    alerts = AlertStore(store)
    sink = AlertSink(alerts, clock=lambda: NOW)
    first = sink.submit(draft(count=2))
    sink.submit(draft(count=3))

    assert first.alert is not None
    page = alerts.search()
    assert (page.total, page.alerts[0].count) == (1, 5)
    assert alerts.get(first.alert.id).count == 5


def test_a_restarted_sink_merges_into_an_open_alert_kept_in_tantivy(store: TantivyStore) -> None:
    AlertSink(AlertStore(store), clock=lambda: NOW).submit(draft(dedup_key="10.0.0.1", count=2))

    outcome = AlertSink(AlertStore(store), clock=lambda: NOW).submit(
        draft(dedup_key="10.0.0.1", count=3)
    )

    assert outcome.action == "merged"
    assert [a.count for a in AlertStore(store).search(status=["new"]).alerts] == [5]
