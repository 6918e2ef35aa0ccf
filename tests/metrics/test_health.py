"""The health document: the node's state and counters, rates, and the cached parts
read from the store, the disk and the database."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from mozdef.alerts.rule_state import RuleStateStore
from mozdef.appdb import AppDb
from mozdef.errors import StorageError
from mozdef.metrics.health import HealthMonitor
from mozdef.metrics.rates import RateRing
from mozdef.store.base import IndexInfo, SearchRequest, SearchResult
from mozdef.store.memory import MemoryStore
from mozdef.system import Health

from .builders import NOW, FakeNode, save_rule_run, serve_counters, store_alerts, store_events


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


class CountingStore(MemoryStore):
    """A memory store that counts the calls the health parts make."""

    def __init__(self) -> None:
        super().__init__(clock=lambda: NOW)
        self.listed = 0
        self.searched = 0
        self.failing = False

    def indices(self) -> list[IndexInfo]:
        self.listed += 1
        if self.failing:
            raise StorageError("the store is down")
        return super().indices()

    def search(self, request: SearchRequest) -> SearchResult:
        self.searched += 1
        return super().search(request)


@dataclass
class Setup:
    monitor: HealthMonitor
    node: FakeNode
    store: CountingStore
    clock: Clock
    db: AppDb


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    db = AppDb.in_folder(tmp_path / "db")
    store = CountingStore()
    store_events(store)
    store_alerts(store)
    node = FakeNode(counters_now=serve_counters(1000, 990))
    clock = Clock()
    monitor = HealthMonitor(
        node,
        data_dir=tmp_path,
        store=store,
        rule_states=RuleStateStore(db),
        rule_ids=["never-ran"],
        clock=clock,
    )
    yield Setup(monitor, node, store, clock, db)
    db.close()


def test_the_document_holds_the_node_state_and_counters(setup: Setup) -> None:
    setup.node.health_now = Health(True, False, "disk below floor")

    document = setup.monitor.report()

    assert (document["ready"], document["accepting"], document["reason"]) == (
        True,
        False,
        "disk below floor",
    )
    assert document["intake"] == {
        "accepted": 1000,
        "rejected": {"too_large": 2},
        "dropped_by_plugin": {"drop_noise": 5},
        "plugin_errors": {},
    }
    assert document["indexing"] == {
        "indexed": 990,
        "failed": {},
        "commits": 40,
        "last_commit_ms": 12.5,
        "deadletter": 0,
        "worker_restarts": 0,
        "queue_pending_bytes": 512,
    }


def test_rates_come_from_the_readings_of_successive_reports(setup: Setup) -> None:
    setup.monitor.report()
    setup.clock.now += 10
    setup.node.counters_now = serve_counters(1500, 1390)

    rates = setup.monitor.report()["rates"]

    assert rates == {
        "window_seconds": 60.0,
        "span_seconds": 10.0,
        "accepted": 50.0,
        "indexed": 40.0,
    }


def test_a_node_without_intake_or_worker_counters_shows_nulls(setup: Setup) -> None:
    setup.node.counters_now = {}

    document = setup.monitor.report()

    assert document["intake"]["accepted"] is None
    assert document["indexing"]["indexed"] is None
    assert document["rates"]["accepted"] is None


def test_the_store_part_lists_every_index_with_totals(setup: Setup) -> None:
    store = setup.monitor.report()["store"]

    assert [(entry["name"], entry["docs"], entry["day"]) for entry in store["daily"]] == [
        ("alerts-202612", 5, None),
        ("events-20261201", 7, "2026-12-01"),
    ]
    assert (store["indices"], store["docs"]) == (2, 12)
    assert store["bytes"] == sum(entry["bytes"] for entry in store["daily"]) > 0


def test_open_health_alerts_are_listed_and_closed_ones_are_not(setup: Setup) -> None:
    found = setup.monitor.report()["health_alerts"]

    assert found["total"] == 1
    assert [(alert["severity"], alert["status"]) for alert in found["alerts"]] == [
        ("WARNING", "new")
    ]


def test_rules_show_their_runs_and_known_rules_that_never_ran(setup: Setup) -> None:
    save_rule_run(setup.db, "bruteforce", hits=3, failures=2)

    rules = setup.monitor.report()["rules"]

    assert [rule["rule_id"] for rule in rules] == ["bruteforce", "never-ran"]
    assert rules[0] == {
        "rule_id": "bruteforce",
        "enabled": True,
        "last_run": "2026-12-01T11:00:00.000+00:00",
        "next_run": "2026-12-01T11:05:00.000+00:00",
        "last_duration": 0.25,
        "last_hits": 3,
        "total_runs": 12,
        "total_failures": 2,
        "consecutive_failures": 2,
        "last_error": "timeout",
    }
    assert (rules[1]["last_run"], rules[1]["total_runs"]) == (None, 0)


def test_the_disk_part_gives_free_and_total_bytes(setup: Setup, tmp_path: Path) -> None:
    disk = setup.monitor.report()["disk"]

    assert disk["path"] == str(tmp_path)
    assert 0 < disk["free_bytes"] <= disk["total_bytes"]


def test_a_missing_data_folder_is_reported_in_the_disk_part(tmp_path: Path) -> None:
    monitor = HealthMonitor(FakeNode(), data_dir=tmp_path / "absent")

    disk = monitor.report()["disk"]

    assert disk["path"] == str(tmp_path / "absent")
    assert disk["error"].startswith("cannot read free space")


def test_store_and_alert_reads_are_kept_between_reports(setup: Setup) -> None:
    setup.monitor.report()
    setup.clock.now += 4
    setup.monitor.report()

    assert (setup.store.listed, setup.store.searched) == (1, 1)

    setup.clock.now += 31
    setup.monitor.report()
    assert (setup.store.listed, setup.store.searched) == (2, 2)


def test_a_failing_part_shows_its_error_and_the_rest_answers(setup: Setup) -> None:
    setup.store.failing = True

    document = setup.monitor.report()

    assert document["store"] == {"error": "the store is down"}
    assert document["intake"]["accepted"] == 1000
    assert document["health_alerts"]["total"] == 1


def test_without_a_store_or_database_those_parts_are_null(tmp_path: Path) -> None:
    document = HealthMonitor(FakeNode(), data_dir=tmp_path).report()

    assert (document["store"], document["rules"], document["health_alerts"]) == (None, None, None)


class CountingRing(RateRing):
    def __init__(self) -> None:
        super().__init__()
        self.readings = threading.Semaphore(0)

    def add(self, values: Mapping[str, int]) -> None:
        super().add(values)
        self.readings.release()


def test_the_timer_samples_the_counters_between_reports(tmp_path: Path) -> None:
    ring = CountingRing()
    monitor = HealthMonitor(
        FakeNode(counters_now=serve_counters(0, 0)), data_dir=tmp_path, ring=ring
    )

    monitor.start(every=0.01)
    try:
        sampled = [ring.readings.acquire(timeout=5) for _ in range(3)]
    finally:
        monitor.stop()

    assert sampled == [True, True, True]


def test_a_report_with_its_parts_kept_answers_well_under_50_ms(setup: Setup) -> None:
    setup.monitor.report()

    took = [setup.monitor.report()["took_ms"] for _ in range(5)]

    assert min(took) < 50
