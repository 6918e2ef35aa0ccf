"""`/api/v1/rules`: the catalog with run state, switching rules, and back-testing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from mozdef.alerts.rule_state import RuleState
from tests.alerts.builders import at, event, ssh_failure

from .api_builders import Api, running_api

STREAMING = """\
id: intrusion-word
name: The word intrusion
query: 'summary:intrusion'
mode: streaming
severity: WARNING
category: intrusion
summary: 'intrusion reported by {hostname}'
"""

SCHEDULED = """\
id: ssh-bruteforce
name: SSH brute force
query: 'details.program:sshd'
aggregate: {field: details.sourceipaddress, threshold: 3}
window: 10m
schedule: 5m
severity: ERROR
category: bruteforce
summary: '{count} failed logins from {value}'
"""

FAILING = """\
from mozdef.alerts import AlertTask


class AlertBroken(AlertTask):
    def main(self):
        raise RuntimeError("broken on purpose")
"""

RULES = {
    "intrusion.yaml": STREAMING,
    "ssh.yaml": SCHEDULED,
    "failing_rule.py": FAILING,
    "bad.yaml": "id: bad\nquery: 'summary:(x'\n",
}
EVENTS = [
    event("e1", at(-20), summary="intrusion seen", hostname="gate1"),
    event("e2", at(-10), summary="nothing to see"),
    *(ssh_failure(f"s{n}", at(-5, seconds=n), "10.0.0.9") for n in range(4)),
]
PERIOD = {"since": "2026-12-01T11:00:00Z", "until": "2026-12-01T12:00:00Z"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path, rules=RULES, events=EVENTS) as running:
        yield running


def test_list_answers_every_rule_with_its_form_source_and_schedule(api: Api) -> None:
    body = api.client.get("/api/v1/rules").json()

    rules = {rule["id"]: rule for rule in body["rules"]}
    assert sorted(rules) == ["failing_rule.AlertBroken", "intrusion-word", "ssh-bruteforce"]
    ssh = rules["ssh-bruteforce"]
    assert (ssh["form"], ssh["title"], ssh["severity"], ssh["enabled"]) == (
        "yaml",
        "SSH brute force",
        "ERROR",
        True,
    )
    assert ssh["source"].endswith("rules/ssh.yaml")
    assert ssh["schedule"] == {"interval": "5m", "crontab": None, "lookback": "10m"}
    assert rules["intrusion-word"]["schedule"] == "streaming"


def test_list_reports_the_problems_of_the_rule_files(api: Api) -> None:
    (problem,) = api.client.get("/api/v1/rules").json()["problems"]

    assert "bad.yaml" in problem


def test_a_rule_that_never_ran_has_an_empty_run_record(api: Api) -> None:
    rule = api.client.get("/api/v1/rules/ssh-bruteforce").json()

    assert (rule["last_run"], rule["next_run"], rule["total_runs"], rule["last_error"]) == (
        None,
        None,
        0,
        None,
    )


def test_a_rule_shows_its_run_record(api: Api) -> None:
    state = RuleState(
        "ssh-bruteforce",
        last_run=at(-5),
        next_run=at(0),
        last_duration=0.25,
        last_hits=2,
        total_runs=7,
        total_failures=1,
        last_error="TimeoutError: slow",
    )
    api.context.rule_states.save(state, now=at(-5))

    rule = api.client.get("/api/v1/rules/ssh-bruteforce").json()

    assert rule["last_run"] == "2026-12-01T11:55:00.000000+00:00"
    assert rule["next_run"] == "2026-12-01T12:00:00.000000+00:00"
    assert (rule["last_duration"], rule["last_hits"], rule["total_runs"]) == (0.25, 2, 7)
    assert (rule["total_failures"], rule["last_error"]) == (1, "TimeoutError: slow")


def test_an_unknown_rule_is_404(api: Api) -> None:
    response = api.client.get("/api/v1/rules/nosuch")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no rule 'nosuch'; GET /api/v1/rules lists them"


def test_disable_writes_the_flag_and_keeps_the_run_record(api: Api) -> None:
    api.context.rule_states.save(RuleState("ssh-bruteforce", total_runs=3), now=at(0))

    answer = api.client.post("/api/v1/rules/ssh-bruteforce/disable").json()

    stored = api.context.rule_states.get("ssh-bruteforce")
    assert stored is not None
    assert (answer["enabled"], stored.enabled, stored.total_runs) == (False, False, 3)


def test_enable_switches_a_disabled_rule_back_on(api: Api) -> None:
    api.client.post("/api/v1/rules/intrusion-word/disable")

    answer = api.client.post("/api/v1/rules/intrusion-word/enable").json()

    stored = api.context.rule_states.get("intrusion-word")
    assert stored is not None
    assert (answer["enabled"], stored.enabled) == (True, True)


@pytest.mark.parametrize("action", ["enable", "disable", "test"])
def test_switching_or_testing_an_unknown_rule_is_404(api: Api, action: str) -> None:
    response = api.client.post(f"/api/v1/rules/nosuch/{action}")

    assert response.status_code == 404
    assert api.context.rule_states.get("nosuch") is None


def test_testing_a_streaming_rule_answers_its_drafts_and_saves_nothing(api: Api) -> None:
    body = api.client.post("/api/v1/rules/intrusion-word/test", json=PERIOD).json()

    assert (body["total"], body["suppressed"]) == (1, 0)
    (found,) = body["drafts"]
    assert (found["summary"], found["severity"], found["suppressed_by"]) == (
        "intrusion reported by gate1",
        "WARNING",
        None,
    )
    assert [sample["documentid"] for sample in found["events"]] == ["e1"]
    assert api.context.alerts.search().total == 0


def test_testing_a_scheduled_rule_counts_over_the_whole_period(api: Api) -> None:
    body = api.client.post("/api/v1/rules/ssh-bruteforce/test", json=PERIOD).json()

    (found,) = body["drafts"]
    assert (found["summary"], found["count"]) == ("4 failed logins from 10.0.0.9", 4)


def test_a_tested_draft_names_the_suppression_that_would_drop_it(api: Api) -> None:
    made = api.context.suppressions.add("hostname:gate1", reason="lab", by="alice")

    body = api.client.post("/api/v1/rules/intrusion-word/test", json=PERIOD).json()

    assert body["suppressed"] == 1
    assert body["drafts"][0]["suppressed_by"] == made.id


def test_testing_outside_the_events_finds_nothing(api: Api) -> None:
    period = {"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z"}

    body = api.client.post("/api/v1/rules/intrusion-word/test", json=period).json()

    assert (body["total"], body["drafts"]) == (0, [])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"since": "last week"}, "since must be an ISO 8601 time"),
        ({"since": 7}, "since must be an ISO 8601 time"),
        ({"since": "1h", "until": "2h"}, "is not after since"),
        ({"from": "1h"}, "unknown field 'from' in the body; it takes since and until"),
    ],
)
def test_a_bad_test_period_is_400(api: Api, body: dict[str, object], message: str) -> None:
    response = api.client.post("/api/v1/rules/intrusion-word/test", json=body)

    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_a_rule_that_fails_its_test_is_422_with_its_error(api: Api) -> None:
    response = api.client.post("/api/v1/rules/failing_rule.AlertBroken/test", json=PERIOD)

    assert response.status_code == 422
    problem = response.json()["error"]
    assert problem["type"] == "rule_failed"
    assert "broken on purpose" in problem["message"]


def test_the_default_test_period_is_the_last_seven_days(tmp_path: Path) -> None:
    recent = event("r1", dt.datetime.now(dt.UTC) - dt.timedelta(days=2), summary="intrusion")
    old = event("o1", dt.datetime.now(dt.UTC) - dt.timedelta(days=9), summary="intrusion")
    with running_api(tmp_path, rules=RULES, events=[recent, old]) as api:
        body = api.client.post("/api/v1/rules/intrusion-word/test").json()

    assert [draft["events"][0]["documentid"] for draft in body["drafts"]] == ["r1"]
