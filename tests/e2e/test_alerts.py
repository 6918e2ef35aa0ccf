"""Streaming rules inside `mozdef serve`: an event in, an alert searchable seconds later."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.e2e.server import running

RULE = """\
id: intrusion-word
name: The word intrusion
query: 'summary:intrusion'
mode: streaming
severity: WARNING
category: intrusion
summary: 'intrusion reported by {hostname}'
"""


def test_streaming_rule_raises_a_searchable_alert_within_seconds(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "intrusion.yaml").write_text(RULE)
    env = {"MOZDEF_ALERTS_RULE_FOLDERS": str(rules)}
    with running(tmp_path / "data", env=env) as server:
        sent = time.monotonic()
        body = b'{"summary": "possible intrusion detected", "hostname": "gate1"}'
        httpx.post(server.url + "/events", content=body)
        params = {"q": "category:intrusion", "index": "alerts-*", "start": "1h"}
        found: list[dict[str, object]] = []
        while not found and time.monotonic() - sent < 15:
            page = httpx.get(
                server.url + "/api/v1/events/search", params=params, headers=server.headers
            ).json()
            found = page["hits"]
            time.sleep(0.2)
    assert found, "no alert within 15 seconds"
    alert = found[0]["_source"]
    assert isinstance(alert, dict)
    assert (alert["summary"], alert["severity"]) == ("intrusion reported by gate1", "WARNING")
