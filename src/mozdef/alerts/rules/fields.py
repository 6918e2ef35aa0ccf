"""Typed reading of a rule's keys, with errors that name the file, the key's line and
what was expected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from mozdef.alerts.alert_dict import severity_of
from mozdef.alerts.model import Severity
from mozdef.alerts.rules.timing import parse_duration
from mozdef.errors import MozDefError, RuleError

T = TypeVar("T")
Lines = Callable[[str], int | None]


class RuleFields:
    """The keys of one rule definition; `lines(key)` gives the line a key is on."""

    def __init__(self, data: Mapping[str, Any], path: Path, lines: Lines) -> None:
        self.data = data
        self.path = path
        self.lines = lines
        self.rule_id: str | None = None

    def error(self, key: str, reason: str) -> RuleError:
        return RuleError(reason, rule_id=self.rule_id, path=str(self.path), line=self.lines(key))

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def check_keys(self, allowed: Iterable[str]) -> None:
        known = set(allowed)
        for key in self.data:
            if key not in known:
                raise self.error(
                    key, f"unknown key {key!r}; expected one of {', '.join(sorted(known))}"
                )

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            if value is None:
                raise self.error(key, f"missing key {key!r}")
            raise self.error(key, f"{key} must be a non-empty string, found {value!r}")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str, default: int, *, minimum: int = 1) -> int:
        value = self.data.get(key, default)
        number = _as_int(value)
        if number is None or number < minimum:
            raise self.error(
                key, f"{key} must be a whole number of at least {minimum}, found {value!r}"
            )
        return number

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"{key} must be true or false, found {value!r}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, f"{key} must be a list of strings, found {value!r}")
        return tuple(value)

    def duration(self, key: str, default: dt.timedelta) -> dt.timedelta:
        return self.parsed(key, parse_duration, default) if self.has(key) else default

    def severity(self, key: str, default: Severity) -> Severity:
        return self.parsed(key, severity_of, default) if self.has(key) else default

    def parsed(self, key: str, parse: Callable[[Any], T], default: Any = None) -> T:
        """`parse` applied to the key's value; its ValueError or MozDefError becomes a
        RuleError at the key's line."""
        try:
            return parse(self.data.get(key, default))
        except RuleError as error:
            raise self.error(key, error.reason) from error
        except (ValueError, MozDefError) as error:
            raise self.error(key, str(error)) from error

    def section(self, key: str) -> RuleFields | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.error(key, f"{key} must be a mapping of keys, found {value!r}")
        line_of = getattr(value, "line_of", None)
        inner = RuleFields(value, self.path, line_of if callable(line_of) else self.lines)
        inner.rule_id = self.rule_id
        return inner


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
