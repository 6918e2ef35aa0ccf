from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from mozdef.alerts import backtest as backtest_module
from mozdef.alerts.backtest import backtest, events_between
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rules import load_file
from mozdef.events.schema import Event
from mozdef.store.base import EventStore

from .builders import at, draft, event, memory_store, ssh_failure

RULE = """\
id: ssh-bruteforce
query: 'details.program:sshd'
aggregate: {field: details.sourceipaddress, threshold: 5}
window: 5m
"""


def test_a_backtest_returns_drafts_over_the_period_and_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ssh.yaml"
    path.write_text(RULE)
    (rule,), _ = load_file(path)
    events = [ssh_failure(f"e{n}", at(-300 + n), "1.2.3.4") for n in range(6)]
    store = memory_store(events)

    drafts = backtest(rule, store, at(-24 * 60), at(0))

    assert [(d.dedup_key, d.count) for d in drafts] == [("1.2.3.4", 6)]
    assert [info.name for info in store.indices()] == ["events-20261201"]


class Streaming:
    def __init__(self) -> None:
        self.meta = RuleMeta(id="s", name="s", form="sigma")

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        hit = event.get("category") == "vpn"
        return [draft(rule_id="s", dedup_key=f"{event['id']}@{now:%H:%M}")] if hit else []


def test_a_streaming_rule_sees_each_event_of_the_period_at_its_time() -> None:
    events = [
        event("v1", at(-30), category="vpn"),
        event("x", at(-20)),
        event("v2", at(-10), category="vpn"),
    ]
    events.append(event("v3", at(-90), category="vpn"))

    drafts = backtest(Streaming(), memory_store(events), at(-60), at(0))

    assert [d.dedup_key for d in drafts] == ["v1@11:30", "v2@11:50"]


class Windowed:
    def __init__(self) -> None:
        self.meta = RuleMeta(
            id="w", name="w", form="sigma", schedule=Schedule(lookback=dt.timedelta(minutes=20))
        )
        self.runs: list[dt.datetime] = []

    def run(self, store: EventStore, *, now: dt.datetime) -> Sequence[AlertDraft]:
        self.runs.append(now)
        return []


def test_a_rule_without_a_lookback_runs_window_after_window() -> None:
    rule = Windowed()

    backtest(rule, memory_store(), at(-60), at(-5))

    assert rule.runs == [at(-40), at(-20), at(-5)]


def test_reading_events_pages_through_ties_of_one_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backtest_module, "PAGE", 3)
    same = [event(f"s{n}", at(-10)) for n in range(7)]
    later = [event("l1", at(-5)), event("l2", at(-5)), event("l3", at(-1))]

    found = [e["id"] for e in events_between(memory_store(same + later), at(-60), at(0))]

    assert found == ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "l1", "l2", "l3"]
