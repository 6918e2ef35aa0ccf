"""Incident metrics from the application database, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from mozdef.appdb import AppDb
from mozdef.incidents import IncidentStore
from mozdef.metrics.incidents import incident_metrics, period, veris_group
from mozdef.metrics.window import MetricsParameterError, Window

from .builders import create_incidents, utc

WINDOW = Window(utc(2026, 1, 15), utc(2026, 3, 1))
NO_DURATION = {"count": 0, "median": None, "p90": None, "negative": 0}


@pytest.fixture
def answer(appdb: AppDb) -> dict[str, Any]:
    create_incidents(appdb)
    return incident_metrics(appdb, WINDOW, by="month")


def test_the_window_starts_at_the_start_of_its_first_month(answer: dict[str, Any]) -> None:
    assert (answer["start"], answer["end"], answer["interval"]) == (
        "2026-01-01T00:00:00.000+00:00",
        "2026-03-01T00:00:00.000+00:00",
        "month",
    )
    assert [bucket["start"] for bucket in answer["buckets"]] == [
        "2026-01-01T00:00:00.000+00:00",
        "2026-02-01T00:00:00.000+00:00",
    ]


def test_incidents_count_as_opened_and_closed_in_their_own_months(
    answer: dict[str, Any],
) -> None:
    assert (answer["opened"], answer["closed"], answer["truncated"]) == (3, 3, False)
    assert [(bucket["opened"], bucket["closed"]) for bucket in answer["buckets"]] == [
        (2, 2),
        (1, 1),
    ]


def test_durations_are_measured_from_opened_per_cohort(answer: dict[str, Any]) -> None:
    january = answer["buckets"][0]["durations"]

    assert january["detect"] == {"count": 2, "median": 7200.0, "p90": 10080.0, "negative": 0}
    assert january["verify"] == {"count": 1, "median": 7200.0, "p90": 7200.0, "negative": 0}
    assert january["contain"] == {"count": 1, "median": 86400.0, "p90": 86400.0, "negative": 0}
    assert january["mitigate"]["median"] == 172800.0
    assert january["close"] == {
        "count": 2,
        "median": 1339200.0,
        "p90": 2064960.0,
        "negative": 0,
    }


def test_a_date_before_opened_is_counted_as_negative(answer: dict[str, Any]) -> None:
    february = answer["buckets"][1]["durations"]

    assert february["detect"] == {"count": 0, "median": None, "p90": None, "negative": 1}
    assert february["close"] == NO_DURATION
    assert answer["durations"]["detect"] == {
        "count": 2,
        "median": 7200.0,
        "p90": 10080.0,
        "negative": 1,
    }


def test_veris_groups_and_techniques_count_each_incident_once(answer: dict[str, Any]) -> None:
    assert answer["buckets"][0]["veris"] == {
        "action.hacking": 2,
        "action.malware": 1,
        "actor.external": 1,
    }
    assert answer["by_veris"] == [
        {"group": "action.hacking", "incidents": 2},
        {"group": "action.malware", "incidents": 1},
        {"group": "actor.external", "incidents": 1},
        {"group": "security_incident", "incidents": 1},
    ]
    assert answer["by_technique"] == [
        {"technique": "T1110", "name": "Brute Force", "incidents": 1},
        {"technique": "T1110.001", "name": "", "incidents": 1},
        {"technique": "T1486", "name": "Data Encrypted for Impact", "incidents": 1},
    ]


def test_tactics_count_each_incident_once_in_the_order_of_the_matrix(
    answer: dict[str, Any],
) -> None:
    # T1110 and its sub-technique T1110.001 are Credential Access, T1486 is Impact.
    assert answer["buckets"][0]["tactics"] == {"credential-access": 2, "impact": 1}
    assert answer["buckets"][1]["tactics"] == {}
    tactics = answer["by_tactic"]
    assert [entry["id"] for entry in tactics][:3] == ["TA0043", "TA0042", "TA0001"]
    assert len(tactics) == 14
    counted = {entry["tactic"]: entry["incidents"] for entry in tactics if entry["incidents"]}
    assert counted == {"credential-access": 2, "impact": 1}
    assert tactics[7] == {
        "tactic": "credential-access",
        "id": "TA0006",
        "name": "Credential Access",
        "incidents": 2,
    }
    assert answer["untactical"] == []


def test_a_technique_of_several_tactics_counts_for_each_and_an_unknown_one_is_named(
    appdb: AppDb,
) -> None:
    store = IncidentStore(appdb)
    opened = utc(2026, 1, 20).isoformat()
    # T1078 (Valid Accounts) is in four tactics; T1690 came after the bundled table.
    store.create({"summary": "a", "opened": opened, "techniques": ["T1078", "T1690"]}, by="al")

    answer = incident_metrics(appdb, WINDOW, by="month")

    counted = {e["tactic"]: e["incidents"] for e in answer["by_tactic"] if e["incidents"]}
    assert counted == {
        "initial-access": 1,
        "persistence": 1,
        "privilege-escalation": 1,
        "defense-evasion": 1,
    }
    assert answer["untactical"] == ["T1690"]


def test_weeks_start_on_monday(appdb: AppDb) -> None:
    create_incidents(appdb)

    answer = incident_metrics(appdb, Window(utc(2026, 1, 10), utc(2026, 1, 19)), by="week")

    assert [(bucket["start"][:10], bucket["opened"]) for bucket in answer["buckets"]] == [
        ("2026-01-05", 1),
        ("2026-01-12", 0),
    ]


def test_past_the_row_limit_the_latest_incidents_are_kept(appdb: AppDb) -> None:
    create_incidents(appdb)

    answer = incident_metrics(appdb, WINDOW, by="month", limit=2)

    assert (answer["opened"], answer["truncated"]) == (2, True)
    assert [bucket["opened"] for bucket in answer["buckets"]] == [1, 1]


def test_an_unknown_period_names_the_interval_parameter() -> None:
    assert period(None) == "month"
    assert period(" Week ") == "week"
    with pytest.raises(MetricsParameterError, match="expected one of month, week, found 'day'"):
        period("day")


def test_too_many_periods_are_refused(appdb: AppDb) -> None:
    with pytest.raises(MetricsParameterError, match="more than 520") as raised:
        incident_metrics(appdb, Window(utc(2000, 1, 1), utc(2026, 1, 1)), by="week")

    assert raised.value.parameter == "start"


def test_a_veris_group_is_two_levels_or_the_group_of_a_short_value() -> None:
    assert veris_group("action.hacking.variety.Brute force") == "action.hacking"
    assert veris_group("security_incident.Confirmed") == "security_incident"
