"""The alerts and rules API of a real `mozdef serve`: an alert raised by a streaming
rule, acknowledged over HTTP by way of the worker, and a rule switched off."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import Server, running

RULE = """\
id: intrusion-word
name: The word intrusion
query: 'summary:intrusion'
mode: streaming
severity: WARNING
category: intrusion
summary: 'intrusion reported by {hostname}'
"""
EVENT = b'{"summary": "possible intrusion detected", "hostname": "gate1"}'


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "intrusion.yaml").write_text(RULE)
    with running(tmp_path / "data", env={"MOZDEF_ALERTS_RULE_FOLDERS": str(rules)}) as started:
        yield started


def eventually(ask: Callable[[], list[dict[str, Any]]], seconds: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    found = ask()
    while not found and time.monotonic() < deadline:
        time.sleep(0.2)
        found = ask()
    return found


def alerts(server: Server, **params: str) -> list[dict[str, Any]]:
    response = httpx.get(server.url + "/api/v1/alerts", params=params, headers=server.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["alerts"]
    return found


def test_an_alert_acknowledged_over_http_is_found_by_its_new_status(server: Server) -> None:
    httpx.post(server.url + "/events", content=EVENT)
    (raised,) = eventually(lambda: alerts(server, category="intrusion"), 15)

    answer = httpx.post(
        f"{server.url}/api/v1/alerts/{raised['id']}/ack",
        json={"note": "looking"},
        timeout=15,
        headers=server.headers,
    )

    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["history"][0]["note"]) == (
        "acknowledged",
        "looking",
    )
    found = eventually(lambda: alerts(server, status="acknowledged"), 5)
    assert [alert["id"] for alert in found] == [raised["id"]]
    assert alerts(server, status="new") == []
    audit = httpx.get(server.url + "/api/v1/audit", headers=server.headers).json()
    acks = [e for e in audit["entries"] if e["action"] == "alert.ack"]
    assert [(e["actor"], e["target"]) for e in acks] == [("e2e", raised["id"])]


def test_a_streaming_rule_disabled_over_http_stops_raising(server: Server) -> None:
    switched = httpx.post(
        server.url + "/api/v1/rules/intrusion-word/disable", headers=server.headers
    )
    assert (switched.status_code, switched.json()["enabled"]) == (200, False)
    # The worker reads the flags every five seconds.
    time.sleep(6)

    stored = httpx.post(server.url + "/events?refresh=wait_for", content=EVENT, timeout=30)

    assert stored.status_code in (200, 201), stored.text
    assert alerts(server, category="intrusion") == []
    rule = httpx.get(server.url + "/api/v1/rules/intrusion-word", headers=server.headers).json()
    assert (rule["enabled"], rule["schedule"]) == (False, "streaming")
