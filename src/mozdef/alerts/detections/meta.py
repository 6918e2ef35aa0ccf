"""Metadata of the built-in detections, and how they write a time span in summaries."""

from __future__ import annotations

import datetime as dt

from mozdef.alerts.model import Severity
from mozdef.alerts.rule import RuleMeta, Schedule


def builtin(
    rule_id: str,
    name: str,
    *,
    severity: Severity,
    category: str,
    tags: tuple[str, ...],
    window: dt.timedelta,
    description: str = "",
) -> RuleMeta:
    """A built-in rule run every `window` over the last `window`, so nothing falls between
    two runs."""
    return RuleMeta(
        id=rule_id,
        name=name,
        form="builtin",
        severity=severity,
        category=category,
        tags=tags,
        schedule=Schedule(interval=window, lookback=window),
        description=description,
    )


def span_text(span: dt.timedelta) -> str:
    """`20 minutes`, `6 hours`, `1 day`: the largest unit that divides the span."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"
