"""The streaming rules' tallies in their saved state; a rule that keeps failing is
disabled with a health alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.store import AlertStore
from mozdef.alerts.streaming import StreamingEngine
from mozdef.alerts.streaming.record import StreamingRecord
from mozdef.appdb import AppDb
from mozdef.events.schema import Event
from mozdef.store.memory import MemoryStore

from .rules import NOW, FailingRule, QueryRule, event


class SometimesFailing(QueryRule):
    """Raises on events whose details say so."""

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        if event["details"].get("fail"):
            raise KeyError("missing field")
        return super().match(event, now=now)


@pytest.fixture
def states(tmp_path: Path) -> Iterator[RuleStateStore]:
    database = AppDb.in_folder(tmp_path)
    yield RuleStateStore(database)
    database.close()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def alerts(store: MemoryStore) -> AlertStore:
    return AlertStore(store)


def record(states: RuleStateStore, alerts: AlertStore) -> StreamingRecord:
    return StreamingRecord(states, AlertSink(alerts), seconds=0, max_failures=3)


def test_a_rule_failing_on_events_in_a_row_is_disabled(
    states: RuleStateStore, alerts: AlertStore
) -> None:
    engine = StreamingEngine([FailingRule("bad", "category:syslog")])
    engine.process_many([event(f"e{n}") for n in range(3)], now=NOW)

    assert record(states, alerts).after_batch(engine) == {"bad"}
    state = states.get("bad")
    assert state is not None
    assert (state.enabled, state.consecutive_failures) == (False, 3)
    assert state.last_error == "ValueError: broken rule"


def test_the_disabled_rule_raises_a_health_alert_naming_it(
    states: RuleStateStore, alerts: AlertStore, store: MemoryStore
) -> None:
    engine = StreamingEngine([FailingRule("bad", "category:syslog")])
    engine.process_many([event(f"e{n}") for n in range(3)], now=NOW)
    record(states, alerts).after_batch(engine)
    store.commit()

    found = alerts.search("category:mozdef-health").alerts
    assert [a.summary for a in found] == [
        "rule bad disabled after 3 failed events in a row; last error: ValueError: broken rule"
    ]


def test_failures_broken_by_a_good_match_keep_the_rule_enabled(
    states: RuleStateStore, alerts: AlertStore
) -> None:
    engine = StreamingEngine([SometimesFailing("flaky", "category:syslog")])
    events = [event("e1", fail=1), event("e2", fail=1), event("e3"), event("e4", fail=1)]
    engine.process_many(events, now=NOW)

    assert record(states, alerts).after_batch(engine) == set()
    state = states.get("flaky")
    assert state is not None
    assert (state.enabled, state.consecutive_failures, state.total_failures) == (True, 1, 3)
    assert state.last_hits == 1


def test_a_rule_that_did_nothing_has_no_state_written(
    states: RuleStateStore, alerts: AlertStore
) -> None:
    engine = StreamingEngine([QueryRule("quiet", "category:firewall")])
    engine.process_many([event("e1")], now=NOW)

    record(states, alerts).after_batch(engine)

    assert states.get("quiet") is None
