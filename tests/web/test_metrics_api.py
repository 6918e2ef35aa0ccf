"""`/api/v1/metrics/events`, `/alerts` and `/incidents` behind the auth, over a memory
store and a SQLite database (the computations are tested on every backend in
tests/metrics)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.metrics.api_harness import MetricsApi, metrics_api_app
from tests.metrics.builders import create_incidents

EVENTS = "/api/v1/metrics/events"
ALERTS = "/api/v1/metrics/alerts"
INCIDENTS = "/api/v1/metrics/incidents"
MORNING = {"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T12:00:00Z", "interval": "1h"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[MetricsApi]:
    with metrics_api_app(tmp_path) as running:
        yield running


def get(api: MetricsApi, path: str, params: dict[str, str], status: int = 200) -> Any:
    response = api.client.get(path, params=params, headers=api.viewer())
    assert response.status_code == status, response.text
    return response.json()


def test_events_answer_counts_per_bucket_with_category_and_source(api: MetricsApi) -> None:
    body = get(api, EVENTS, {**MORNING, "top": "1"})

    assert body == {
        "start": "2026-12-01T10:00:00.000+00:00",
        "end": "2026-12-01T12:00:00.000+00:00",
        "interval": "1h",
        "total": 5,
        "times": ["2026-12-01T10:00:00.000+00:00", "2026-12-01T11:00:00.000+00:00"],
        "counts": [3, 2],
        "breakdowns": {
            "category": {
                "top": [{"key": "authentication", "count": 3, "counts": [2, 1]}],
                "other": 2,
            },
            "source": {"top": [{"key": "sshd", "count": 2, "counts": [2, 0]}], "other": 3},
        },
    }


def test_events_take_a_lucene_filter(api: MetricsApi) -> None:
    body = get(api, EVENTS, {**MORNING, "q": "source:vpn OR source:squid"})

    assert (body["total"], body["counts"]) == (2, [0, 2])


def test_alerts_answer_counts_by_rule_severity_and_category(api: MetricsApi) -> None:
    body = get(api, ALERTS, MORNING)

    assert (body["total"], body["counts"]) == (3, [2, 1])
    assert body["breakdowns"]["rule_id"]["top"][0] == {
        "key": "rule-a",
        "count": 2,
        "counts": [2, 0],
    }
    assert [entry["key"] for entry in body["breakdowns"]["severity"]["top"]] == [
        "WARNING",
        "CRITICAL",
    ]
    assert body["breakdowns"]["category"]["top"] == [
        {"key": "bruteforce", "count": 3, "counts": [2, 1]}
    ]


def test_without_parameters_the_last_24_hours_come_in_30_minute_buckets(api: MetricsApi) -> None:
    body = get(api, EVENTS, {})

    assert body["interval"] == "30m"
    assert len(body["times"]) in (48, 49)


def test_incidents_answer_months_with_durations_and_breakdowns(api: MetricsApi) -> None:
    create_incidents(api.db)

    body = get(api, INCIDENTS, {"start": "2026-01-15", "end": "2026-03-01"})

    assert (body["interval"], body["opened"], body["closed"]) == ("month", 3, 3)
    assert [(bucket["opened"], bucket["closed"]) for bucket in body["buckets"]] == [(2, 2), (1, 1)]
    assert body["durations"]["close"] == {
        "count": 2,
        "median": 1339200.0,
        "p90": 2064960.0,
        "negative": 0,
    }
    assert body["by_veris"][0] == {"group": "action.hacking", "incidents": 2}
    assert body["by_technique"][0]["technique"] == "T1110"


def test_incidents_group_by_week_when_asked(api: MetricsApi) -> None:
    create_incidents(api.db)

    body = get(api, INCIDENTS, {"start": "2026-01-10", "end": "2026-01-19", "interval": "week"})

    assert [bucket["start"][:10] for bucket in body["buckets"]] == ["2026-01-05", "2026-01-12"]


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        (EVENTS, {"interval": "7x"}, "interval"),
        (EVENTS, {"start": "last tuesday"}, "start"),
        (EVENTS, {"start": "2026-12-01", "end": "2026-11-01"}, "end"),
        (EVENTS, {"top": "0"}, "top"),
        (ALERTS, {"interval": "1s", "start": "7d"}, "interval"),
        (ALERTS, {"size": "10"}, "size"),
        (INCIDENTS, {"interval": "day"}, "interval"),
        (INCIDENTS, {"end": "never"}, "end"),
        (INCIDENTS, {"q": "anything"}, "q"),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(
    api: MetricsApi, path: str, params: dict[str, str], parameter: str
) -> None:
    body = get(api, path, params, status=400)

    assert body["error"]["type"] == "bad_request"
    assert body["error"]["parameter"] == parameter
    assert body["error"]["message"].startswith(f"{parameter}: ")


def test_a_query_syntax_error_answers_400_with_its_position(api: MetricsApi) -> None:
    body = get(api, EVENTS, {"q": "category:(auth"}, status=400)

    assert body["error"]["type"] == "query_syntax"
    assert (body["error"]["parameter"], body["error"]["position"]) == ("q", 14)


@pytest.mark.parametrize("path", [EVENTS, ALERTS, INCIDENTS])
def test_metrics_need_a_user(api: MetricsApi, path: str) -> None:
    response = api.client.get(path)

    assert response.status_code == 401


def test_without_an_event_store_event_metrics_answer_503(tmp_path: Path) -> None:
    with metrics_api_app(tmp_path, with_store=False) as api:
        headers = api.viewer()
        events = api.client.get(EVENTS, headers=headers)
        incidents = api.client.get(INCIDENTS, headers=headers)

    assert events.status_code == 503
    assert "no event store" in events.json()["error"]["message"]
    assert incidents.status_code == 200
