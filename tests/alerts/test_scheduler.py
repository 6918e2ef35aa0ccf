from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mozdef.alerts.claims import Claims, RunClaims
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.scheduler import Scheduler
from mozdef.appdb import AppDb
from mozdef.appdb.tables import rule_claims
from mozdef.store.base import EventStore

from .builders import Engine, at, draft

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
    def __init__(
        self,
        db: AppDb,
        *rules: FakeRule,
        max_failures: int = 5,
        claims: Claims | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.engine = engine or Engine()
        self.states = RuleStateStore(db)
        self.scheduler = Scheduler(
            rules,
            self.engine.store,
            self.engine.sink,
            self.states,
            claims=claims,
            max_failures=max_failures,
            clock=lambda: at(0),
        )


def test_an_interval_rule_runs_at_once_and_then_every_interval(appdb: AppDb) -> None:
    rule = FakeRule("r")
    setup = Setup(appdb, rule)

    for minute in (0, 1, 4, 5, 7, 10):
        setup.scheduler.run_due(at(minute))

    assert rule.runs == [at(0), at(5), at(10)]


def test_a_crontab_rule_runs_on_its_crontab(appdb: AppDb) -> None:
    rule = FakeRule("r", Schedule(crontab="*/15 * * * *"))
    setup = Setup(appdb, rule)

    for minute in (1, 14, 15, 16, 31):
        setup.scheduler.run_due(at(minute))

    assert rule.runs == [at(15), at(30)]


def test_after_downtime_at_most_three_missed_runs_are_caught_up(appdb: AppDb) -> None:
    rule = FakeRule("r")
    setup = Setup(appdb, rule)

    setup.scheduler.run_due(at(0))
    setup.scheduler.run_due(at(63))

    assert rule.runs == [at(0), at(50), at(55), at(60)]
    assert setup.scheduler.state("r").next_run == at(65)


def test_state_survives_a_restart(appdb: AppDb) -> None:
    Setup(appdb, FakeRule("r", drafts=2)).scheduler.run_due(at(0))

    rule = FakeRule("r")
    restarted = Setup(appdb, rule)
    restarted.scheduler.run_due(at(3))
    state = restarted.scheduler.state("r")

    assert rule.runs == []
    assert (state.last_run, state.next_run, state.total_runs, state.last_hits) == (
        at(0),
        at(5),
        1,
        2,
    )


def test_a_disabled_rule_does_not_run_until_enabled_again(appdb: AppDb) -> None:
    rule = FakeRule("r")
    setup = Setup(appdb, rule)
    setup.scheduler.run_due(at(0))

    setup.scheduler.disable("r")
    setup.scheduler.run_due(at(30))
    setup.scheduler.enable("r")
    setup.scheduler.run_due(at(31))

    assert rule.runs == [at(0), at(30)]


def test_disabling_is_kept_across_a_restart(appdb: AppDb) -> None:
    Setup(appdb, FakeRule("r")).scheduler.disable("r")

    rule = FakeRule("r")
    Setup(appdb, rule).scheduler.run_due(at(0))

    assert rule.runs == []


def test_a_rule_disabled_in_its_definition_never_runs(appdb: AppDb) -> None:
    rule = FakeRule("r", enabled=False)

    Setup(appdb, rule).scheduler.run_due(at(0))

    assert rule.runs == []


def test_a_failing_rule_is_counted_and_the_others_still_run(appdb: AppDb) -> None:
    broken, fine = FakeRule("a-broken"), FakeRule("b-fine", drafts=1)
    broken.failing = True
    setup = Setup(appdb, broken, fine)

    reports = setup.scheduler.run_due(at(0))

    assert [(r.rule_id, r.error) for r in reports] == [
        ("a-broken", "RuntimeError: index missing"),
        ("b-fine", None),
    ]
    state = setup.scheduler.state("a-broken")
    assert (state.consecutive_failures, state.total_failures, state.enabled) == (1, 1, True)


def test_a_success_clears_the_failures_in_a_row(appdb: AppDb) -> None:
    rule = FakeRule("r")
    setup = Setup(appdb, rule)
    rule.failing = True
    setup.scheduler.run_due(at(0))

    rule.failing = False
    setup.scheduler.run_due(at(5))

    state = setup.scheduler.state("r")
    assert (state.consecutive_failures, state.total_failures, state.last_error) == (0, 1, None)


def test_repeated_failures_disable_the_rule_with_a_health_alert(appdb: AppDb) -> None:
    rule = FakeRule("r")
    rule.failing = True
    setup = Setup(appdb, rule, max_failures=3)

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


def test_a_runs_drafts_become_alerts(appdb: AppDb) -> None:
    setup = Setup(appdb, FakeRule("r", drafts=2))

    setup.scheduler.run_due(at(0))

    alerts = setup.engine.alerts.search().alerts
    assert sorted((a.rule_id, a.dedup_key) for a in alerts) == [("r", "0"), ("r", "1")]


def test_the_thread_runs_due_rules_until_stopped(appdb: AppDb) -> None:
    rule = FakeRule("r")
    engine = Engine()
    scheduler = Scheduler(
        [rule], engine.store, engine.sink, RuleStateStore(appdb), tick_seconds=0.01
    )

    scheduler.start()
    deadline = time.monotonic() + 5
    while not rule.runs and time.monotonic() < deadline:
        time.sleep(0.01)
    scheduler.stop()

    assert len(rule.runs) == 1


def test_two_schedulers_sharing_a_database_run_each_tick_once(
    open_appdb: Callable[[], AppDb],
) -> None:
    rule = FakeRule("r")
    engine = Engine()
    claims = [RunClaims(open_appdb(), owner) for owner in ("alerts-1", "alerts-2")]
    setups = [Setup(open_appdb(), rule, claims=mine, engine=engine) for mine in claims]

    for minute in range(0, 31):
        # Each goes first on alternate minutes, so that each wins some ticks.
        for setup in setups if minute % 2 else reversed(setups):
            setup.scheduler.run_due(at(minute))

    assert rule.runs == [at(0), at(5), at(10), at(15), at(20), at(25), at(30)]
    owners = [claims[0].owner_of("r", at(minute)) for minute in range(0, 31, 5)]
    assert owners == [
        "alerts-2",
        "alerts-1",
        "alerts-2",
        "alerts-1",
        "alerts-2",
        "alerts-1",
        "alerts-2",
    ]
    state = setups[0].states.get("r")
    assert state is not None
    assert (state.total_runs, state.last_run, state.next_run) == (7, at(30), at(35))


def test_a_tick_already_run_is_not_run_again_when_the_rule_is_enabled(appdb: AppDb) -> None:
    rule = FakeRule("r")
    Setup(appdb, rule, claims=RunClaims(appdb, "alerts-1")).scheduler.run_due(at(0))

    other = Setup(appdb, rule, claims=RunClaims(appdb, "alerts-2"))
    other.scheduler.enable("r")
    other.scheduler.run_due(at(1))

    assert rule.runs == [at(0)]


def test_disabling_in_another_process_stops_the_rule_at_the_next_cycle(
    open_appdb: Callable[[], AppDb],
) -> None:
    rule = FakeRule("r")
    setup = Setup(open_appdb(), rule)
    elsewhere = RuleStateStore(open_appdb())
    setup.scheduler.run_due(at(0))

    elsewhere.set_enabled("r", False)
    setup.scheduler.run_due(at(5))

    assert rule.runs == [at(0)]
    assert setup.scheduler.state("r").enabled is False


def test_enabling_in_another_process_starts_the_rule_at_the_next_cycle(
    open_appdb: Callable[[], AppDb],
) -> None:
    rule = FakeRule("r")
    setup = Setup(open_appdb(), rule)
    elsewhere = RuleStateStore(open_appdb())
    elsewhere.set_enabled("r", False)
    setup.scheduler.run_due(at(0))

    elsewhere.set_enabled("r", True)
    setup.scheduler.run_due(at(7))

    assert rule.runs == [at(5)]


def test_a_run_keeps_the_counts_another_process_saved_meanwhile(
    open_appdb: Callable[[], AppDb],
) -> None:
    rule = FakeRule("r")
    setup = Setup(open_appdb(), rule)
    setup.scheduler.run_due(at(0))
    RuleStateStore(open_appdb()).update("r", lambda state: replace(state, total_failures=4))

    setup.scheduler.run_due(at(5))

    state = setup.states.get("r")
    assert state is not None
    assert (state.total_runs, state.total_failures) == (2, 4)


@pytest.mark.slow
def test_when_the_process_that_ran_a_tick_dies_another_runs_the_next(
    postgres_url: str, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    processes = {owner: _alerts_process(postgres_url, owner, runs, tmp_path) for owner in OWNERS}
    try:
        victim = _lines(runs, at_least=3)[-1][1]
        processes[victim].kill()
        processes[victim].wait(10)
        db = AppDb(postgres_url, migrate=False)
        last = _last_claim(db, victim)
        survivor = next(owner for owner in OWNERS if owner != victim)
        after = _lines(runs, until=lambda lines: any(tick > last for tick, _ in lines))
    finally:
        for process in processes.values():
            process.kill()
            process.wait(10)

    ticks = [tick for tick, _ in after]
    assert len(ticks) == len(set(ticks))
    assert (last + dt.timedelta(seconds=1), survivor) in after
    assert RunClaims(db, "test").owner_of("every-second", last + dt.timedelta(seconds=1)) == (
        survivor
    )
    db.close()


OWNERS = ("alerts-1", "alerts-2")
SCRIPT = Path(__file__).with_name("scheduler_process.py")


def _alerts_process(url: str, owner: str, runs: Path, folder: Path) -> subprocess.Popen[bytes]:
    log = (folder / f"{owner}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), url, owner, str(runs)], stdout=log, stderr=log
    )


def _lines(
    runs: Path,
    *,
    at_least: int = 1,
    until: Callable[[list[tuple[dt.datetime, str]]], bool] | None = None,
) -> list[tuple[dt.datetime, str]]:
    """The (tick, owner) lines of the runs file, once there are `at_least` of them
    and `until` holds; fails after 20 s."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = runs.read_text() if runs.exists() else ""
        lines = [line.split(" ") for line in text.splitlines()]
        found = [(dt.datetime.fromisoformat(tick), owner) for tick, owner in lines]
        if len(found) >= at_least and (until is None or until(found)):
            return found
        time.sleep(0.02)
    pytest.fail(f"the processes did not run the rule as expected; runs so far:\n{text}")


def _last_claim(db: AppDb, owner: str) -> dt.datetime:
    """The latest tick `owner` claimed: it may have died after claiming, before running."""
    with db.begin() as connection:
        latest = select(func.max(rule_claims.c.tick)).where(rule_claims.c.owner == owner)
        found: dt.datetime = connection.execute(latest).scalar_one()
    return found
