"""Sigma rule texts, a small field mapping and events for the Sigma tests."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from mozdef.alerts.sigma import (
    SigmaCorrelation,
    SigmaDetectionRule,
    SigmaOptions,
    SigmaRuleSet,
    load_sigma_text,
)
from mozdef.alerts.sigma.mapping import mapping_from_dict
from mozdef.events.schema import Event
from mozdef.query.tree import Node

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.UTC)

# `product: test` means every event; a few fields are mapped, the rest go to details.
MAPPING = mapping_from_dict(
    {
        "fields": {"User": "details.username", "Port": "details.destinationport"},
        "logsources": [
            {"logsource": {"product": "test"}, "query": "*"},
            {"logsource": {"product": "linux", "service": "sshd"}, "query": "processname:sshd"},
        ],
    },
    origin="test mapping",
)
OPTIONS = SigmaOptions(mapping=MAPPING)


def rule_text(
    detection: str,
    *,
    logsource: str = "product: test",
    rule_id: str = "00000000-0000-4000-8000-000000000001",
    title: str = "Test rule",
) -> str:
    """A Sigma rule; `detection` is the body of its detection section."""
    body = textwrap.indent(textwrap.dedent(detection).strip(), "    ")
    source = textwrap.indent(textwrap.dedent(logsource).strip(), "    ")
    return f"title: {title}\nid: {rule_id}\nlevel: high\nlogsource:\n{source}\ndetection:\n{body}\n"


def load(text: str) -> SigmaRuleSet:
    return load_sigma_text(text, options=OPTIONS)


def tree(detection: str) -> Node:
    """The query tree of a `product: test` rule with this detection."""
    ruleset = load(rule_text(detection))
    assert ruleset.problems == ()
    (rule,) = ruleset.rules
    assert isinstance(rule, SigmaDetectionRule)
    return rule.query


def event(event_id: str, minutes_ago: float, **details: Any) -> Event:
    stamp = (NOW - dt.timedelta(minutes=minutes_ago)).isoformat()
    return {
        "id": event_id,
        "utctimestamp": stamp,
        "receivedtimestamp": stamp,
        "timestamp": stamp,
        "category": "authentication",
        "source": "auth",
        "hostname": "bastion1.example.com",
        "processname": "sshd",
        "summary": details.pop("summary", "Failed password for root"),
        "severity": "INFO",
        "tags": [],
        "details": details,
    }


FAILED = """
title: Failed login
id: 00000000-0000-4000-8000-00000000000a
name: failed_login
logsource:
    product: test
detection:
    selection:
        Outcome: failure
    condition: selection
"""
SUCCEEDED = """
title: Successful login
id: 00000000-0000-4000-8000-00000000000b
name: successful_login
logsource:
    product: test
detection:
    selection:
        Outcome: success
    condition: selection
"""


def correlation_text(
    kind: str, *, rules: str = "[failed_login]", condition: str = "{gte: 3}", extra: str = ""
) -> str:
    """FAILED, SUCCEEDED and a correlation over them grouped by source address."""
    correlation = f"""
title: Correlated logins
id: 00000000-0000-4000-8000-00000000000c
level: high
correlation:
    type: {kind}
    rules: {rules}
    group-by: [SourceIp]
    timespan: 10m
    condition: {condition}
{extra}"""
    return "---".join([FAILED, SUCCEEDED, correlation])


def login(event_id: str, minutes_ago: float, outcome: str, ip: str, user: str = "root") -> Event:
    return event(event_id, minutes_ago, outcome=outcome, sourceip=ip, username=user)


def correlation(text: str, options: SigmaOptions = OPTIONS) -> SigmaCorrelation:
    ruleset = load_sigma_text(text, options=options)
    assert ruleset.problems == ()
    found = [rule for rule in ruleset.rules if isinstance(rule, SigmaCorrelation)]
    assert len(found) == 1
    return found[0]


def stream(rule: SigmaCorrelation, events: list[Event]) -> list[tuple[str, int]]:
    """(dedup key, count) of the drafts `events` raise, in order."""
    drafts = [draft for event in events for draft in rule.match(event, now=NOW)]
    return [(draft.dedup_key, draft.count) for draft in drafts]
