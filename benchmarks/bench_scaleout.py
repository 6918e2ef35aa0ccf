"""Scale-out throughput: HTTP -> `mozdef intake` -> RabbitMQ -> `mozdef worker`s -> OpenSearch.

    scripts/rabbitmq.sh start; scripts/opensearch.sh start; scripts/postgres.sh start
    python benchmarks/bench_scaleout.py [--workers 1 | --workers-list 1,2] [--seconds 60]
        [--senders 4] [--rate EVENTS_PER_S] [--runs 1] [--alerts] [--json results.json]
    python benchmarks/bench_scaleout.py --worker-only [--workers 1] [--events 200000] [--runs 1]
    common: [--prefetch N] (queue.prefetch of the workers) [--keep-logs] (keep their logs)

Server URLs come from --rabbitmq / --opensearch / --database, else from
MOZDEF_TEST_RABBITMQ_URL / MOZDEF_TEST_OPENSEARCH_URL / MOZDEF_TEST_DATABASE_URL, else
the addresses the scripts above use. Each run gets its own queue, exchanges and index
prefix, deleted at its end; the workers run without alert rules unless --alerts.

End to end (the default): the deterministic corpus is written as bulk bodies of
--batch events (outside the timing; senders cycle through it, so a run may post an
event twice, each time as a new event). One `mozdef intake` and N `mozdef worker`
processes start; once the N workers consume, sender processes post the bodies for
--seconds, back to back or, with --rate, at that offered rate in all. A probe
samples every 0.2 s the searchable count of the run's indices, the queue's ready
messages and each process's CPU time. Reported: acknowledged events/s; searchable
events/s over the same window; the time until every acknowledged event was
searchable, and the workers' rate meanwhile; intake-to-searchable latency per batch
(the first sample whose count includes every event acknowledged before it, as
bench_intake.py does; an estimate, since workers do not index in acknowledgement
order); the queue's ready messages (a worker holds up to queue.prefetch messages
unacknowledged, which the broker does not count as ready) and the backlog of
acknowledged events not searchable yet; the cores and CPU per event of each kind of
process (the OpenSearch and RabbitMQ servers are shared: their figures include any
other client's work); peak RSS.

--worker-only: the queue is filled with --events corpus events (published with
the project's RabbitMqPublisher, 1,000 per message as intake does) before N workers
(default 1) start; reported are the workers' events/s and CPU seconds per event,
measured between the first and the last searchable count, whose inverse is the
worker's events/s per core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from bench_intake import read_bodies, write_bodies
from corpus import events
from mozdef.config.settings import QueueSettings
from mozdef.queue.base import Record
from mozdef.queue.rabbitmq import RabbitMqPublisher
from scaleout_deployment import Deployment, Servers
from scaleout_probe import Probe, QueueGauge, server_processes
from scaleout_report import (
    Run,
    pipeline_figures,
    print_pipeline,
    print_worker_only,
    series,
    worker_figures,
)

Ack = tuple[float, float, int]  # sent, answered (time.time()), events


def sender(
    port: int, path: str, share: tuple[int, int], go: EventType, plan: Plan, out: Connection
) -> None:
    """Post this sender's share of the bodies, cycling, for the plan's seconds after
    `go`; back to back, or one every `pause` seconds when the plan sets a rate."""
    part, parts = share
    bodies = read_bodies(Path(path), part, parts)
    sizes = [body.count(b"\n") // 2 for body in bodies]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    acks: list[Ack] = []
    refused = 0
    pause = plan.pause(sizes[0], parts)
    go.wait()
    started = time.monotonic()
    deadline = started + plan.seconds
    for number, (body, size) in enumerate(itertools.cycle(zip(bodies, sizes, strict=True))):
        due = started + number * pause
        if max(due, time.monotonic()) >= deadline:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        sent = time.time()
        retry_after = _post(connection, body)
        if retry_after is None:
            acks.append((sent, time.time(), size))
        else:
            refused += 1
            time.sleep(retry_after)
    out.send((acks, refused))


def _post(connection: http.client.HTTPConnection, body: bytes) -> float | None:
    """None when intake took every event, else the seconds to wait before the next try."""
    try:
        connection.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
        answer = connection.getresponse()
        content = answer.read()
    except (OSError, http.client.HTTPException):
        connection.close()  # the next request connects again
        return 1.0
    if answer.status == 200 and not orjson.loads(content)["errors"]:
        return None
    return float(answer.getheader("Retry-After") or 1)


@dataclass(frozen=True)
class Plan:
    seconds: float
    rate: float  # events/s offered by all senders together; 0: as fast as answered

    def pause(self, batch: int, senders: int) -> float:
        return batch * senders / self.rate if self.rate else 0.0


class Senders:
    """Sender processes that read their bodies first and post once released."""

    def __init__(self, port: int, bodies: Path, count: int, plan: Plan) -> None:
        self._plan = plan
        self._go = multiprocessing.Event()
        self._pipes: list[Connection] = []
        self.processes: list[multiprocessing.Process] = []
        for part in range(count):
            receive, send = multiprocessing.Pipe(duplex=False)
            process = multiprocessing.Process(
                target=sender,
                args=(port, str(bodies), (part, count), self._go, plan, send),
            )
            process.start()
            self._pipes.append(receive)
            self.processes.append(process)

    def release(self) -> None:
        self._go.set()

    def results(self) -> tuple[list[Ack], int]:
        acks: list[Ack] = []
        refused = 0
        for receive, process in zip(self._pipes, self.processes, strict=True):
            if not receive.poll(self._plan.seconds + 300):
                raise RuntimeError(f"sender {process.pid} gave no result (exit {process.exitcode})")
            part, part_refused = receive.recv()
            acks.extend(part)
            refused += part_refused
            process.join()
        return acks, refused


def run_pipeline(args: argparse.Namespace, servers: Servers, bodies: Path, workers: int) -> Run:
    load_before = os.getloadavg()[0]
    deployment = _deployment(args, servers)
    try:
        intake = deployment.start_intake()
        for number in range(workers):
            deployment.start_worker(number)
        gauge = QueueGauge(servers.rabbitmq, deployment.queue)
        deployment.wait_consumers(gauge, workers)
        senders = Senders(intake, bodies, args.senders, Plan(args.seconds, args.rate))
        time.sleep(1.0)  # the senders read their bodies
        probe = _probe(deployment, gauge, senders.processes)
        probe.start()
        senders.release()
        acks, refused = senders.results()
        accepted = sum(size for _, _, size in acks)
        _wait_searchable(probe, accepted, timeout=args.drain_timeout)
        probe.stop()
        rss = deployment.peak_rss()
        shares = deployment.indexed_by_worker()
    finally:
        deployment.stop()
    figures = pipeline_figures(acks, probe.samples, accepted, refused, rss) | shares
    rows = series(acks, probe.samples, args.series_step)
    return Run("pipeline", workers, figures, load_before, os.getloadavg()[0], rows)


def run_worker_only(args: argparse.Namespace, servers: Servers, workers: int) -> Run:
    load_before = os.getloadavg()[0]
    deployment = _deployment(args, servers)
    try:
        fill_queue(deployment.queue_settings, args.events)
        gauge = QueueGauge(servers.rabbitmq, deployment.queue)
        for number in range(workers):
            deployment.start_worker(number)
        probe = _probe(deployment, gauge, [])
        probe.start()
        _wait_searchable(probe, args.events, timeout=args.drain_timeout + args.events / 500)
        probe.stop()
        rss = deployment.peak_rss()
        shares = deployment.indexed_by_worker()
    finally:
        deployment.stop()
    figures = worker_figures(probe.samples, args.events, rss) | shares
    return Run("worker-only", workers, figures, load_before, os.getloadavg()[0])


def fill_queue(settings: QueueSettings, count: int, threads: int = 4) -> None:
    """`count` corpus events on the queue, 1,000 a message, as intake publishes them."""
    received = dt.datetime.now(dt.UTC)
    records = [
        Record(id=f"{number:032x}", received=received, body=orjson.dumps(event))
        for number, event in enumerate(events(count, day=received.date()))
    ]
    work = [records[start : start + 1000] for start in range(0, count, 1000)]
    publisher = RabbitMqPublisher(settings)

    def publish(share: list[list[Record]]) -> None:
        for batch in share:
            publisher.publish(batch)

    pool = [threading.Thread(target=publish, args=(work[n::threads],)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    publisher.close()


def _deployment(args: argparse.Namespace, servers: Servers) -> Deployment:
    root = Path(tempfile.mkdtemp(prefix="mozdef-scaleout-"))
    return Deployment(
        root, servers, alerts=args.alerts, prefetch=args.prefetch, keep=args.keep_logs
    )


def _probe(
    deployment: Deployment, gauge: QueueGauge, senders: list[multiprocessing.Process]
) -> Probe:
    watched = {label: psutil.Process(p.pid) for label, p in deployment.processes.items()}
    watched.update(server_processes(deployment.servers.opensearch, deployment.servers.rabbitmq))
    watched.update({f"sender{n}": psutil.Process(p.pid) for n, p in enumerate(senders)})
    return Probe(deployment.servers.opensearch, deployment.prefix, gauge, watched)


def _wait_searchable(probe: Probe, count: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        latest = probe.latest()
        if latest is not None and latest.searchable >= count:
            return
        time.sleep(0.1)
    latest = probe.latest()
    seen = latest.searchable if latest is not None else 0
    print(f"warning: {seen:,} of {count:,} events searchable after {timeout:.0f} s")


def main() -> None:
    args = _arguments()
    servers = Servers.from_arguments(args.rabbitmq, args.opensearch, args.database)
    counts = [int(n) for n in args.workers_list.split(",")] if args.workers_list else None
    plan = counts or [args.workers]
    runs: list[Run] = []
    if args.worker_only:
        for workers, _ in itertools.product(plan, range(args.runs)):
            runs.append(run_worker_only(args, servers, workers))
            print_worker_only(runs[-1:])
        print_worker_only(runs, medians=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="mozdef-bodies-"))
        try:
            write_bodies(work / "bodies.bin", args.corpus, args.batch)
            for workers, _ in itertools.product(plan, range(args.runs)):
                runs.append(run_pipeline(args, servers, work / "bodies.bin", workers))
                print_pipeline(runs[-1:], series_step=args.series_step)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print_pipeline(runs, medians=True)
    if args.json:
        Path(args.json).write_bytes(orjson.dumps([run.summary() for run in runs]))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--workers-list", help="worker counts to run in turn, e.g. 1,2")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=1000, help="events per bulk request")
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument(
        "--rate", type=float, default=0, help="events/s offered in all (default: all it takes)"
    )
    parser.add_argument("--corpus", type=int, default=200_000, help="distinct events posted")
    parser.add_argument("--runs", type=int, default=1, help="runs of each worker count")
    parser.add_argument("--alerts", action="store_true", help="run the alert rules in workers")
    parser.add_argument("--worker-only", action="store_true")
    parser.add_argument("--events", type=int, default=200_000, help="--worker-only queue fill")
    parser.add_argument(
        "--prefetch", type=int, help="queue.prefetch of the workers (default: the product's)"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--series-step", type=float, default=10, help="seconds per series row")
    parser.add_argument("--rabbitmq", default=os.environ.get("MOZDEF_TEST_RABBITMQ_URL"))
    parser.add_argument("--opensearch", default=os.environ.get("MOZDEF_TEST_OPENSEARCH_URL"))
    parser.add_argument("--database", default=os.environ.get("MOZDEF_TEST_DATABASE_URL"))
    parser.add_argument("--json", help="also write every run's figures to this file")
    return parser.parse_args()


if __name__ == "__main__":
    main()
