"""`mozdef serve` end to end: curl, the HTTP endpoints, search, limits and health."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import Server, running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("serve") / "data") as server:
        yield server


def search(server: Server, query: str, **params: str) -> dict[str, object]:
    answer = httpx.get(
        server.url + "/api/v1/events/search", params={"q": query, **params}, headers=server.headers
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_status_is_ok_when_ready(server: Server) -> None:
    answer = httpx.get(server.url + "/status")
    assert answer.status_code == 200
    assert answer.json()["accepting"] is True


def test_event_sent_with_curl_is_found_by_a_query(server: Server) -> None:
    event = '{"summary": "curl tour event", "hostname": "tour1", "details": {"user": "ann"}}'
    sent = subprocess.run(
        ["curl", "-sf", "-XPOST", "--data-binary", event, server.url + "/events?refresh=wait_for"],
        capture_output=True,
        check=True,
    )
    assert b'"accepted":1' in sent.stdout
    found = search(server, "hostname:tour1 AND details.user:ann")
    assert found["total"] == 1
    hits = found["hits"]
    assert isinstance(hits, list) and hits[0]["_source"]["summary"] == "curl tour event"


def test_batch_with_bad_events_reports_each_and_keeps_the_good(server: Server) -> None:
    body = b'{"summary": "good one", "hostname": "batch1"}\nnot json\n[1]\n{"summary": "good two"}'
    answer = httpx.post(server.url + "/events?refresh=wait_for", content=body)
    assert answer.status_code == 200
    result = answer.json()
    assert result["accepted"] == 2
    assert [(e["position"], e["reason"]) for e in result["errors"]] == [
        (1, "invalid_json"),
        (2, "not_an_object"),
    ]


def test_bulk_endpoint_answers_like_elasticsearch(server: Server) -> None:
    body = (
        b'{"index": {"_index": "logs", "_id": "bulk-1"}}\n{"message": "bulk one", "host": "b1"}\n'
        b'{"index": {}}\n{"message": \n'
    )
    answer = httpx.post(server.url + "/_bulk?refresh=wait_for", content=body)
    result = answer.json()
    assert result["errors"] is True
    assert [i["index"]["status"] for i in result["items"]] == [201, 400]
    assert search(server, "id:bulk-1")["total"] == 1


def test_bulk_redelivery_with_same_id_stores_one_event(server: Server) -> None:
    body = b'{"index": {"_id": "dup-1"}}\n{"message": "sent twice", "host": "dup"}\n'
    for _ in range(2):
        httpx.post(server.url + "/_bulk?refresh=wait_for", content=body)
    assert search(server, "hostname:dup")["total"] == 1


def test_cef_line_is_parsed_into_fields(server: Server) -> None:
    line = "CEF:0|Acme|Gate|1.0|100|Port scan|7|src=10.9.8.7 dst=10.0.0.1 spt=4444"
    answer = httpx.post(server.url + "/cef?refresh=wait_for", content=line)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    assert search(server, 'summary:"port scan"')["total"] == 1


def test_custom_document_is_searchable_in_its_own_index(server: Server) -> None:
    answer = httpx.post(
        server.url + "/custom/inventory?refresh=wait_for",
        content=b'{"asset": "laptop-7", "owner": "kim"}',
    )
    assert answer.status_code == 200
    found = search(server, "owner:kim", index="inventory-*")
    assert found["total"] == 1
    hits = found["hits"]
    assert isinstance(hits, list) and hits[0]["_source"]["asset"] == "laptop-7"


def test_invalid_application_name_is_refused(server: Server) -> None:
    answer = httpx.post(server.url + "/custom/Bad%20Name", content=b"{}")
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_application"


def test_query_syntax_error_answers_400_with_position(server: Server) -> None:
    answer = httpx.get(
        server.url + "/api/v1/events/search",
        params={"q": "hostname:(a OR b"},
        headers=server.headers,
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "query_syntax"
    assert isinstance(error["position"], int)


def test_post_search_with_aggregation(server: Server) -> None:
    body = b'{"summary": "agg", "hostname": "aggA"}\n{"summary": "agg", "hostname": "aggB"}'
    httpx.post(server.url + "/events?refresh=wait_for", content=body)
    answer = httpx.post(
        server.url + "/api/v1/events/search",
        json={"query": "summary:agg", "aggs": {"hosts": {"terms": {"field": "hostname"}}}},
        headers=server.headers,
    )
    buckets = answer.json()["aggregations"]["hosts"]["buckets"]
    assert sorted((b["key"], b["doc_count"]) for b in buckets) == [("aggA", 1), ("aggB", 1)]


def test_test_endpoint_answers(server: Server) -> None:
    assert httpx.get(server.url + "/test").status_code == 200


def test_elasticsearch_root_document_for_shippers(server: Server) -> None:
    assert httpx.get(server.url + "/").json()["version"]["number"].startswith("7.")


def test_status_counts_rejections_by_reason(server: Server) -> None:
    httpx.post(server.url + "/events", content=b"[1]")
    counters = httpx.get(server.url + "/status").json()["counters"]
    assert counters["rejected"]["not_an_object"] >= 1


def test_body_over_the_limit_answers_413(tmp_path: Path) -> None:
    env = {"MOZDEF_INTAKE_MAX_BODY_BYTES": "1000"}
    with running(tmp_path / "data", env=env) as small:
        answer = httpx.post(small.url + "/events", content=b'{"a": "' + b"x" * 2000 + b'"}')
    assert answer.status_code == 413
    assert "intake.max_body_bytes=1000" in answer.json()["error"]["message"]


def test_disk_floor_stops_intake_with_503_and_says_why(tmp_path: Path) -> None:
    env = {"MOZDEF_STORE_DISK_FLOOR_BYTES": str(2**60)}
    with running(tmp_path / "data", env=env) as full:
        status = httpx.get(full.url + "/status")
        answer = httpx.post(full.url + "/events", content=b'{"summary": "x"}')
    assert status.status_code == 503 and "disk" in status.json()["reason"]
    assert answer.status_code == 503 and answer.headers["Retry-After"]


def test_plugin_that_fails_to_import_stops_start_up_with_its_name(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text("import no_such_module_here\n")
    env = {**os.environ, "MOZDEF_PIPELINE_PLUGIN_FOLDERS": str(plugins)}
    command = [sys.executable, "-m", "mozdef.cli", "serve", "--data-dir", str(tmp_path / "d")]
    done = subprocess.run(
        [*command, "--port", "0"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "broken.py" in done.stderr and "no_such_module_here" in done.stderr


def test_invalid_setting_stops_start_up_naming_key_and_value(tmp_path: Path) -> None:
    env = {**os.environ, "MOZDEF_SPOOL_FSYNC": "sometimes"}
    command = [sys.executable, "-m", "mozdef.cli", "serve", "--data-dir", str(tmp_path / "d")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "spool.fsync='sometimes': expected true or false" in done.stderr


def test_killed_worker_is_restarted_and_events_keep_flowing(tmp_path: Path) -> None:
    with running(tmp_path / "data") as server:
        worker_pid = httpx.get(server.url + "/status").json()["counters"]["worker_pid"]
        os.kill(worker_pid, signal.SIGKILL)
        answer = httpx.post(
            server.url + "/events?refresh=wait_for",
            content=b'{"summary": "after restart", "hostname": "phoenix"}',
            timeout=60,
        )
        assert answer.status_code == 200
        assert search(server, "hostname:phoenix")["total"] == 1
        assert httpx.get(server.url + "/status").json()["counters"]["worker_restarts"] == 1


def test_health_and_metrics_answer_for_a_user_and_refuse_without_one(server: Server) -> None:
    httpx.post(server.url + "/events?refresh=wait_for", content=b'{"summary": "metered"}')
    health = httpx.get(server.url + "/api/v1/health", headers=server.headers)
    metrics = httpx.get(
        server.url + "/api/v1/metrics/events", params={"start": "1h"}, headers=server.headers
    )
    anonymous = httpx.get(server.url + "/api/v1/health")

    assert health.status_code == 200, health.text
    assert health.json()["ready"] is True
    assert metrics.status_code == 200, metrics.text
    assert anonymous.status_code == 401


COUNTING_PLUGIN = """
class Gatekeeper:
    registration = ["*"]
    priority = 5

    def onMessage(self, message, metadata):
        if message.get("hostname") == "drop-me":
            return None, metadata
        if message.get("hostname") == "break-me":
            raise ValueError("cannot read this one")
        return message, metadata
