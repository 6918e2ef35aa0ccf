from typing import Any

import pytest

from mozdef.errors import ConfigError
from mozdef.pipeline.plugins.truncate import Truncate


def truncated(message: dict[str, Any], limit: int = 5) -> dict[str, Any]:
    result, _ = Truncate(max_length=limit).onMessage(message, {})
    assert result is not None
    return result


def test_long_summary_is_cut_and_the_event_tagged() -> None:
    event = truncated({"summary": "abcdefgh", "tags": ["x"], "details": {}})
    assert event == {
        "summary": "abcde",
        "tags": ["x", "truncated"],
        "details": {"truncatedfields": {"summary": 8}},
    }


def test_long_strings_deep_in_details_are_cut_with_their_paths() -> None:
    event = truncated({"tags": [], "details": {"a": {"b": ["ok", "0123456789"]}}})
    assert event["details"] == {
        "a": {"b": ["ok", "01234"]},
        "truncatedfields": {"details.a.b.1": 10},
    }


def test_strings_at_the_limit_are_kept() -> None:
    event = {"summary": "abcde", "tags": [], "details": {}}
    assert truncated(event) == {"summary": "abcde", "tags": [], "details": {}}


def test_length_is_counted_in_characters() -> None:
    event = truncated({"summary": "ééééé", "tags": [], "details": {}})
    assert event["summary"] == "ééééé"


def test_default_limit_is_32_kib() -> None:
    assert Truncate().max_length == 32768


@pytest.mark.parametrize("bad", [0, -1, "10", True])
def test_limit_must_be_a_positive_integer(bad: Any) -> None:
    with pytest.raises(ConfigError, match=r"plugins\.truncate\.max_length"):
        Truncate(max_length=bad)


def test_large_event_of_short_strings_is_left_alone() -> None:
    event = {"summary": "abc", "tags": [], "details": {"a": "abcde", "b": ["xyz"] * 10}}
    assert truncated(event) == {
        "summary": "abc",
        "tags": [],
        "details": {"a": "abcde", "b": ["xyz"] * 10},
    }
