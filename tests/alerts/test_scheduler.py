from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.scheduler import Scheduler
from mozdef.store.base import EventStore

from .builders import Engine, appdb, at, draft

EVERY_5M = Schedule(interval=dt.timedelta(minutes=5))


class FakeRule:
    """Records when it ran; raises while `failing`; raises `drafts` drafts per run."""

    def __init__(
        self, rule_id: str, schedule: Schedule = EVERY_5M, *, drafts: int = 0, enabled: bool = True
    ) -> None:
        self.meta = RuleMeta(
            id=rule_id, name=rule_id, form="python", schedule=schedule, enabled=enabled
        )
        self.runs: list[dt.datetime] = []
        self.failing = False
        self.drafts = drafts

    def run(self, store: EventStore, *, now: dt.datetime) -> Sequence[AlertDraft]:
        self.runs.append(now)
        if self.failing:
            raise RuntimeError("index missing")
        return [draft(rule_id=self.meta.id, dedup_key=str(n)) for n in range(self.drafts)]


class Setup:
    def __init__(self, folder: Path, *rules: FakeRule, max_failures: int = 5) -> None:
        self.engine = Engine()
        self.states = RuleStateStore(appdb(folder))
        self.scheduler = Scheduler(
            rules,
            self.engine.store,
            self.engine.sink,
            self.states,
            max_failures=max_failures,
            clock=lambda: at(0),
        )


def test_an_interval_rule_runs_at_once_and_then_every_interval(tmp_path: Path) -> None:
    rule = FakeRule("r")
    setup = Setup(tmp_path, rule)

    for minute in (0, 1, 4, 5, 7, 10):
        setup.scheduler.run_due(at(minute))

    assert rule.runs == [at(0), at(5), at(10)]


def test_a_crontab_rule_runs_on_its_crontab(tmp_path: Path) -> None:
    rule = FakeRule("r", Schedule(crontab="*/15 * * * *"))
    setup = Setup(tmp_path, rule)

    for minute in (1, 14, 15, 16, 31):
        setup.scheduler.run_due(at(minute))

    assert rule.runs == [at(15), at(30)]


def test_after_downtime_at_most_three_missed_runs_are_caught_up(tmp_path: Path) -> None:
    rule = FakeRule("r")
    setup = Setup(tmp_path, rule)

    setup.scheduler.run_due(at(0))
    setup.scheduler.run_due(at(63))

    assert rule.runs == [at(0), at(50), at(55), at(60)]
    assert setup.scheduler.state("r").next_run == at(65)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    Setup(tmp_path, FakeRule("r", drafts=2)).scheduler.run_due(at(0))

    rule = FakeRule("r")
    restarted = Setup(tmp_path, rule)
    restarted.scheduler.run_due(at(3))
    state = restarted.scheduler.state("r")

    assert rule.runs == []
    assert (state.last_run, state.next_run, state.total_runs, state.last_hits) == (
        at(0),
        at(5),
        1,
        2,
    )


def test_a_disabled_rule_does_not_run_until_enabled_again(tmp_path: Path) -> None:
    rule = FakeRule("r")
    setup = Setup(tmp_path, rule)
    setup.scheduler.run_due(at(0))

    setup.scheduler.disable("r")
    setup.scheduler.run_due(at(30))
    setup.scheduler.enable("r")
    setup.scheduler.run_due(at(31))

    assert rule.runs == [at(0), at(31)]


def test_disabling_is_kept_across_a_restart(tmp_path: Path) -> None:
    Setup(tmp_path, FakeRule("r")).scheduler.disable("r")

    rule = FakeRule("r")
    Setup(tmp_path, rule).scheduler.run_due(at(0))

    assert rule.runs == []


def test_a_rule_disabled_in_its_definition_never_runs(tmp_path: Path) -> None:
    rule = FakeRule("r", enabled=False)

    Setup(tmp_path, rule).scheduler.run_due(at(0))

    assert rule.runs == []


def test_a_failing_rule_is_counted_and_the_others_still_run(tmp_path: Path) -> None:
    broken, fine = FakeRule("a-broken"), FakeRule("b-fine", drafts=1)
    broken.failing = True
    setup = Setup(tmp_path, broken, fine)

    reports = setup.scheduler.run_due(at(0))

    assert [(r.rule_id, r.error) for r in reports] == [
        ("a-broken", "RuntimeError: index missing"),
        ("b-fine", None),
    ]
    state = setup.scheduler.state("a-broken")
    assert (state.consecutive_failures, state.total_failures, state.enabled) == (1, 1, True)


def test_a_success_clears_the_failures_in_a_row(tmp_path: Path) -> None:
    rule = FakeRule("r")
    setup = Setup(tmp_path, rule)
    rule.failing = True
    setup.scheduler.run_due(at(0))

    rule.failing = False
    setup.scheduler.run_due(at(5))

    state = setup.scheduler.state("r")
    assert (state.consecutive_failures, state.total_failures, state.last_error) == (0, 1, None)


def test_repeated_failures_disable_the_rule_with_a_health_alert(tmp_path: Path) -> None:
    rule = FakeRule("r")
    rule.failing = True
    setup = Setup(tmp_path, rule, max_failures=3)

    for minute in (0, 5, 10, 15, 20):
        setup.scheduler.run_due(at(minute))

    assert rule.runs == [at(0), at(5), at(10)]
    assert setup.scheduler.state("r").enabled is False
    (health,) = setup.engine.alerts.search().alerts
    assert (health.rule_id, health.category, health.severity) == (
        "mozdef-health",
        "mozdef-health",
        "ERROR",
    )
    assert health.summary == (
        "rule r disabled after 3 failed runs in a row; last error: RuntimeError: index missing"
    )


def test_a_runs_drafts_become_alerts(tmp_path: Path) -> None:
    setup = Setup(tmp_path, FakeRule("r", drafts=2))

    setup.scheduler.run_due(at(0))

    alerts = setup.engine.alerts.search().alerts
    assert sorted((a.rule_id, a.dedup_key) for a in alerts) == [("r", "0"), ("r", "1")]


def test_the_thread_runs_due_rules_until_stopped(tmp_path: Path) -> None:
    rule = FakeRule("r")
    engine = Engine()
    scheduler = Scheduler(
        [rule], engine.store, engine.sink, RuleStateStore(appdb(tmp_path)), tick_seconds=0.01
    )

    scheduler.start()
    deadline = time.monotonic() + 5
    while not rule.runs and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()

    assert len(rule.runs) == 1
