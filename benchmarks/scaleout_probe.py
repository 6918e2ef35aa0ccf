"""What bench_scaleout.py watches while a scale-out deployment runs, and its clean-up.

A `Probe` thread samples, every `interval` seconds: the number of searchable events
of the run (`_count` on the run's daily event indices, which counts what the last
refresh made visible), the messages ready in the run's RabbitMQ queue (a passive
`queue_declare`, so no management plugin is needed) and the CPU seconds of every
watched process. `peak_rss_mib` reads the kernel's high-water mark of a process.
`Teardown` deletes what a run declared and indexed on the shared servers.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pika
import pika.exceptions
import psutil
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection


@dataclass(frozen=True)
class Sample:
    at: float  # time.time()
    searchable: int
    ready_messages: int
    cpu: dict[str, float]  # CPU seconds (user + system) by process label
    machine_busy: float  # non-idle CPU seconds of the whole machine


def searchable_events(client: httpx.Client, opensearch: str, prefix: str) -> int | None:
    """Events in the run's daily indices (`events-2*` keeps the aliases out); None
    while OpenSearch cannot count them (a new index whose shard is not started yet)."""
    answer = client.get(
        f"{opensearch}/{prefix}events-2*/_count",
        params={"ignore_unavailable": "true", "allow_no_indices": "true"},
    )
    if answer.status_code != 200:
        return None
    return int(answer.json()["count"])


class QueueGauge:
    """Ready messages and consumers of one queue, from passive declarations."""

    def __init__(self, url: str, queue: str) -> None:
        self._url = url
        self._queue = queue
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def read(self) -> tuple[int, int]:
        """(ready messages, consumers); (0, 0) while the queue is not declared yet."""
        try:
            channel = self._open()
            frame = channel.queue_declare(self._queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker:
            self._channel = None  # a 404 closes the channel, not the connection
            return 0, 0
        method = frame.method
        return int(method.message_count), int(method.consumer_count)

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            with contextlib.suppress(pika.exceptions.AMQPError):
                self._connection.close()

    def _open(self) -> BlockingChannel:
        if self._connection is None or not self._connection.is_open:
            self._connection = pika.BlockingConnection(pika.URLParameters(self._url))
            self._channel = None
        if self._channel is None or not self._channel.is_open:
            self._channel = self._connection.channel()
        return self._channel


@dataclass
class Probe:
    opensearch: str
    prefix: str
    gauge: QueueGauge
    processes: dict[str, psutil.Process]
    interval: float = 0.2
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.gauge.close()

    def latest(self) -> Sample | None:
        """The last sample; raises when the probe stopped on an error."""
        if self._thread is not None and not self._thread.is_alive() and not self._stop.is_set():
            raise RuntimeError("the probe stopped: see its traceback above")
        return self.samples[-1] if self.samples else None

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                self.samples.append(self.sample(client))
                self._stop.wait(self.interval)

    def sample(self, client: httpx.Client) -> Sample:
        searchable = searchable_events(client, self.opensearch, self.prefix)
        if searchable is None:
            searchable = self.samples[-1].searchable if self.samples else 0
        ready, _ = self.gauge.read()
        return Sample(time.time(), searchable, ready, self._cpu(), machine_busy())

    def _cpu(self) -> dict[str, float]:
        """CPU seconds by label; a process that has exited keeps its last reading."""
        seconds = dict(self.samples[-1].cpu) if self.samples else {}
        for label, process in self.processes.items():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                seconds[label] = times.user + times.system
        return seconds


def machine_busy() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def server_processes(opensearch: str, rabbitmq: str) -> dict[str, psutil.Process]:
    """The processes listening on the OpenSearch and RabbitMQ ports of the URLs, to
    see the cores they use (other servers may run on the same machine)."""
    ports = {
        "opensearch": urlsplit(opensearch).port or 9200,
        "rabbitmq": urlsplit(rabbitmq).port or 5672,
    }
    listening = {
        conn.laddr.port: conn.pid
        for conn in psutil.net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN and conn.pid is not None
    }
    return {
        label: psutil.Process(listening[port]) for label, port in ports.items() if port in listening
    }


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM), 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass(frozen=True)
class Teardown:
    """The names one run made on the shared servers."""

    opensearch: str
    rabbitmq: str
    prefix: str
    queue: str
    exchanges: tuple[str, ...]

    def run(self) -> None:
        self._indices()
        self._queue()

    def _indices(self) -> None:
        with httpx.Client(timeout=60) as client:
            listing = client.get(
                f"{self.opensearch}/_cat/indices/{self.prefix}*", params={"format": "json"}
            )
            for row in listing.json() if listing.status_code == 200 else []:
                client.delete(f"{self.opensearch}/{row['index']}")
            templates = client.get(f"{self.opensearch}/_index_template/{self.prefix}*")
            for item in templates.json().get("index_templates", []):
                client.delete(f"{self.opensearch}/_index_template/{item['name']}")

    def _queue(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.rabbitmq))
        try:
            channel = connection.channel()
            channel.queue_delete(self.queue)
            for exchange in self.exchanges:
                channel.exchange_delete(exchange)
        finally:
            connection.close()
