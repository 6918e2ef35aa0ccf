from typing import Any

import pytest

from mozdef.errors import ConfigError
from mozdef.pipeline.plugins.drop import Drop

CRITERIA = [{"category": "syslog", "details.program": "cron"}, {"hostname": "noisy"}]


def kept(event: dict[str, Any]) -> bool:
    result, _ = Drop(criteria=CRITERIA).onMessage(event, {})
    return result is not None


def test_event_matching_every_pair_of_a_criterion_is_dropped() -> None:
    assert not kept({"category": "syslog", "details": {"program": "cron"}})


def test_event_matching_part_of_a_criterion_is_kept() -> None:
    assert kept({"category": "syslog", "details": {"program": "sshd"}})


def test_any_one_criterion_is_enough() -> None:
    assert not kept({"hostname": "noisy"})


def test_missing_field_does_not_match() -> None:
    assert kept({"category": "syslog"})


def test_values_compare_exactly() -> None:
    assert Drop(criteria=[{"details.port": 22}]).onMessage({"details": {"port": "22"}}, {})[0]


def test_criterion_must_be_a_non_empty_object() -> None:
    with pytest.raises(ConfigError, match=r"plugins\.drop\.criteria"):
        Drop(criteria=[{}])
