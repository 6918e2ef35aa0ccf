"""MozDef's JSON rule files, loaded as they are.

Generic alerts (MozDef's generic_alert_loader, one rule per file, Hjson allowed): the
keys `search_string`, `filters` ([[field, value], ...]), `aggregation_key`,
`time_window` (minutes), `num_samples`, `num_aggregations` (the threshold),
`alert_category`, `alert_tags`, `alert_severity`, `alert_summary`, `alert_url`, and
optionally `channel`, `notify_mozdefbot`, `additional_summary_fields`. The rule id is
the file's stem; it runs through AlertTask as MozDef's loader did, every
`time_window` minutes.

Generic deadman (MozDef's deadman_generic.json): `severity` and a list `alerts` of
{`description`, `search_query`, `time_window`, `time_window_type` (minutes, hours,
days...; minutes when absent, as in MozDef's first format), `tags`}. Each entry is a
DeadmanRule `<stem>:<description as a slug>` that runs every `time_window` or every
5 minutes, whichever is shorter, and alerts when its window holds no matching event.

JSON keeps no positions, so a problem's line is where the key is first written (for
an entry of `alerts`, its n-th occurrence): a good guess for hand-written files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import hjson

from mozdef.alerts.model import AlertDraft, Severity
from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rules.deadman import DeadmanRule
from mozdef.alerts.rules.drafting import Presentation
from mozdef.alerts.rules.fields import RuleFields
from mozdef.alerts.rules.generic_task import GenericAlertTask
from mozdef.alerts.rules.timing import WORD_UNITS, parse_duration
from mozdef.errors import RuleError
from mozdef.query.lucene import parse
from mozdef.store.base import EventStore

GENERIC_KEYS = (
    "search_string",
    "filters",
    "aggregation_key",
    "time_window",
    "num_samples",
    "num_aggregations",
    "alert_category",
    "alert_tags",
    "alert_severity",
    "alert_summary",
    "alert_url",
)
DEADMAN_INTERVAL = dt.timedelta(minutes=5)
_SLUG = re.compile(r"[^a-z0-9]+")


class GenericAlertRule:
    """One MozDef generic alert file, run by MozDef's own logic on AlertTask."""

    def __init__(self, meta: RuleMeta, config: dict[str, Any]) -> None:
        self.meta = meta
        self.config = config

    def run(
        self, store: EventStore, *, now: dt.datetime, lookback: dt.timedelta | None = None
    ) -> Sequence[AlertDraft]:
        task = GenericAlertTask({**self.config, "custom_alert_name": self.meta.id})
        task.rule_id = self.meta.id
        return task.execute(store, now=now, lookback=lookback)


def load_mozdef_json(path: Path) -> list[GenericAlertRule | DeadmanRule]:
    """The rules of a MozDef JSON file; RuleError names the first problem."""
    text, data = _read(path)
    fields = RuleFields(data, path, _lines(text))
    if "alerts" in data:
        return _deadman_rules(fields, text)
    if "search_string" in data:
        return [_generic_rule(fields)]
    raise RuleError(
        "not a MozDef rule: expected search_string (generic alert) or alerts (deadman)",
        path=str(path),
    )


def _generic_rule(fields: RuleFields) -> GenericAlertRule:
    fields.rule_id = fields.path.stem
    for key in GENERIC_KEYS:
        if key not in fields.data:
            raise fields.error(key, f"missing key {key!r} of a MozDef generic alert")
    fields.parsed("search_string", lambda value: parse(str(value)))
    window = dt.timedelta(minutes=fields.integer("time_window", 1))
    meta = RuleMeta(
        id=fields.rule_id,
        name=fields.text("alert_summary"),
        form="mozdef-json",
        severity=fields.severity("alert_severity", "INFO"),
        category=fields.text("alert_category"),
        tags=fields.strings("alert_tags"),
        schedule=Schedule(interval=window, lookback=window),
        path=fields.path,
        line=1,
    )
    _check_filters(fields)
    fields.integer("num_samples", 1, minimum=0)
    fields.integer("num_aggregations", 1)
    return GenericAlertRule(meta, dict(fields.data))


def _deadman_rules(fields: RuleFields, text: str) -> list[GenericAlertRule | DeadmanRule]:
    entries = fields.data.get("alerts")
    if not isinstance(entries, list):
        raise fields.error("alerts", "alerts must be a list of deadman checks")
    severity = fields.severity("severity", "ERROR")
    rules: list[GenericAlertRule | DeadmanRule] = []
    for position, entry in enumerate(entries):
        line = _nth_line(text, "search_query", position)
        entry_fields = RuleFields(entry, fields.path, _always(line))
        if not isinstance(entry, dict):
            raise RuleError("each of alerts must be an object", path=str(fields.path), line=line)
        rules.append(_deadman(entry_fields, severity, line, taken={r.meta.id for r in rules}))
    return rules


def _deadman(
    fields: RuleFields, severity: Severity, line: int | None, taken: set[str]
) -> DeadmanRule:
    description = fields.text("description", "deadman")
    rule_id = f"{fields.path.stem}:{_SLUG.sub('-', description.lower()).strip('-') or 'deadman'}"
    fields.rule_id = rule_id if rule_id not in taken else f"{rule_id}-{len(taken) + 1}"
    node = fields.parsed("search_query", lambda value: parse(str(value)))
    amount = fields.integer("time_window", 1)
    unit = fields.text("time_window_type", "minutes")
    if unit not in WORD_UNITS:
        raise fields.error("time_window_type", f"expected one of {', '.join(WORD_UNITS)}")
    window = parse_duration(f"{amount}{WORD_UNITS[unit]}")
    meta = RuleMeta(
        id=fields.rule_id,
        name=description,
        form="mozdef-json",
        severity=severity,
        category="deadman",
        tags=("deadman", *fields.strings("tags")),
        schedule=Schedule(interval=min(window, DEADMAN_INTERVAL), lookback=window),
        path=fields.path,
        line=line,
    )
    said = f"Deadman check failed for '{description}' the past {amount} {unit}"
    shown = Presentation(summary=said.replace("{", "{{").replace("}", "}}"))
    return DeadmanRule(meta, node, shown)


def _check_filters(fields: RuleFields) -> None:
    value = fields.data.get("filters")
    pairs = isinstance(value, list) and all(
        isinstance(item, list) and len(item) == 2 for item in value
    )
    if not pairs:
        raise fields.error(
            "filters", f"filters must be a list of [field, value] pairs, found {value!r}"
        )


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleError(f"cannot read: {error}", path=str(path)) from error
    try:
        data = hjson.loads(text)
    except hjson.HjsonDecodeError as error:
        raise RuleError(f"JSON syntax: {error.msg}", path=str(path), line=error.lineno) from error
    if not isinstance(data, dict):
        raise RuleError("a MozDef rule file holds one JSON object", path=str(path), line=1)
    return text, _plain(data)


def _plain(value: Any) -> Any:
    """Hjson's ordered dictionaries as plain ones, all the way down."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _always(line: int | None) -> Callable[[str], int | None]:
    def line_of(_key: str) -> int | None:
        return line

    return line_of


def _lines(text: str) -> Callable[[str], int | None]:
    def line_of(key: str) -> int | None:
        return _nth_line(text, key, 0)

    return line_of


def _nth_line(text: str, key: str, position: int) -> int | None:
    found = list(re.finditer(rf"[\"']?{re.escape(key)}[\"']?\s*:", text))
    if position >= len(found):
        return None
    return text.count("\n", 0, found[position].start()) + 1
