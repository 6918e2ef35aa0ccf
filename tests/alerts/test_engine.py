from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time

from mozdef.alerts.bus import Payload
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import MAX_SAMPLES, Alert, AlertDraft
from mozdef.alerts.store import AlertStore

from .builders import Engine, at, draft, memory_store

HOUR = dt.timedelta(hours=1)


def test_a_first_draft_creates_an_alert() -> None:
    engine = Engine()

    outcome = engine.sink.submit(draft(count=3, samples=["e1"]), now=at(0))

    assert outcome.action == "created"
    stored = engine.alerts.search().alerts
    assert [(a.count, a.status, a.rule_id) for a in stored] == [(3, "new", "rule-a")]


def test_a_repeat_within_the_window_raises_the_count_of_the_open_alert() -> None:
    engine = Engine()

    engine.sink.submit(draft(count=3, samples=["e1"]), now=at(0), dedup_window=HOUR)
    outcome = engine.sink.submit(draft(count=4, samples=["e2"]), now=at(30), dedup_window=HOUR)

    assert outcome.action == "merged"
    alerts = engine.alerts.search().alerts
    assert [(a.count, [s.id for s in a.events]) for a in alerts] == [(7, ["e1", "e2"])]
    assert alerts[0].last_seen == at(30)


def test_merged_samples_stop_at_the_maximum_while_the_count_goes_on() -> None:
    engine = Engine()

    for n in range(MAX_SAMPLES + 5):
        engine.sink.submit(draft(samples=[f"e{n}"]), now=at(n / 10))

    (alert,) = engine.alerts.search().alerts
    assert (alert.count, len(alert.events)) == (30, 25)


def test_samples_seen_before_are_not_counted_again() -> None:
    engine = Engine()

    engine.sink.submit(draft(count=2, samples=["e1", "e2"]), now=at(0))
    engine.sink.submit(draft(count=3, samples=["e2", "e3", "e4"]), now=at(5))

    (alert,) = engine.alerts.search().alerts
    assert alert.count == 4


def test_after_the_window_the_same_key_opens_a_new_alert() -> None:
    engine = Engine()

    engine.sink.submit(draft(), now=at(0), dedup_window=HOUR)
    outcome = engine.sink.submit(draft(), now=at(61), dedup_window=HOUR)

    assert outcome.action == "created"
    assert engine.alerts.search().total == 2


def test_the_window_counts_from_the_last_time_seen() -> None:
    engine = Engine()

    for minutes in (0, 50, 100):
        engine.sink.submit(draft(), now=at(minutes), dedup_window=HOUR)

    assert [a.count for a in engine.alerts.search().alerts] == [3]


def test_after_the_alert_is_closed_the_same_key_opens_a_new_alert() -> None:
    engine = Engine()
    first = engine.sink.submit(draft(), now=at(0)).alert
    assert first is not None

    engine.alerts.set_status(first.id, "closed", by="alice", now=at(1))
    outcome = engine.sink.submit(draft(), now=at(2))

    assert outcome.action == "created"


def test_different_keys_or_rules_make_different_alerts() -> None:
    engine = Engine()

    engine.sink.submit(draft(dedup_key="10.0.0.1"), now=at(0))
    engine.sink.submit(draft(dedup_key="10.0.0.2"), now=at(0))
    engine.sink.submit(draft(rule_id="rule-b", dedup_key="10.0.0.1"), now=at(0))

    assert engine.alerts.search().total == 3


def test_a_merge_raises_the_severity_to_the_drafts() -> None:
    engine = Engine()

    engine.sink.submit(draft(severity="NOTICE"), now=at(0))
    engine.sink.submit(draft(severity="CRITICAL"), now=at(1))
    engine.sink.submit(draft(severity="INFO"), now=at(2))

    assert [a.severity for a in engine.alerts.search().alerts] == ["CRITICAL"]


def test_drafts_of_one_batch_with_one_key_make_one_alert() -> None:
    engine = Engine()

    outcomes = engine.sink.submit_many([draft(), draft(), draft()], now=at(0))

    assert [o.action for o in outcomes] == ["created", "merged", "merged"]
    assert [a.count for a in engine.alerts.search().alerts] == [3]


