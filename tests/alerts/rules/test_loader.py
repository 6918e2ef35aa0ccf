from __future__ import annotations

import datetime as dt
from pathlib import Path

from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rules import load_rules, scheduled, streaming

from .. import mozdef_sources
from .test_mozdef_json import GENERIC


def _folder(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    (rules / "team").mkdir(parents=True)
    (rules / "vpn.yaml").write_text("query: 'category:vpn'\nmode: streaming\n")
    (rules / "team" / "scan.yml").write_text("query: 'category:scan'\nwindow: bad\n")
    (rules / "ssh_failures.json").write_text(GENERIC)
    (rules / "bruteforce_ssh.py").write_text(mozdef_sources.BRUTEFORCE_SSH)
    (rules / "bruteforce_ssh.conf").write_text(mozdef_sources.BRUTEFORCE_SSH_CONF)
    (rules / "_draft.yaml").write_text("this is: [not loaded\n")
    return rules


def test_a_folder_loads_every_rule_form_and_reports_the_problems(tmp_path: Path) -> None:
    rules, problems = load_rules([_folder(tmp_path)])

    assert sorted((r.meta.id, r.meta.form) for r in rules) == [
        ("bruteforce_ssh.AlertBruteforceSsh", "python"),
        ("ssh_failures", "mozdef-json"),
        ("vpn", "yaml"),
    ]
    assert [(Path(p.path or "").name, p.line) for p in problems] == [("scan.yml", 2)]


def test_a_duplicate_id_is_a_problem_naming_the_first_definition(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: same\nquery: x\n")
    (tmp_path / "b.yaml").write_text("id: same\nquery: y\n")

    rules, problems = load_rules([tmp_path])

    assert [r.meta.path for r in rules] == [tmp_path / "a.yaml"]
    assert [p.reason for p in problems] == [
        f"duplicate rule id 'same', first defined in {tmp_path / 'a.yaml'} line 1"
    ]


def test_the_rules_configuration_replaces_a_schedule_by_id(tmp_path: Path) -> None:
    nightly = Schedule(crontab="0 3 * * *", lookback=dt.timedelta(days=1))

    rules, _ = load_rules([_folder(tmp_path)], schedules={"ssh_failures": nightly})

    assert {r.meta.id: r.meta.schedule for r in rules}["ssh_failures"] == nightly


def test_rules_are_sorted_into_scheduled_and_streaming(tmp_path: Path) -> None:
    rules, _ = load_rules([_folder(tmp_path)])

    assert sorted(r.meta.id for r in scheduled(rules)) == [
        "bruteforce_ssh.AlertBruteforceSsh",
        "ssh_failures",
    ]
    assert [r.meta.id for r in streaming(rules)] == ["vpn"]


def test_a_sigma_rule_goes_to_the_sigma_loader(tmp_path: Path) -> None:
    sigma_file = tmp_path / "sigma.yml"
    sigma_file.write_text(
        "title: t\nlogsource: {product: linux}\ndetection: {sel: {a: b}, condition: sel}\n"
    )

    class Loaded:
        meta = RuleMeta(id="sigma-t", name="t", form="sigma")

    seen: list[Path] = []

    def sigma(path: Path) -> list[Loaded]:
        seen.append(path)
        return [Loaded()]

    rules, problems = load_rules([sigma_file], sigma=sigma)
    unloaded, refused = load_rules([sigma_file])

    assert ([r.meta.id for r in rules], problems, seen) == (["sigma-t"], [], [sigma_file])
    assert unloaded == []
    assert [p.reason for p in refused] == ["a Sigma rule, and no Sigma loader is configured"]
