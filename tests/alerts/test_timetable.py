from __future__ import annotations

import datetime as dt

from mozdef.alerts.rule import Schedule
from mozdef.alerts.timetable import Due, due, first_run

from .builders import at

EVERY_5M = Schedule(interval=dt.timedelta(minutes=5))
CRON_5M = Schedule(crontab="*/5 * * * *")


def test_an_interval_rule_first_runs_at_once_as_of_the_latest_slot_of_its_grid() -> None:
    assert first_run(EVERY_5M, at(1)) == at(0)


def test_interval_slots_are_counted_from_the_epoch_not_from_the_first_run() -> None:
    every_7m = Schedule(interval=dt.timedelta(minutes=7))

    assert first_run(every_7m, at(0)) == dt.datetime(2026, 12, 1, 11, 57, tzinfo=dt.UTC)


def test_a_next_run_off_the_grid_moves_onto_it() -> None:
    assert due(EVERY_5M, at(2), at(6), limit=3) == Due((at(5),), 0, at(10))


def test_a_crontab_rule_first_runs_at_its_next_time() -> None:
    assert first_run(CRON_5M, at(1)) == at(5)


def test_nothing_is_due_before_the_next_run() -> None:
    assert due(EVERY_5M, at(5), at(4), limit=3) == Due((), 0, at(5))


def test_a_due_interval_slot_runs_and_the_next_follows_it() -> None:
    assert due(EVERY_5M, at(5), at(6), limit=3) == Due((at(5),), 0, at(10))


def test_after_downtime_only_the_latest_slots_run_and_the_rest_are_counted() -> None:
    assert due(EVERY_5M, at(0), at(62), limit=3) == Due((at(50), at(55), at(60)), 10, at(65))


def test_after_downtime_a_crontab_runs_its_latest_slots_only() -> None:
    assert due(CRON_5M, at(5), at(62), limit=2) == Due((at(55), at(60)), 10, at(65))
