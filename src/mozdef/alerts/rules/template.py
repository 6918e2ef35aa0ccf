"""Summary templates: `{count} failed logins by {value} on {hostname}`.

A placeholder is a name or a dotted path in braces. It takes, in order, the value
the rule gives under that name (`count`, `value`, `field`, `window`, ...) or the
first value at that path in the alert's first sample event (`hostname`,
`details.sourceipaddress`); with neither it renders empty. `{{` and `}}` write a
brace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mozdef.query.reference import values_at

_PART = re.compile(r"\{\{|\}\}|\{([A-Za-z0-9_.\-]+)\}|[{}]")


def check(template: str) -> None:
    """Raise ValueError naming the position of a brace that opens no placeholder."""
    for match in _PART.finditer(template):
        if match.group(0) in ("{", "}"):
            raise ValueError(
                f"unmatched {match.group(0)!r} at position {match.start()} in the summary; "
                "write {{ or }} for a literal brace"
            )


def render(template: str, given: Mapping[str, Any], event: Mapping[str, Any] | None) -> str:
    def value(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if name is None:
            return token
        if name in given:
            return str(given[name])
        found = values_at(event, name) if event is not None else []
        return str(found[0]) if found else ""

    return _PART.sub(value, template)
