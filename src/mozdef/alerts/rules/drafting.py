"""How declarative rules (YAML, MozDef JSON, deadman) present the alerts they raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mozdef.alerts.alert_dict import notify_flag
from mozdef.alerts.model import AlertDraft, EventSample
from mozdef.alerts.rule import RuleMeta
from mozdef.alerts.rules import template
from mozdef.events.schema import Event
from mozdef.query.datemath import parse_instant
from mozdef.store import naming
from mozdef.store.base import Hit

DEFAULT_SAMPLES = 10


@dataclass(frozen=True)
class Presentation:
    """`summary` is a template (mozdef.alerts.rules.template); `notify` None follows
    MozDef: notify above NOTICE or when a channel is named."""

    summary: str
    samples: int = DEFAULT_SAMPLES
    url: str | None = None
    channel: str | None = None
    notify: bool | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def draft(
    meta: RuleMeta,
    shown: Presentation,
    *,
    samples: Sequence[EventSample],
    count: int,
    dedup_key: str,
    given: Mapping[str, Any],
) -> AlertDraft:
    """A draft of the rule `meta`, its summary rendered from `given` and the first sample."""
    first = samples[0].source if samples else None
    context = {"rule": meta.id, "name": meta.name, "count": count, **given}
    notify = shown.notify
    if notify is None:
        notify = notify_flag({"severity": meta.severity, "channel": shown.channel})
    return AlertDraft(
        rule_id=meta.id,
        summary=template.render(shown.summary, context, first),
        category=meta.category,
        severity=meta.severity,
        tags=meta.tags,
        events=tuple(samples[: shown.samples]),
        count=count,
        dedup_key=dedup_key,
        url=shown.url,
        notify=notify,
        channel=shown.channel,
        details=dict(shown.details),
    )


def sample_of_hit(hit: Hit) -> EventSample:
    return EventSample(id=hit.id, index=hit.index, source=hit.source)


def sample_of_event(event: Event) -> EventSample:
    """A sample of an event seen in the pipeline, named for the index it goes to."""
    stamp = event.get("utctimestamp")
    instant = parse_instant(stamp) if isinstance(stamp, str) else None
    index = naming.index_name(naming.EVENTS, instant) if instant is not None else ""
    return EventSample(id=str(event.get("id", "")), index=index, source=event)
