from datetime import UTC, datetime
from typing import Any

import pytest

from mozdef.events.normalize import normalize
from mozdef.pipeline.matching import PluginIndex


class Registered:
    priority = 1

    def __init__(self, registration: Any) -> None:
        self.registration = registration

    def onMessage(self, message: Any, metadata: Any) -> tuple[Any, Any]:
        return message, metadata


def sees(registration: Any, event: dict[str, Any]) -> bool:
    plugin = Registered(registration)
    return [entry.plugin for entry in PluginIndex([plugin]).matching(event)] == [plugin]


def test_term_equal_to_a_top_level_value_matches() -> None:
    assert sees(["sshd"], {"processname": "sshd"})


def test_term_deep_in_nested_values_matches() -> None:
    assert sees(["needle"], {"details": {"a": [{"b": ["x", {"c": "needle"}]}]}})


def test_term_equal_to_a_nested_key_matches() -> None:
    assert sees(["sourceipaddress"], {"details": {"outer": {"sourceipaddress": "1.2.3.4"}}})


def test_term_matches_case_insensitively() -> None:
    assert sees(["SSHD"], {"details": {"program": "sShD"}})


def test_long_term_matches_case_insensitively() -> None:
    assert sees(["cloudtrailevents"], {"category": "CloudTrailEvents"})


def test_term_inside_a_longer_value_does_not_match() -> None:
    assert not sees(["sshd"], {"summary": "sshd[12]: Accepted publickey"})


def test_event_without_the_term_is_not_offered() -> None:
    assert not sees(["su"], {"processname": "sudo", "details": {"user": "root"}})


def test_numeric_term_matches_a_number() -> None:
    assert sees(["22"], {"details": {"destinationport": 22}})


def test_boolean_does_not_match_a_numeric_term() -> None:
    assert not sees(["1"], {"details": {"success": True}})


def test_star_sees_every_event() -> None:
    assert sees(["other", "*"], {})


def test_empty_registration_sees_every_event() -> None:
    assert sees([], {"summary": "anything"})


def test_registration_may_be_one_string() -> None:
    assert sees("sshd", {"processname": "sshd"})


def test_unhashable_value_makes_every_plugin_see_the_event() -> None:
    assert sees(["sshd"], {"details": {"odd": {1, 2}}, "summary": "no term here"})


def test_only_matching_plugins_are_offered_in_run_order() -> None:
    first, second, third = Registered(["a"]), Registered("*"), Registered(["b"])
    first.priority, second.priority, third.priority = 3, 2, 1
    index = PluginIndex([first, second, third])
    assert [entry.plugin for entry in index.matching({"x": "a"})] == [second, first]


@pytest.mark.parametrize(
    "raw",
    [
        {"category": "sshd"},
        {"tags": ["x", "SSHD"]},
        {"details": {"sshd": 1}},
        {"details": {"nested": [{"program": "sshd"}]}},
        {"summary": "no such term", "details": {"a": "b"}},
    ],
)
def test_walk_of_a_normalized_event_agrees_with_the_general_walk(raw: dict[str, Any]) -> None:
    event = normalize(
        raw, event_id="e", received=datetime(2024, 1, 1, tzinfo=UTC), mozdefhostname="m"
    )
    index = PluginIndex([Registered(["sshd"]), Registered(["other"])])
    assert index.matching(event, normalized=True) == index.matching(event)
