from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from mozdef.alerts import AlertTask
from mozdef.alerts.rules.python_rule import TaskRule, load_python_file
from mozdef.errors import RuleError
from mozdef.query import SearchQuery, TermMatch
from mozdef.store.base import EventStore

from . import mozdef_sources
from .builders import at, event, memory_store, ssh_failure


def _rule(folder: Path, name: str, source: str, conf: str | None = None) -> TaskRule:
    (folder / f"{name}.py").write_text(source)
    if conf is not None:
        (folder / f"{name}.conf").write_text(conf)
    (rule,) = load_python_file(folder / f"{name}.py")
    return rule


def _failures(ip: str, count: int, *, first: int = 0, host: str = "web1") -> list[dict[str, Any]]:
    return [
        ssh_failure(f"{ip}-{n}", at(seconds=-(n % 90) - 1), ip, host)
        for n in range(first, first + count)
    ]


def test_a_mozdef_bruteforce_alert_runs_after_changing_its_imports(tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "bruteforce_ssh",
        mozdef_sources.BRUTEFORCE_SSH,
        mozdef_sources.BRUTEFORCE_SSH_CONF,
    )
    store = memory_store(_failures("1.2.3.4", 12) + _failures("5.6.7.8", 9))

    drafts = rule.run(store, now=at(0))

    assert [(d.summary, d.count, d.dedup_key) for d in drafts] == [
        ("12 ssh bruteforce attempts by 1.2.3.4 web1 (12 hits)", 12, "1.2.3.4")
    ]
    assert (drafts[0].rule_id, len(drafts[0].events), drafts[0].category) == (
        "bruteforce_ssh.AlertBruteforceSsh",
        10,
        "bruteforce",
    )


def test_aggregated_counts_are_exact_beyond_a_thousand_events(tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "bruteforce_ssh",
        mozdef_sources.BRUTEFORCE_SSH,
        mozdef_sources.BRUTEFORCE_SSH_CONF,
    )
    store = memory_store(_failures("1.2.3.4", 1500) + _failures("5.6.7.8", 300))

    drafts = rule.run(store, now=at(0))

    assert [(d.dedup_key, d.count) for d in drafts] == [("1.2.3.4", 1500), ("5.6.7.8", 300)]


def test_the_ini_file_beside_the_alert_configures_it(tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "bruteforce_ssh",
        mozdef_sources.BRUTEFORCE_SSH,
        mozdef_sources.BRUTEFORCE_SSH_CONF,
    )
    store = memory_store(_failures("10.9.9.9", 20))

    assert rule.run(store, now=at(0)) == []


def test_events_outside_the_query_window_are_not_counted(tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "bruteforce_ssh",
        mozdef_sources.BRUTEFORCE_SSH,
        mozdef_sources.BRUTEFORCE_SSH_CONF,
    )
    old = [ssh_failure(f"old-{n}", at(-3), "1.2.3.4") for n in range(20)]
    store = memory_store(old + _failures("1.2.3.4", 4))

    assert rule.run(store, now=at(0)) == []


def test_a_wider_lookback_replaces_the_query_window(tmp_path: Path) -> None:
    rule = _rule(
        tmp_path,
        "bruteforce_ssh",
        mozdef_sources.BRUTEFORCE_SSH,
        mozdef_sources.BRUTEFORCE_SSH_CONF,
    )
    old = [ssh_failure(f"old-{n}", at(-50), "1.2.3.4") for n in range(20)]

    drafts = rule.run(memory_store(old), now=at(0), lookback=dt.timedelta(hours=1))

    assert [d.count for d in drafts] == [20]


def test_walk_events_raises_one_draft_per_event_keyed_by_its_id(tmp_path: Path) -> None:
    rule = _rule(tmp_path, "root_login", mozdef_sources.ROOT_LOGINS)
    logins = [
        event(
            f"l{n}",
            at(-n - 1),
            category="authentication",
            hostname=f"db{n}",
            details={"username": "root"},
        )
        for n in range(2)
    ]

    drafts = rule.run(memory_store(logins), now=at(0))

    assert sorted((d.summary, d.dedup_key, d.notify) for d in drafts) == [
        ("root login on db0", "l0", True),
        ("root login on db1", "l1", True),
    ]


def test_on_no_event_fires_when_nothing_matches(tmp_path: Path) -> None:
    rule = _rule(tmp_path, "heartbeat", mozdef_sources.HEARTBEAT_DEADMAN)

    silent = rule.run(memory_store(), now=at(0))
    alive = rule.run(memory_store([event("h1", at(-1), category="heartbeat")]), now=at(0))

    assert [(d.summary, d.severity, d.count) for d in silent] == [
        ("no heartbeat events in 10 minutes", "ERROR", 1)
    ]
    assert alive == []


class _Probe(AlertTask):
    def main(self) -> None:
        query = SearchQuery(minutes=10)
        query.add_must(TermMatch("category", "authentication"))
        self.filtersManual(query)
        self.searchEventsSimple()
        self.walkEvents()

    def onEvent(self, event: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return self.createAlertDict("seen", "probe", ["t"], [event], "NOTICE", ircchannel="#sec")


def _probe_run(store: EventStore) -> list[str]:
    return [d.dedup_key for d in _Probe().execute(store, now=at(0))]


def test_events_mozdef_already_alerted_on_are_skipped() -> None:
    tagged = event("t1", at(-1), category="authentication", alert_names=["_Probe"])
    fresh = event("f1", at(-1), category="authentication")

    assert _probe_run(memory_store([tagged, fresh])) == ["f1"]


def test_a_named_channel_makes_the_alert_notify() -> None:
    drafts = _Probe().execute(
        memory_store([event("a", at(-1), category="authentication")]), now=at(0)
    )

    assert [(d.channel, d.notify, d.severity) for d in drafts] == [("#sec", True, "NOTICE")]


def test_an_unknown_severity_fails_the_run_naming_it() -> None:
    class Loud(_Probe):
        def onEvent(
            self, event: dict[str, Any], *args: Any, **kwargs: Any
        ) -> dict[str, Any] | None:
            return self.createAlertDict("x", "probe", [], [event], "URGENT")

    store = memory_store([event("a", at(-1), category="authentication")])

    with pytest.raises(RuleError, match="'URGENT'"):
        Loud().execute(store, now=at(0))


def test_most_common_counts_the_values_at_a_dotted_path() -> None:
    hits = [{"_source": {"hostname": name}} for name in ("a", "b", "a", "c", "a", "b")]

    assert _Probe().mostCommon(hits, "_source.hostname") == [("a", 3), ("b", 2), ("c", 1)]


def test_a_search_before_filters_manual_is_a_rule_error() -> None:
    class Hasty(AlertTask):
        def main(self) -> None:
            self.searchEventsSimple()

    with pytest.raises(RuleError, match="filtersManual"):
        Hasty().execute(memory_store(), now=at(0))
