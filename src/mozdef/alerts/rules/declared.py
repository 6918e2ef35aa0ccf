"""What every declarative rule (YAML, MozDef JSON) states: its id, its metadata and how
its alerts are presented; read with errors that point at the key's line."""

from __future__ import annotations

import datetime as dt
import re

from mozdef.alerts.rule import RuleMeta, Schedule
from mozdef.alerts.rules import template
from mozdef.alerts.rules.drafting import Presentation
from mozdef.alerts.rules.fields import RuleFields
from mozdef.alerts.rules.timing import parse_schedule

DEFAULT_WINDOW = dt.timedelta(minutes=5)
DEFAULT_DEDUP_WINDOW = dt.timedelta(hours=1)
RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*")
COMMON_KEYS = (
    "id",
    "name",
    "description",
    "type",
    "query",
    "window",
    "schedule",
    "mode",
    "severity",
    "category",
    "tags",
    "summary",
    "dedup_window",
    "samples",
    "url",
    "channel",
    "notify",
    "enabled",
)


def lookback_of(meta: RuleMeta) -> dt.timedelta:
    return meta.schedule.lookback if meta.schedule is not None else DEFAULT_WINDOW


def rule_id(fields: RuleFields, default_id: str | None) -> str:
    if not fields.has("id") and default_id is None:
        raise fields.error("id", "missing key 'id': a file with several rules needs one per rule")
    found = fields.text("id", default_id)
    if not RULE_ID.fullmatch(found):
        raise fields.error(
            "id", f"id must be letters, digits and _ . : - characters, found {found!r}"
        )
    return found


def rule_meta(fields: RuleFields, *, line: int, form: str, category: str = "generic") -> RuleMeta:
    assert fields.rule_id is not None
    window = fields.duration("window", DEFAULT_WINDOW)
    schedule: Schedule | None = Schedule(interval=window, lookback=window)
    if fields.has("schedule"):
        schedule = fields.parsed("schedule", lambda value: parse_schedule(value, lookback=window))
    mode = fields.text("mode", "scheduled")
    if mode not in ("scheduled", "streaming"):
        raise fields.error("mode", f"mode must be scheduled or streaming, found {mode!r}")
    return RuleMeta(
        id=fields.rule_id,
        name=fields.text("name", fields.rule_id),
        form=form,
        severity=fields.severity("severity", "NOTICE"),
        category=fields.text("category", category),
        tags=fields.strings("tags"),
        schedule=schedule if mode == "scheduled" else None,
        dedup_window=fields.duration("dedup_window", DEFAULT_DEDUP_WINDOW),
        enabled=fields.boolean("enabled", True),
        path=fields.path,
        line=line,
        description=fields.data.get("description") or "",
    )


def presentation(fields: RuleFields, default_summary: str) -> Presentation:
    summary = fields.text("summary", default_summary)
    fields.parsed("summary", template.check, summary)
    notify = fields.boolean("notify", False) if fields.has("notify") else None
    return Presentation(
        summary=summary,
        samples=fields.integer("samples", 10),
        url=fields.optional_text("url"),
        channel=fields.optional_text("channel"),
        notify=notify,
    )
