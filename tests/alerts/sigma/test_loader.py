from __future__ import annotations

import datetime as dt
from pathlib import Path

from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.sigma import (
    SigmaCorrelation,
    SigmaDetectionRule,
    SigmaOptions,
    load_sigma,
    load_sigma_text,
)
from mozdef.alerts.sigma.mapping import mapping_from_dict

from .helpers import FAILED, OPTIONS, correlation_text, load, rule_text

GOOD = rule_text("selection:\n    User: root\ncondition: selection")
WINDOWS = rule_text(
    "selection:\n    Image: cmd.exe\ncondition: selection",
    logsource="product: windows",
    rule_id="00000000-0000-4000-8000-000000000002",
)


def _problems(text: str, options: SigmaOptions = OPTIONS) -> list[tuple[int | None, str]]:
    return [(p.line, p.reason) for p in load_sigma_text(text, options=options).problems]


def test_an_unknown_log_source_is_reported_with_file_and_line_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rules.yml"
    path.write_text(GOOD + "---\n" + WINDOWS)

    ruleset = load_sigma([path], options=OPTIONS)

    assert [rule.meta.id for rule in ruleset.rules] == ["00000000-0000-4000-8000-000000000001"]
    (problem,) = ruleset.problems
    assert (problem.path, problem.line, problem.rule_id) == (
        str(path),
        11,
        "00000000-0000-4000-8000-000000000002",
    )
    assert problem.reason == "no mapping for log source product=windows"


def test_an_unmapped_field_under_a_strict_mapping_is_reported_at_its_line() -> None:
    strict = mapping_from_dict(
        {"strict": True, "logsources": [{"logsource": {"product": "test"}, "query": "*"}]},
        origin="strict",
    )
    text = rule_text("selection:\n    hostname: web1\n    Foo: bar\ncondition: selection")

    problems = _problems(text, SigmaOptions(mapping=strict))

    assert problems == [(9, "field 'Foo' has no mapping and the mapping is strict")]


def test_an_unsupported_modifier_is_reported_at_its_field() -> None:
    text = rule_text("selection:\n    User|re|i: 'ROOT'\ncondition: selection")

    assert _problems(text) == [(8, "regex flags ['ignorecase'] are not supported")]


def test_fieldref_is_reported_as_unsupported() -> None:
    text = rule_text("selection:\n    User|fieldref: Target\ncondition: selection")

    assert _problems(text) == [(8, "the fieldref modifier (comparing two fields) is not supported")]


def test_a_condition_naming_no_detection_is_reported() -> None:
    text = rule_text("selection:\n    User: root\ncondition: selection and other")

    assert _problems(text) == [(1, "Detection 'other' not defined in detections")]


def test_invalid_yaml_is_reported_with_its_line_and_the_documents_before_it_load() -> None:
    ruleset = load(GOOD + "---\ntitle: [unclosed\n")

    assert [rule.meta.name for rule in ruleset.rules] == ["Test rule"]
    assert [(p.line, p.reason) for p in ruleset.problems] == [
        (12, "not valid YAML: expected ',' or ']', but got '<stream end>'")
    ]


def test_collection_actions_are_reported() -> None:
    assert _problems("action: global\ntitle: x\n") == [
        (1, "collection action 'global' is not supported")
    ]


def test_a_folder_is_searched_for_yml_and_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yml").write_text(FAILED)
    (tmp_path / "notes.txt").write_text("not a rule")

    ruleset = load_sigma([tmp_path], options=OPTIONS)

    assert sorted(rule.meta.name for rule in ruleset.rules) == ["Failed login", "Test rule"]
    assert ruleset.problems == ()


def test_a_second_rule_with_the_same_id_is_reported_and_skipped() -> None:
    ruleset = load(GOOD + "---\n" + GOOD)

    assert len(ruleset.rules) == 1
    assert [p.reason for p in ruleset.problems] == [
        "duplicate rule id '00000000-0000-4000-8000-000000000001', first defined in text line 1"
    ]


def test_metadata_comes_from_the_rule(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(GOOD.replace("level: high", "level: high\ntags: [attack.t1110]"))

    (rule,) = load_sigma([path], options=OPTIONS).rules

    assert rule.meta == RuleMeta(
        id="00000000-0000-4000-8000-000000000001",
        name="Test rule",
        form="sigma",
        severity="ERROR",
        category="test",
        tags=("attack.t1110",),
        schedule=Schedule(interval=dt.timedelta(minutes=5), lookback=dt.timedelta(minutes=5)),
        path=path,
        line=1,
        extra={"sigma_id": "00000000-0000-4000-8000-000000000001", "sigma_level": "high"},
    )


def test_base_rules_of_a_correlation_raise_nothing_of_their_own() -> None:
    ruleset = load(correlation_text("event_count"))

    assert [type(rule) for rule in ruleset.rules] == [SigmaDetectionRule, SigmaCorrelation]
    assert [rule.meta.name for rule in ruleset.rules] == ["Successful login", "Correlated logins"]


def test_generate_true_keeps_the_base_rules() -> None:
    text = correlation_text("event_count").replace("    type:", "    generate: true\n    type:")

    names = [rule.meta.name for rule in load(text).rules]

    assert names == ["Failed login", "Successful login", "Correlated logins"]


def test_a_filter_document_applies_to_the_rules_it_names() -> None:
    sigma_filter = """
title: Not from the bastion
filter:
    rules: [00000000-0000-4000-8000-000000000001]
    selection:
        hostname: bastion1
    condition: not selection
logsource:
    product: test
"""
    (rule,) = load(GOOD + "---" + sigma_filter).rules

    assert isinstance(rule, SigmaDetectionRule)
    assert "bastion1" in repr(rule.query)


def test_a_correlation_of_an_unknown_rule_is_reported() -> None:
    problems = [p.reason for p in load(correlation_text("event_count", rules="[nope]")).problems]

    assert problems == ["Rule 'nope' not found in rule collection"]


def test_unsupported_correlation_conditions_and_types_are_reported() -> None:
    lower = load(correlation_text("event_count", condition="{lt: 3}")).problems
    summed = load(correlation_text("value_sum", condition="{gte: 3, field: Bytes}")).problems

    assert [p.reason for p in lower + summed] == [
        "correlation condition lt: only gt and gte are supported",
        "correlation type value_sum is not supported (use one of "
        "('event_count', 'value_count', 'temporal', 'temporal_ordered'))",
    ]
