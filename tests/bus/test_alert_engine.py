"""The alert engine publishing on the shared bus, as the worker process does once
its AlertRuntime hands the bus to its AlertSink and AlertStore."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.store import AlertStore
from mozdef.appdb import AppDb
from mozdef.bus import SharedBus
from tests.alerts.builders import NOW, memory_store
from tests.bus.collect import Heard

DRAFT = AlertDraft(
    rule_id="bruteforce",
    summary="5 failed logins for alice",
    category="authentication",
    severity="WARNING",
    dedup_key="alice",
)


@pytest.fixture
def heard(open_appdb: Callable[[], AppDb]) -> Iterator[Heard]:
    """What a web process hears on the bus."""
    listener = Heard()
    bus = SharedBus(open_appdb())
    bus.listen(listener)
    bus.start()
    yield listener
    bus.stop()


@pytest.fixture
def engine_bus(appdb: AppDb) -> Iterator[SharedBus]:
    bus = SharedBus(appdb)
    bus.start(read=False)
    yield bus
    bus.stop()


def test_a_new_alert_and_its_status_change_reach_another_process_as_summaries(
    heard: Heard, engine_bus: SharedBus
) -> None:
    alerts = AlertStore(memory_store(), bus=engine_bus, clock=lambda: NOW)
    sink = AlertSink(alerts, bus=engine_bus, clock=lambda: NOW)

    created = sink.submit(DRAFT).alert
    assert created is not None
    alerts.set_status(created.id, "acknowledged", by="bob", note="on it")
    messages = heard.wait_for(2)

    assert [m.topic for m in messages] == ["alert.created", "alert.status"]
    assert messages[0].payload["id"] == created.id
    assert messages[0].payload["summary"] == "5 failed logins for alice"
    assert messages[0].payload["change"] is None
    assert messages[1].payload["status"] == "acknowledged"
    assert messages[1].payload["change"]["by"] == "bob"
    assert "events" not in messages[1].payload
