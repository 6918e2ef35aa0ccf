"""One run's scale-out deployment for bench_scaleout.py: `mozdef intake` and `mozdef
worker` processes over the shared RabbitMQ, OpenSearch and PostgreSQL.

The processes get their configuration from MOZDEF_* variables, as in production:
the queue and exchanges, and the index prefix, carry a tag of their own so that a
run sees none of another's events and can delete all it made (`stop`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from mozdef.config.settings import QueueSettings
from mozdef.pipeline.service import STATUS_FILE
from scaleout_probe import QueueGauge, Teardown, peak_rss_mib

# The addresses scripts/{rabbitmq,opensearch,postgres}.sh start their servers on.
DEFAULT_RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/%2F"
DEFAULT_OPENSEARCH = "http://127.0.0.1:9200"
DEFAULT_DATABASE = "postgresql+psycopg://mozdef_test@127.0.0.1:5433/mozdef_test"


@dataclass(frozen=True)
class Servers:
    rabbitmq: str
    opensearch: str
    database: str

    @classmethod
    def from_arguments(
        cls, rabbitmq: str | None, opensearch: str | None, database: str | None
    ) -> Servers:
        return cls(
            rabbitmq or DEFAULT_RABBITMQ,
            (opensearch or DEFAULT_OPENSEARCH).rstrip("/"),
            database or DEFAULT_DATABASE,
        )


class Deployment:
    """`prefetch` None keeps the product's default (queue.prefetch); `keep` leaves the
    processes' folders and logs in `root` for a look after the run."""

    def __init__(
        self,
        root: Path,
        servers: Servers,
        *,
        alerts: bool = False,
        prefetch: int | None = None,
        keep: bool = False,
    ) -> None:
        self.root = root
        self.servers = servers
        self.alerts = alerts
        self.prefetch = prefetch
        self.keep = keep
        self.tag = uuid.uuid4().hex[:10]
        self.queue = f"eventtask-bench-{self.tag}"
        self.alerts_exchange = f"alerts-bench-{self.tag}"
        self.prefix = f"bench{self.tag}-"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def queue_settings(self) -> QueueSettings:
        return QueueSettings(
            backend="rabbitmq",
            rabbitmq_url=self.servers.rabbitmq,
            exchange=self.queue,
            queue=self.queue,
            alerts_exchange=self.alerts_exchange,
        )

    @property
    def env(self) -> dict[str, str]:
        prefetch = {} if self.prefetch is None else {"MOZDEF_QUEUE_PREFETCH": str(self.prefetch)}
        return {
            **os.environ,
            "MOZDEF_QUEUE": "rabbitmq",
            "MOZDEF_RABBITMQ_URL": self.servers.rabbitmq,
            "MOZDEF_QUEUE_EXCHANGE": self.queue,
            "MOZDEF_QUEUE_QUEUE": self.queue,
            "MOZDEF_QUEUE_ALERTS_EXCHANGE": self.alerts_exchange,
            "MOZDEF_STORE": "opensearch",
            "MOZDEF_OPENSEARCH_URL": self.servers.opensearch,
            "MOZDEF_STORE_OPENSEARCH_PREFIX": self.prefix,
            "MOZDEF_STORE_OPENSEARCH_REPLICAS": "0",
            "MOZDEF_STORE_DISK_FLOOR_BYTES": "0",
            "MOZDEF_DATABASE_URL": self.servers.database,
            "MOZDEF_ALERTS_ENABLED": "true" if self.alerts else "false",
            **prefetch,
        }

    def start_intake(self) -> int:
        """Start `mozdef intake`; its port once it answers /status."""
        port = _free_port()
        self._start("intake", ["--port", str(port)])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self._check_alive("intake")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/status", timeout=1).status_code == 200:
                    return port
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"intake did not answer within 60 s; see {self.root / 'intake.log'}")

    def start_worker(self, number: int) -> None:
        self._start(f"worker{number}", [])

    def wait_consumers(self, gauge: QueueGauge, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while gauge.read()[1] < count:
            for label in self.processes:
                self._check_alive(label)
            if time.monotonic() >= deadline:
                raise RuntimeError(f"fewer than {count} workers consume after {timeout:.0f} s")
            time.sleep(0.1)

    def indexed_by_worker(self) -> dict[str, float]:
        """Events each worker indexed, from the status file it writes after each commit:
        how evenly the queue shares its messages."""
        shares: dict[str, float] = {}
        for label in self.processes:
            status = self.root / label / STATUS_FILE
            if label.startswith("worker") and status.exists():
                shares[f"indexed_{label}"] = float(orjson.loads(status.read_bytes())["indexed"])
        return shares

    def peak_rss(self) -> dict[str, float]:
        return {label: peak_rss_mib(p.pid) for label, p in self.processes.items()}

    def stop(self) -> None:
        """Stop the processes, then delete the run's indices, templates, queue and
        exchanges, and its folder."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        exchanges = (self.queue, self.alerts_exchange)
        servers = self.servers
        Teardown(servers.opensearch, servers.rabbitmq, self.prefix, self.queue, exchanges).run()
        if self.keep:
            print(f"kept the processes' folders and logs in {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    def _start(self, label: str, extra: list[str]) -> None:
        data = self.root / label
        data.mkdir(parents=True)
        command = [sys.executable, "-m", "mozdef.cli", label.rstrip("0123456789")]
        log = (self.root / f"{label}.log").open("wb")
        self.processes[label] = subprocess.Popen(
            [*command, "--data-dir", str(data), *extra],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def _check_alive(self, label: str) -> None:
        if self.processes[label].poll() is not None:
            tail = (self.root / f"{label}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{label} exited:\n{tail}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
