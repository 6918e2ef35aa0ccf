"""Acknowledged means durable: SIGKILL during sustained intake loses nothing and
duplicates nothing; a full spool holds a request up to intake.full_wait, then answers
429 with Retry-After."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import orjson

from tests.e2e.server import Server, running, start

BATCH = 200
# Kill once this many events are acknowledged (or after a few seconds), so that the
# kill lands during intake and the stored events stay within one search's paging.
KILL_AFTER = 20_000


def send_until(server: Server, stop: threading.Event, acked: list[int]) -> None:
    """Post numbered batches; record the numbers of every acknowledged batch."""
    number = 0
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            lines = (
                orjson.dumps({"summary": "durable", "details": {"seq": number * BATCH + i}})
                for i in range(BATCH)
            )
            try:
                answer = client.post(server.url + "/events", content=b"\n".join(lines))
            except httpx.TransportError:
                return
            if answer.status_code == 200:
                acked.extend(range(number * BATCH, (number + 1) * BATCH))
            number += 1


def stored_seqs(server: Server) -> list[int]:
    seqs: list[int] = []
    offset = 0
    while True:
        params = {"q": "summary:durable", "size": "5000", "from": str(offset), "start": "1h"}
        answer = httpx.get(
            server.url + "/api/v1/events/search", params=params, timeout=30, headers=server.headers
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seqs.extend(hit["_source"]["details"]["seq"] for hit in page["hits"])
        offset += len(page["hits"])
        if not page["hits"] or offset >= page["total"]:
            return seqs


def test_sigkill_during_intake_loses_no_acknowledged_event(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start(data)
    stop, acked = threading.Event(), list[int]()
    sender = threading.Thread(target=send_until, args=(server, stop, acked))
    sender.start()
    deadline = time.monotonic() + 4
    while len(acked) < KILL_AFTER and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    stop.set()
    sender.join()
    assert len(acked) > 1000

    with running(data) as again:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seqs = stored_seqs(again)
            if set(acked) <= set(seqs):
                break
            time.sleep(0.5)
    assert set(acked) <= set(seqs)
    assert len(seqs) == len(set(seqs)), "an event was stored twice"


SLOW_PLUGIN = (
    "import time\n\n\n"
    "class message:\n"
    "    def __init__(self):\n"
    "        self.registration = ['*']\n"
    "        self.priority = 1\n\n"
    "    def onMessage(self, message, metadata):\n"
    "        time.sleep({seconds})\n"
    "        return (message, metadata)\n"
)


def slow_server_env(
    tmp_path: Path, *, seconds_per_event: float, full_wait: float
) -> dict[str, str]:
    """A server whose spool holds about 130 small events and whose worker takes
    `seconds_per_event` for each."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "slow.py").write_text(SLOW_PLUGIN.format(seconds=seconds_per_event))
    return {
        "MOZDEF_SPOOL_MAX_PENDING_BYTES": "20000",
        "MOZDEF_PIPELINE_PLUGIN_FOLDERS": str(plugins),
        "MOZDEF_INTAKE_FULL_WAIT": str(full_wait),
    }


def fifty_events() -> bytes:
    return b"\n".join(orjson.dumps({"summary": "x" * 100, "n": n}) for n in range(50))


def test_full_spool_answers_429_with_retry_after(tmp_path: Path) -> None:
    env = slow_server_env(tmp_path, seconds_per_event=0.05, full_wait=0)
    with running(tmp_path / "data", env=env) as server:
        answers = [httpx.post(server.url + "/events", content=fifty_events()) for _ in range(10)]
        counters = httpx.get(server.url + "/status").json()["counters"]
    refused = [a for a in answers if a.status_code == 429]
    assert refused, [a.status_code for a in answers]
    assert refused[0].headers["Retry-After"] == "1"
    assert counters["rejected"]["queue_full"] >= 50


def test_full_spool_holds_requests_until_the_worker_makes_room(tmp_path: Path) -> None:
    env = slow_server_env(tmp_path, seconds_per_event=0.002, full_wait=20)
    with running(tmp_path / "data", env=env) as server:
        answers = [
            httpx.post(server.url + "/events", content=fifty_events(), timeout=30)
            for _ in range(10)
        ]
        counters = httpx.get(server.url + "/status").json()["counters"]
    assert [a.status_code for a in answers] == [200] * 10
    assert counters["accepted"] == 500
    assert "queue_full" not in counters["rejected"]
