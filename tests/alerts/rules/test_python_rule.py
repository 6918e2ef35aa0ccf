from __future__ import annotations

import datetime as dt
from pathlib import Path

from mozdef.alerts.rule import Schedule
from mozdef.alerts.rules import TaskRule, load_file

from .. import mozdef_sources

SCHEDULED = '''
import datetime as dt
from mozdef.alerts import AlertTask
from mozdef.alerts.rule import Schedule


class AlertNightly(AlertTask):
    """Looks at the night's logins."""

    schedule = Schedule(crontab="0 6 * * *", lookback=dt.timedelta(hours=8))

    def main(self):
        pass
'''


def test_each_alert_task_class_of_a_file_is_a_rule_named_file_dot_class(tmp_path: Path) -> None:
    path = tmp_path / "bruteforce_ssh.py"
    path.write_text(mozdef_sources.BRUTEFORCE_SSH)

    rules, problems = load_file(path)

    assert problems == []
    assert [(r.meta.id, r.meta.form, r.meta.line) for r in rules] == [
        ("bruteforce_ssh.AlertBruteforceSsh", "python", 6)
    ]


def test_a_class_schedule_attribute_sets_the_rules_schedule(tmp_path: Path) -> None:
    path = tmp_path / "nightly.py"
    path.write_text(SCHEDULED)

    (rule,), _ = load_file(path)

    assert isinstance(rule, TaskRule)
    assert rule.meta.schedule == Schedule(crontab="0 6 * * *", lookback=dt.timedelta(hours=8))
    assert rule.meta.description == "Looks at the night's logins."


def test_a_file_that_does_not_import_is_a_problem_at_the_failing_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("from mozdef.alerts import AlertTask\n\nx = 1\nraise ValueError('boom')\n")

    rules, problems = load_file(path)

    assert rules == []
    assert [(p.line, p.reason) for p in problems] == [(4, "cannot import: ValueError: boom")]


def test_a_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "typo.py"
    path.write_text("from mozdef.alerts import AlertTask\n\nclass A(AlertTask)\n    pass\n")

    _, problems = load_file(path)

    assert [p.line for p in problems] == [3]


def test_a_file_without_an_alert_task_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "helpers.py"
    path.write_text("from mozdef.alerts import AlertTask\n\ndef helper():\n    return 1\n")

    _, problems = load_file(path)

    assert [p.reason for p in problems] == ["no AlertTask subclass defined in the file"]
