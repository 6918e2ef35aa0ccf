"""The alert drafts Sigma rules raise, built the same way on both paths (streaming and
scheduled), so that the same events give the same dedup keys, counts and summaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.rule import RuleMeta
from mozdef.events.schema import Event
from mozdef.query.datemath import parse_instant
from mozdef.store import naming
from mozdef.store.base import Hit


def event_time(event: Event) -> dt.datetime | None:
    stamp = event.get("utctimestamp")
    return parse_instant(stamp) if isinstance(stamp, str) else None


def sample(event: Event) -> EventSample:
    """The event as an alert sample; its index is the daily one its time falls in."""
    at = event_time(event)
    index = naming.index_name(naming.EVENTS, at) if at is not None else naming.EVENTS
    return EventSample(id=str(event.get("id", "")), index=index, source=event)


def hit_sample(hit: Hit) -> EventSample:
    return EventSample(id=hit.id, index=hit.index, source=hit.source)


def group_text(fields: Sequence[str], key: Sequence[str]) -> str:
    return ",".join(f"{field}={value}" for field, value in zip(fields, key, strict=True))


def dedup_key(meta: RuleMeta, fields: Sequence[str] = (), key: Sequence[str] = ()) -> str:
    """The rule id, and the group's field=value pairs when the rule groups events."""
    return f"{meta.id}:{group_text(fields, key)}" if fields else meta.id


def draft(
    meta: RuleMeta,
    samples: Sequence[EventSample],
    *,
    count: int,
    summary: str,
    group: tuple[Sequence[str], Sequence[str]] = ((), ()),
    details: dict[str, Any] | None = None,
) -> AlertDraft:
    fields, key = group
    return AlertDraft(
        rule_id=meta.id,
        summary=summary,
        category=meta.category,
        severity=meta.severity,
        tags=meta.tags,
        events=tuple(samples),
        count=count,
        dedup_key=dedup_key(meta, fields, key),
        details={"sigma_id": meta.extra.get("sigma_id"), **(details or {})},
    )
