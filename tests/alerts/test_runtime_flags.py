"""The alert engine of the worker: streaming rules switched at run time, and status
changes relayed from the web process."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mozdef.alerts.changes import RelayedStatusWriter
from mozdef.alerts.engine import new_alert
from mozdef.alerts.rule_state import RuleState, RuleStateStore
from mozdef.alerts.runtime import AlertRuntime
from mozdef.alerts.store import AlertStore
from mozdef.alerts.streaming.record import MAX_FAILURES
from mozdef.appdb import AppDb
from mozdef.config.settings import AlertSettings, Settings
from mozdef.store.memory import MemoryStore

from .builders import NOW, draft, event
from .streaming.rules import FailingRule
from .streaming.rules import event as streamed

RULE = """\
id: intrusion-word
query: 'summary:intrusion'
mode: streaming
category: intrusion
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "intrusion.yaml").write_text(RULE)
    return Settings(data_dir=tmp_path / "data", alerts=AlertSettings(rule_folders=(folder,)))


@pytest.fixture
def states(settings: Settings) -> Iterator[RuleStateStore]:
    db = AppDb.from_settings(settings)
    yield RuleStateStore(db)
    db.close()


def raised(runtime: AlertRuntime, event_id: str) -> int:
    before = runtime.sink.counts["created"] + runtime.sink.counts["merged"]
    runtime.on_events([event(event_id, NOW, summary="intrusion seen")])
    return runtime.sink.counts["created"] + runtime.sink.counts["merged"] - before


def switch(states: RuleStateStore, enabled: bool) -> None:
    states.save(RuleState("intrusion-word", enabled=enabled), now=NOW)


def test_a_streaming_rule_disabled_at_run_time_stops_raising(
    settings: Settings, states: RuleStateStore
) -> None:
    runtime = AlertRuntime(settings, MemoryStore())
    assert raised(runtime, "e1") == 1

    switch(states, False)

    assert runtime.refresh_flags() is True
    assert raised(runtime, "e2") == 0


def test_a_streaming_rule_enabled_again_raises_again(
    settings: Settings, states: RuleStateStore
) -> None:
    switch(states, False)
    runtime = AlertRuntime(settings, MemoryStore())
    assert raised(runtime, "e1") == 0

    switch(states, True)
    runtime.refresh_flags()

    assert raised(runtime, "e2") == 1


def test_unchanged_flags_keep_the_streaming_engine(settings: Settings) -> None:
    runtime = AlertRuntime(settings, MemoryStore())
    engine = runtime.engine

    assert (runtime.refresh_flags(), runtime.engine) == (False, engine)


def test_a_relayed_change_is_applied_and_committed_by_the_running_engine(
    settings: Settings,
) -> None:
    store = MemoryStore()
    alert = new_alert(draft(), now=NOW)
    AlertStore(store).save(alert)
    runtime = AlertRuntime(settings, store)
    runtime.start()
    try:
        writer = RelayedStatusWriter(AppDb.from_settings(settings), poll_seconds=0.01)
        writer.change(alert.id, "acknowledged", actor="alice", timeout=5)
    finally:
        runtime.stop()

    found = AlertStore(store).search(status=("acknowledged",))
    assert [a.id for a in found.alerts] == [alert.id]


def test_block_list_entries_past_their_expiry_are_marked_expired(settings: Settings) -> None:
    runtime = AlertRuntime(settings, MemoryStore())
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(milliseconds=200)
    blocked = runtime.lists.blocks.block("203.0.113.9", reason="scanner", by="alice", expires=soon)
    time.sleep(0.3)

    runtime.prune_lists()

    entry = runtime.lists.blocks.get(blocked.entry.id)
    assert entry is not None and entry.stored_state == "expired"
    runtime.lists.close()
    runtime.database.close()


def test_a_runtime_given_the_database_uses_it_and_leaves_it_open(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = AppDb.from_settings(settings)
    closed: list[bool] = []
    monkeypatch.setattr(database, "close", lambda: closed.append(True))
    runtime = AlertRuntime(settings, MemoryStore(), database=database)
    runtime.start()
    runtime.stop()

    assert runtime.database is database
    assert closed == []
    database.engine.dispose()


def test_a_streaming_rule_that_keeps_failing_is_disabled_with_a_health_alert(
    settings: Settings, states: RuleStateStore
) -> None:
    store = MemoryStore()
    runtime = AlertRuntime(settings, store)
    runtime._streaming = [FailingRule("broken-stream", "category:syslog")]
    runtime.engine = runtime._engine()
    broken = [streamed(f"e{n}") for n in range(MAX_FAILURES)]

    runtime.on_events(broken)
    store.commit()

    state = states.get("broken-stream")
    assert state is not None and state.enabled is False
    assert runtime.engine.rules == ()
    health = AlertStore(store).search("category:mozdef-health").alerts
    assert [alert.details["rule_id"] for alert in health] == ["broken-stream"]
