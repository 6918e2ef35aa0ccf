"""A scale-out deployment on this machine for tests: `mozdef intake`, `worker`,
`alerts` and `web` processes over the real RabbitMQ, OpenSearch and PostgreSQL
that the test script started (their URLs in MOZDEF_TEST_RABBITMQ_URL,
MOZDEF_TEST_OPENSEARCH_URL and MOZDEF_TEST_DATABASE_URL).

Each Cluster gets its own queue, exchange and index prefix, so tests do not see
each other's events on the shared servers.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from tests.e2e.server import Server, start_command

ROOT = Path(__file__).resolve().parents[2]
SERVERS = {
    "rabbitmq": "MOZDEF_TEST_RABBITMQ_URL",
    "opensearch": "MOZDEF_TEST_OPENSEARCH_URL",
    "postgresql": "MOZDEF_TEST_DATABASE_URL",
}


def server_url(name: str) -> str:
    variable = SERVERS[name]
    url = os.environ.get(variable)
    if not url:
        pytest.fail(f"{variable} is not set: scripts/test.sh starts {name} and sets it")
    return url


@dataclass
class Cluster:
    root: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    processes: list[Server] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            "MOZDEF_QUEUE": "rabbitmq",
            "MOZDEF_RABBITMQ_URL": server_url("rabbitmq"),
            "MOZDEF_QUEUE_EXCHANGE": f"eventtask-{self.tag}",
            "MOZDEF_QUEUE_QUEUE": f"eventtask-{self.tag}",
            "MOZDEF_QUEUE_ALERTS_EXCHANGE": f"alerts-{self.tag}",
            "MOZDEF_STORE": "opensearch",
            "MOZDEF_OPENSEARCH_URL": server_url("opensearch"),
            "MOZDEF_STORE_OPENSEARCH_PREFIX": f"t{self.tag}-",
            "MOZDEF_STORE_OPENSEARCH_REPLICAS": "0",
            "MOZDEF_DATABASE_URL": server_url("postgresql"),
            "MOZDEF_STORE_DISK_FLOOR_BYTES": "0",
        }

    def start(self, command: str, *, name: str | None = None, **extra: str) -> Server:
        label = name or f"{command}{len(self.processes)}"
        process = start_command(
            command, self.root / label / "data", env={**self.env, **extra}, name=label
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@dataclass
class Sender:
    """Posts numbered batches to an intake until stopped, remembering which were acknowledged."""

    url: str
    batch: int = 200
    # Seconds between two batches: about 1,000 events/s, so that the backlog an
    # outage builds drains within the test's wait on a loaded two-core machine.
    pause: float = 0.2
    acked: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    retry_after: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        # Bulk requests with an `_id` per event: a batch sent again after a failed
        # answer (the broker may have kept it without confirming) replaces instead
        # of duplicating, as with an Elasticsearch client.
        number = 0
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                first = number * self.batch
                lines: list[bytes] = []
                for seq in range(first, first + self.batch):
                    lines.append(orjson.dumps({"index": {"_id": f"seq-{seq}"}}))
                    lines.append(orjson.dumps({"summary": "scaleout", "details": {"seq": seq}}))
                try:
                    answer = client.post(self.url + "/_bulk", content=b"\n".join(lines) + b"\n")
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                self.statuses.append(answer.status_code)
                if answer.status_code == 200 and not answer.json()["errors"]:
                    self.acked.extend(range(first, first + self.batch))
                    number += 1
                else:
                    self.retry_after.append(answer.headers.get("Retry-After", ""))
                    time.sleep(0.2)
                time.sleep(self.pause)


def stored_seqs(web: Server) -> list[int]:
    """Every stored `details.seq` of the test's events, through the web process, in
    pages by range of seq (OpenSearch refuses deep paging past 10,000 hits)."""
    seqs: list[int] = []
    after, seen_at_after = 0, 0
    while True:
        params = {
            # From the last seq seen, so that a copy stored twice across the page
            # boundary is still counted twice.
            "q": f"summary:scaleout AND details.seq:>={after}",
            "size": "5000",
            "sort": "details.seq:asc",
            "start": "2h",
        }
        answer = httpx.get(
            web.url + "/api/v1/events/search", params=params, timeout=60, headers=web.headers
        )
        assert answer.status_code == 200, answer.text
        page = [hit["_source"]["details"]["seq"] for hit in answer.json()["hits"]]
        seqs.extend(page[seen_at_after:])
        if len(page) < 5000:
            return seqs
        after = page[-1]
        seen_at_after = page.count(after)


def wait_stored(web: Server, acked: list[int], timeout: float = 240) -> list[int]:
    deadline = time.monotonic() + timeout
    seqs: list[int] = []
    while time.monotonic() < deadline:
        seqs = stored_seqs(web)
        if set(acked) <= set(seqs):
            return seqs
        time.sleep(1)
    return seqs


def script(name: str, action: str) -> None:
    """Run scripts/NAME.sh ACTION (stop or start a shared test server)."""
    subprocess.run([str(ROOT / "scripts" / f"{name}.sh"), action], check=True, timeout=300)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    try:
        yield running
    finally:
        running.stop()
