from __future__ import annotations

from pathlib import Path

import pytest

from mozdef.alerts.catalog import load_catalog, settings_catalog
from mozdef.commands.rule_lookup import (
    UnavailableRuleError,
    UnknownRuleError,
    find_rules,
    near_ids,
)
from mozdef.config.settings import AlertSettings
from mozdef.errors import RuleError


def test_near_ids_put_close_spellings_before_ids_containing_the_text() -> None:
    ids = ["ssh-root", "ssh-brute", "root-login", "other"]

    assert near_ids("ssh-rot", ids) == ["ssh-root", "ssh-brute"]
    assert near_ids("root", ids) == ["ssh-root", "root-login"]


def test_near_ids_are_at_most_five() -> None:
    ids = [f"rule-{n}" for n in range(9)]

    assert len(near_ids("rule", ids)) == 5


def test_an_unknown_id_carries_its_near_matches() -> None:
    with pytest.raises(UnknownRuleError) as caught:
        find_rules("deadmen", settings_catalog(AlertSettings()))

    assert caught.value.near == ["deadman"]
    assert caught.value.rule_id == "deadmen"


def test_a_built_in_needing_a_service_is_refused_by_name() -> None:
    with pytest.raises(UnavailableRuleError, match="the data folder has none yet"):
        find_rules("geomodel", settings_catalog(AlertSettings()))


def test_a_file_outside_the_catalog_is_loaded_alone(tmp_path: Path) -> None:
    rule_file = tmp_path / "alone.yaml"
    rule_file.write_text("id: alone\nquery: 'category:x'\n")

    found = find_rules(str(rule_file), load_catalog([]))

    assert [rule.meta.id for rule in found.rules] == ["alone"]


def test_a_file_with_no_rule_is_refused(tmp_path: Path) -> None:
    rule_file = tmp_path / "notes.txt"
    rule_file.write_text("not a rule\n")

    with pytest.raises(RuleError, match="the file defines no rule"):
        find_rules(str(rule_file), load_catalog([]))