def test_a_restarted_sink_merges_into_alerts_opened_before() -> None:
    store = memory_store()
    Engine(store).sink.submit(draft(count=2), now=at(0))

    outcome = Engine(store).sink.submit(draft(count=5), now=at(10))

    assert outcome.action == "merged"
    assert [a.count for a in AlertStore(store).search().alerts] == [7]


def test_dedup_holds_before_the_store_commits() -> None:
    store = memory_store()
    sink = AlertSink(AlertStore(store, commit=False), clock=lambda: at(0))

    sink.submit(draft(count=1))
    outcome = sink.submit(draft(count=1))

    assert outcome.action == "merged"
    store.commit()
    assert [a.count for a in AlertStore(store).search().alerts] == [2]


def test_concurrent_submissions_of_one_key_make_one_alert_with_every_count() -> None:
    engine = Engine()

    def submit_many() -> None:
        for _ in range(25):
            engine.sink.submit(draft(), now=at(0))

    threads = [threading.Thread(target=submit_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.count for a in engine.alerts.search().alerts] == [100]


def test_plugins_enrich_the_draft_before_it_is_saved() -> None:
    class Tagger:
        def on_alert(self, draft: AlertDraft) -> AlertDraft:
            return dataclasses.replace(draft, details={**draft.details, "site": "paris"})

    store = memory_store()
    sink = AlertSink(AlertStore(store), plugins=[Tagger()], clock=lambda: at(0))

    sink.submit(draft())

    assert AlertStore(store).search().alerts[0].details == {"site": "paris"}


def test_a_failing_plugin_is_counted_and_the_draft_goes_on() -> None:
    class Broken:
        name = "broken"

        def on_alert(self, draft: AlertDraft) -> AlertDraft:
            raise ValueError("no enrichment today")

    sink = AlertSink(AlertStore(memory_store()), plugins=[Broken()], clock=lambda: at(0))

    outcome = sink.submit(draft())

    assert outcome.action == "created"
    assert sink.plugin_failures == {"broken": 1}


def test_a_plugin_cannot_turn_a_draft_into_another_rules() -> None:
    class Thief:
        def on_alert(self, draft: AlertDraft) -> AlertDraft:
            return dataclasses.replace(draft, rule_id="someone-else")

    sink = AlertSink(AlertStore(memory_store()), plugins=[Thief()], clock=lambda: at(0))

    outcome = sink.submit(draft(rule_id="rule-a"))

    assert outcome.alert is not None and outcome.alert.rule_id == "rule-a"
    assert sink.plugin_failures == {"Thief": 1}


def test_created_and_merged_alerts_are_published() -> None:
    engine = Engine()
    heard: list[tuple[str, int]] = []

    def listen(topic: str, payload: Payload) -> None:
        heard.append((topic, payload["count"]))

    engine.bus.subscribe(listen)
    engine.sink.submit(draft(count=2), now=at(0))
    engine.sink.submit(draft(count=3), now=at(1))

    assert heard == [("alert.created", 2), ("alert.updated", 5)]


def test_the_sink_counts_what_became_of_drafts() -> None:
    engine = Engine()

    engine.sink.submit_many([draft(), draft(), draft(dedup_key="other")], now=at(0))

    assert engine.sink.counts == {"created": 2, "merged": 1}


class SlowToList(AlertStore):
    """An alert store whose open alerts take a while to read back."""

    def open_alerts(self, *, limit: int = 10_000) -> list[Alert]:
        time.sleep(0.3)
        return super().open_alerts(limit=limit)


def test_a_sink_rebuilding_in_the_background_is_ready_at_once_and_still_merges() -> None:
    store = memory_store()
    Engine(store).sink.submit(draft(count=2), now=at(0))

    started = time.monotonic()
    sink = AlertSink(SlowToList(store), rebuild_in_background=True)
    ready_after = time.monotonic() - started
    outcome = sink.submit(draft(count=5), now=at(10))

    assert ready_after < 0.2
    assert outcome.action == "merged"
    assert [a.count for a in AlertStore(store).search().alerts] == [7]
