"""The catalog: every rule file form, Sigma loaded once across files, and the built-ins."""

from __future__ import annotations

from pathlib import Path

from mozdef.alerts.catalog import load_catalog, settings_catalog
from mozdef.alerts.detections import DetectionServices
from mozdef.alerts.detections.health import MemoryHealthSource
from mozdef.alerts.detections.localities import MemoryLocalities
from mozdef.alerts.detections.watchlist import MemoryWatchList
from mozdef.config.settings import AlertSettings

YAML_RULE = "id: {id}\nquery: 'category:x'\n"
SIGMA_BASE = """\
title: Root login
id: 00000000-0000-4000-8000-000000000001
name: base-rule
logsource: {product: linux, service: sshd}
detection:
  selection: {User: root}
  condition: selection
"""
SIGMA_CORRELATION = """\
title: Root logins
id: 00000000-0000-4000-8000-000000000002
correlation:
  type: event_count
  rules: [base-rule]
  group-by: [SourceIp]
  timespan: 10m
  condition: {gte: 3}
"""
BASE_ID = "00000000-0000-4000-8000-000000000001"
SERVICE_BUILT_INS = ["watchlist", "geomodel", "mozdef_health"]


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_a_correlation_file_finds_its_base_rule_in_another_file(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"a_base.yml": SIGMA_BASE, "b_corr.yml": SIGMA_CORRELATION})

    catalog = load_catalog([folder])

    assert catalog.problems == ()
    assert [(rule.meta.id, rule.meta.form) for rule in catalog.rules] == [
        ("00000000-0000-4000-8000-000000000002", "sigma")
    ]


def test_rule_files_of_every_form_are_loaded_together(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"r.yaml": YAML_RULE.format(id="yaml-rule"), "s.yml": SIGMA_BASE})

    catalog = load_catalog([folder])

    assert [rule.meta.id for rule in catalog.rules] == ["yaml-rule", BASE_ID]


def test_an_id_defined_twice_keeps_the_first_and_reports_the_second(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"r.yaml": YAML_RULE.format(id=BASE_ID), "s.yml": SIGMA_BASE})

    catalog = load_catalog([folder])

    assert [rule.meta.form for rule in catalog.rules] == ["yaml"]
    (problem,) = catalog.problems
    assert (problem.rule_id, problem.path, problem.line) == (BASE_ID, str(folder / "s.yml"), 1)
    assert problem.reason == (
        f"duplicate rule id '{BASE_ID}', first defined in {folder}/r.yaml line 1"
    )


def test_names_starting_with_underscore_are_skipped(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"_draft.yml": SIGMA_BASE, "r.yaml": YAML_RULE.format(id="kept")})

    assert [rule.meta.id for rule in load_catalog([folder]).rules] == ["kept"]


def test_a_missing_path_is_a_problem(tmp_path: Path) -> None:
    (problem,) = load_catalog([tmp_path / "gone"]).problems

    assert (problem.path, problem.reason) == (str(tmp_path / "gone"), "no such file or folder")


def test_built_ins_come_after_rule_files(tmp_path: Path) -> None:
    folder = _write(tmp_path, {"r.yaml": YAML_RULE.format(id="mine")})

    catalog = settings_catalog(AlertSettings(rule_folders=(folder,)))

    ids = [rule.meta.id for rule in catalog.rules]
    assert ids[:3] == ["mine", "bruteforce_ssh", "ssh_access_sensitive"]


def test_a_disabled_built_in_stays_listed_as_disabled() -> None:
    catalog = settings_catalog(AlertSettings(builtin_disabled=("deadman",)))

    rule = catalog.get("deadman")
    assert rule is not None and rule.meta.enabled is False
    assert catalog.problems == ()


def test_an_unknown_id_in_builtin_disabled_is_a_problem() -> None:
    (problem,) = settings_catalog(AlertSettings(builtin_disabled=("deadmen",))).problems

    assert problem.rule_id == "deadmen"
    assert problem.reason.startswith("alerts.builtin_disabled names no built-in detection")


def test_built_ins_that_need_a_service_are_unavailable_without_it() -> None:
    catalog = settings_catalog(AlertSettings())

    assert list(catalog.unavailable) == SERVICE_BUILT_INS
    assert catalog.get("watchlist") is None


def test_built_ins_are_built_with_the_services_given() -> None:
    services = DetectionServices(
        watch_list=MemoryWatchList(), localities=MemoryLocalities(), health=MemoryHealthSource()
    )

    catalog = settings_catalog(AlertSettings(), services=services)

    assert catalog.unavailable == ()
    assert [catalog.get(rule_id) is not None for rule_id in SERVICE_BUILT_INS] == [True] * 3


def test_of_file_keeps_the_rules_and_problems_of_one_file(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        {"a.yaml": YAML_RULE.format(id="a"), "b.yaml": "id: b\nquery: 'x'\nbad: 1\n"},
    )
    catalog = load_catalog([folder])

    assert [rule.meta.id for rule in catalog.of_file(folder / "a.yaml").rules] == ["a"]
    assert [p.rule_id for p in catalog.of_file(folder / "b.yaml").problems] == ["b"]
