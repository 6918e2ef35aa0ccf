"""`/api/v1/health` behind the auth, over a memory store and a SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.metrics.api_harness import Clock, MetricsApi, metrics_api_app
from tests.metrics.builders import save_rule_run, serve_counters

HEALTH = "/api/v1/health"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[MetricsApi]:
    with metrics_api_app(tmp_path) as running:
        yield running


def test_a_viewer_gets_the_whole_document(api: MetricsApi) -> None:
    response = api.client.get(HEALTH, headers=api.viewer())

    body = response.json()
    assert response.status_code == 200
    assert list(body) == [
        "time",
        "took_ms",
        "ready",
        "accepting",
        "reason",
        "intake",
        "indexing",
        "rates",
        "store",
        "disk",
        "rules",
        "health_alerts",
    ]
    assert (body["ready"], body["accepting"], body["intake"]["accepted"]) == (True, True, 1000)
    assert body["store"]["docs"] == 12
    assert body["health_alerts"]["total"] == 1


def test_the_document_needs_a_user(api: MetricsApi) -> None:
    response = api.client.get(HEALTH)

    assert response.status_code == 401


def test_rates_follow_the_counters_between_requests(tmp_path: Path) -> None:
    clock = Clock()
    with metrics_api_app(tmp_path, clock=clock) as api:
        headers = api.viewer()
        api.client.get(HEALTH, headers=headers)
        clock.now += 20
        api.node.counters_now = serve_counters(2000, 1390)

        rates = api.client.get(HEALTH, headers=headers).json()["rates"]

    assert (rates["span_seconds"], rates["accepted"], rates["indexed"]) == (20.0, 50.0, 20.0)


def test_rules_are_the_scheduled_ones_with_their_runs(api: MetricsApi) -> None:
    save_rule_run(api.db, "ssh-bruteforce", hits=4)

    rules = api.client.get(HEALTH, headers=api.viewer()).json()["rules"]

    assert [(rule["rule_id"], rule["last_hits"], rule["total_runs"]) for rule in rules] == [
        ("ssh-bruteforce", 4, 12)
    ]


def test_a_process_without_an_event_store_has_no_store_parts(tmp_path: Path) -> None:
    with metrics_api_app(tmp_path, with_store=False) as api:
        body = api.client.get(HEALTH, headers=api.viewer()).json()

    assert (body["store"], body["rules"], body["health_alerts"]) == (None, None, None)
    assert body["disk"]["path"] == str(tmp_path)
    assert body["intake"]["accepted"] == 1000
