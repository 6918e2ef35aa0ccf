from __future__ import annotations

from mozdef.alerts.streaming.wildcards import escape, split


def test_split_keeps_empty_literals_around_wildcards() -> None:
    assert split("*ab*") == (["", "ab", ""], ["*", "*"])


def test_split_unescapes_literals() -> None:
    assert split("a\\*b?") == (["a*b", ""], ["?"])


def test_escape_protects_wildcards_and_backslashes() -> None:
    assert escape("a*b?c\\") == "a\\*b\\?c\\\\"


def test_an_escaped_text_splits_back_into_itself() -> None:
    assert split(escape("C:\\*.exe?")) == (["C:\\*.exe?"], [])
