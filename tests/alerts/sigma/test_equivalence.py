"""The same Sigma rules over the same events raise the same alerts streaming and
scheduled: the same dedup keys and summaries, with the same counts once drafts with one
dedup key are added up (as the alert engine merges them). Groups keep receiving events
after their alert (10.0.0.1 gets e6), as they do in real streams."""

from __future__ import annotations

from collections import Counter

import pytest

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.sigma import SigmaRuleSet
from mozdef.alerts.streaming import StreamingEngine
from mozdef.events.schema import Event
from mozdef.store.base import IndexedDoc
from mozdef.store.memory import MemoryStore

from .helpers import FAILED, NOW, correlation_text, load, login

PAIR = "[failed_login, successful_login]"
KEY = "00000000-0000-4000-8000-00000000000c:details.sourceip="
EVENTS = [
    login("e1", 4.0, "failure", "10.0.0.1", "root"),
    login("e2", 3.5, "success", "10.0.0.2", "root"),
    login("e3", 3.0, "failure", "10.0.0.2", "admin"),
    login("e4", 2.5, "failure", "10.0.0.1", "root"),
    login("e5", 2.0, "success", "10.0.0.1", "admin"),
    login("e6", 1.5, "failure", "10.0.0.1", "admin"),
    login("e7", 1.0, "failure", "10.0.0.3", "bob"),
]


def _totals(drafts: list[AlertDraft]) -> dict[tuple[str, str], int]:
    totals: Counter[tuple[str, str]] = Counter()
    for draft in drafts:
        totals[(draft.dedup_key, draft.summary)] += draft.count
    return dict(totals)


def _streamed(ruleset: SigmaRuleSet, events: list[Event]) -> dict[tuple[str, str], int]:
    return _totals(StreamingEngine(ruleset.rules).process_many(events, now=NOW))


def _scheduled(ruleset: SigmaRuleSet, events: list[Event]) -> dict[tuple[str, str], int]:
    store = MemoryStore(clock=lambda: NOW)
    store.index([IndexedDoc(str(event["id"]), event) for event in events])
    store.commit()
    return _totals([draft for rule in ruleset.rules for draft in rule.run(store, now=NOW)])


CASES = {
    "detection": (FAILED, {("00000000-0000-4000-8000-00000000000a", "Failed login"): 5}),
    "event_count": (
        correlation_text("event_count"),
        {
            ("00000000-0000-4000-8000-00000000000b", "Successful login"): 2,
            (KEY + "10.0.0.1", "Correlated logins: 3 events for details.sourceip=10.0.0.1"): 3,
        },
    ),
    "value_count": (
        correlation_text("value_count", rules=PAIR, condition="{gte: 2, field: User}"),
        {
            (KEY + "10.0.0.2", "Correlated logins: 2 events for details.sourceip=10.0.0.2"): 2,
            (KEY + "10.0.0.1", "Correlated logins: 3 events for details.sourceip=10.0.0.1"): 3,
        },
    ),
    "temporal": (
        correlation_text("temporal", rules=PAIR, condition="{gte: 2}"),
        {
            (KEY + "10.0.0.2", "Correlated logins: 2 events for details.sourceip=10.0.0.2"): 2,
            (KEY + "10.0.0.1", "Correlated logins: 3 events for details.sourceip=10.0.0.1"): 3,
        },
    ),
    "temporal_ordered": (
        correlation_text("temporal_ordered", rules=PAIR, condition="{gte: 2}"),
        {(KEY + "10.0.0.1", "Correlated logins: 3 events for details.sourceip=10.0.0.1"): 3},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_streaming_raises_the_expected_alerts(case: str) -> None:
    text, expected = CASES[case]

    assert _streamed(load(text), EVENTS) == expected


@pytest.mark.parametrize("case", list(CASES))
def test_scheduled_raises_the_same_alerts_as_streaming(case: str) -> None:
    text, expected = CASES[case]

    assert _scheduled(load(text), EVENTS) == expected
