from __future__ import annotations

import datetime as dt

from mozdef.alerts.sigma import SigmaDetectionRule
from mozdef.alerts.streaming import StreamingEngine
from mozdef.store.base import IndexedDoc
from mozdef.store.memory import MemoryStore

from .helpers import NOW, event, load, rule_text

SSHD_ROOT = rule_text(
    "selection:\n    User: root\ncondition: selection", logsource="product: linux\nservice: sshd"
)


def _rule() -> SigmaDetectionRule:
    (rule,) = load(SSHD_ROOT).rules
    assert isinstance(rule, SigmaDetectionRule)
    return rule


def test_a_match_raises_one_draft_with_the_event_as_sample() -> None:
    (draft,) = _rule().match(event("e1", 1, username="root"), now=NOW)

    assert (draft.rule_id, draft.count, draft.dedup_key, draft.severity, draft.summary) == (
        "00000000-0000-4000-8000-000000000001",
        1,
        "00000000-0000-4000-8000-000000000001",
        "ERROR",
        "Test rule",
    )
    assert [(s.id, s.index) for s in draft.events] == [("e1", "events-20240515")]


def test_events_of_another_log_source_are_not_offered_to_the_rule() -> None:
    engine = StreamingEngine([_rule()])
    other = event("e1", 1, username="root") | {"processname": "sudo"}

    engine.process_many([other, event("e2", 1, username="bob")], now=NOW)

    assert engine.stats().evaluations == 0


def test_a_scheduled_run_counts_the_matches_of_its_look_back_window() -> None:
    store = MemoryStore(clock=lambda: NOW)
    events = [event("e1", 1, username="root"), event("e2", 9, username="root")]
    store.index([IndexedDoc(str(e["id"]), e) for e in events])
    store.commit()

    (draft,) = _rule().run(store, now=NOW)

    assert (draft.count, [s.id for s in draft.events]) == (1, ["e1"])


def test_a_scheduled_run_without_matches_raises_nothing() -> None:
    assert _rule().run(MemoryStore(clock=lambda: NOW), now=NOW) == ()


def test_the_look_back_is_the_schedule_s() -> None:
    assert _rule().lookback == dt.timedelta(minutes=5)
