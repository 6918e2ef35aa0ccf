"""An alert as plain JSON-ready fields, and templates with placeholders over them.

A placeholder is `{path}` where path is a dotted name in the alert document:
`{summary}`, `{severity}`, `{details.sourceipaddress}`,
`{events.0.documentsource.hostname}`.
A string that is exactly one placeholder takes the value with its type (a number
stays a number, a list stays a list); inside longer text the value is written as
text. A path that the alert does not have renders as an empty string, so that a
template shared by rules whose details differ keeps working. `{{` and `}}` are
literal braces.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mozdef.alerts.model import Alert
from mozdef.alerts.store import to_document

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z0-9_.\-]+)\}")


def alert_document(alert: Alert) -> dict[str, Any]:
    """The alert as the alerts index stores it (MozDef's field names), JSON-ready."""
    plain: dict[str, Any] = _plain(to_document(alert))
    return plain


def render(template: Any, document: Mapping[str, Any]) -> Any:
    """`template` (a string, or lists and tables of them) with its placeholders filled."""
    if isinstance(template, str):
        return _render_text(template, document)
    if isinstance(template, Mapping):
        return {key: render(value, document) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return [render(value, document) for value in template]
    return template


def lookup(document: Mapping[str, Any], path: str) -> Any:
    """The value at dotted `path`; list items by position; None when absent."""
    value: Any = document
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, Sequence) and not isinstance(value, str) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            return None
    return value


def _render_text(text: str, document: Mapping[str, Any]) -> Any:
    whole = _PLACEHOLDER.fullmatch(text)
    if whole is not None and whole.group(1) is not None:
        value = lookup(document, whole.group(1))
        return "" if value is None else value
    return _PLACEHOLDER.sub(lambda match: _piece(match, document), text)


def _piece(match: re.Match[str], document: Mapping[str, Any]) -> str:
    if match.group(1) is None:
        return match.group(0)[0]
    value = lookup(document, match.group(1))
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _iso(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()
