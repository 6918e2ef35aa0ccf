"""MozDef's alert dict, as AlertTask.createAlertDict builds it, and the draft it becomes.

Keys read: `summary`, `category`, `severity` (one of SEVERITIES, any case), `tags` (a
list, or one string), `events` (`documentid`, `documentindex`, `documentsource`),
`url`, `channel` or `ircchannel`, `notify_mozdefbot`, `details`, `dedup_key`. Other
keys an alert adds (MozDef alerts add their own) go to the draft's `details`; the
bookkeeping keys `utctimestamp`, `classname` and `status` are dropped.
"""

from __future__ import annotations

from typing import Any

from mozdef.alerts.model import SEVERITIES, AlertDraft, EventSample, Severity
from mozdef.errors import RuleError

_READ = frozenset(
    {
        "summary",
        "category",
        "severity",
        "tags",
        "events",
        "url",
        "channel",
        "ircchannel",
        "notify_mozdefbot",
        "details",
        "dedup_key",
    }
)
_DROPPED = frozenset({"utctimestamp", "classname", "status"})
_QUIET = ("INFO", "NOTICE")


def notify_flag(alert: dict[str, Any]) -> bool:
    """MozDef's rule for telling the chat bot: above NOTICE, or a channel is named."""
    if alert.get("channel") or alert.get("ircchannel"):
        return True
    return str(alert.get("severity", "")).upper() not in _QUIET


def draft_from_alert_dict(
    alert: dict[str, Any], *, rule_id: str, count: int, dedup_key: str
) -> AlertDraft:
    """The draft of a MozDef alert dict; `count` and `dedup_key` apply unless it sets
    its own `dedup_key`; the count is at least the number of its events."""
    samples = tuple(_sample(item) for item in alert.get("events") or [])
    extra = {k: v for k, v in alert.items() if k not in _READ and k not in _DROPPED}
    notify = alert.get("notify_mozdefbot")
    return AlertDraft(
        rule_id=rule_id,
        summary=str(alert.get("summary", "")),
        category=str(alert.get("category", "")),
        severity=severity_of(alert.get("severity", "NOTICE"), rule_id=rule_id),
        tags=_tags(alert.get("tags")),
        events=samples,
        count=max(count, len(samples)),
        dedup_key=str(alert.get("dedup_key", dedup_key)),
        url=alert.get("url") or None,
        notify=notify_flag(alert) if notify is None else bool(notify),
        channel=alert.get("channel") or alert.get("ircchannel") or None,
        details={**extra, **(alert.get("details") or {})},
    )


def severity_of(value: object, *, rule_id: str | None = None) -> Severity:
    """`value` as a severity, in any case; RuleError names the value otherwise."""
    for severity in SEVERITIES:
        if str(value).upper() == severity:
            return severity
    raise RuleError(f"severity {value!r} is not one of {', '.join(SEVERITIES)}", rule_id=rule_id)


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(tag) for tag in value) if isinstance(value, list | tuple) else ()


def _sample(item: dict[str, Any]) -> EventSample:
    source = item.get("documentsource")
    return EventSample(
        id=str(item.get("documentid", "")),
        index=str(item.get("documentindex", "")),
        source=source if isinstance(source, dict) else {},
    )