"""


def counted(server: Server, name: str, wanted: int) -> dict[str, Any]:
    """The counters of /status once `name` reached `wanted` (the worker writes its
    counters just after the commit that made the events searchable), or after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        counters: dict[str, Any] = httpx.get(server.url + "/status").json()["counters"]
        if counters[name] >= wanted or time.monotonic() > deadline:
            return counters
        time.sleep(0.1)


def test_status_counts_indexed_dropped_plugin_errors_and_alerts(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "gatekeeper.py").write_text(COUNTING_PLUGIN)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "kept.yaml").write_text(
        "id: kept-seen\nquery: 'hostname:keep-me'\nmode: streaming\nsummary: 'kept'\n"
    )
    env = {
        "MOZDEF_PIPELINE_PLUGIN_FOLDERS": str(plugins),
        "MOZDEF_ALERTS_RULE_FOLDERS": str(rules),
    }
    with running(tmp_path / "data", env=env) as server:
        body = b"\n".join(
            b'{"summary": "counted", "hostname": "%s"}' % host
            for host in (b"keep-me", b"drop-me", b"break-me")
        )
        answer = httpx.post(server.url + "/events?refresh=wait_for", content=body, timeout=60)
        assert answer.status_code == 200, answer.text

        counters = counted(server, "indexed", 2)
        found = search(server, "summary:counted")
    assert (counters["accepted"], counters["indexed"]) == (3, 2)
    assert counters["dropped_by_plugin"] == {"Gatekeeper": 1}
    assert counters["plugin_errors"] == {"Gatekeeper": 1}
    assert counters["failed"] == {}
    assert (counters["alerts"], counters["alert_plugin_errors"]) == ({"created": 1}, {})
    assert found["total"] == 2
