"""Publish and consume rates of the RabbitMQ queue backend against a real broker.

    scripts/rabbitmq.sh start
    python benchmarks/bench_rabbitmq.py [--url URL] [--events 100000] [--threads 4] [--runs 3]

Each run declares a quorum queue of its own, publishes `--events` corpus events
(about 650 bytes each) in batches of 1,000 records, one confirmed message per batch,
from `--threads` threads as intake's request threads would; then one consumer
drains the queue in deliveries of up to 2,000 records, acknowledging each delivery
as the worker does after a commit. Prints the median events/s of both phases.
The URL defaults to MOZDEF_TEST_RABBITMQ_URL, else the broker on 127.0.0.1:5672.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import threading
import time
import uuid

import orjson
import pika

from corpus import events
from mozdef.config.settings import QueueSettings
from mozdef.queue.base import Record
from mozdef.queue.rabbitmq import RabbitMqConsumer, RabbitMqPublisher

BATCH = 1000
DELIVERY = 2000
DAY = dt.date(2026, 12, 3)


def batches(count: int) -> list[list[Record]]:
    received = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    records = [
        Record(id=f"{number:032x}", received=received, body=orjson.dumps(event))
        for number, event in enumerate(events(count, day=DAY))
    ]
    return [records[start : start + BATCH] for start in range(0, count, BATCH)]


def publish(settings: QueueSettings, work: list[list[Record]], threads: int) -> float:
    publisher = RabbitMqPublisher(settings)
    publisher.publish(work[0])  # connects and declares, outside the timing
    started = time.perf_counter()
    shares = [work[1 + number :: threads] for number in range(threads)]

    def send(share: list[list[Record]]) -> None:
        for batch in share:
            publisher.publish(batch)

    workers = [threading.Thread(target=send, args=(share,)) for share in shares]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    publisher.close()
    return sum(len(batch) for batch in work[1:]) / seconds


def consume(settings: QueueSettings, count: int) -> float:
    consumer = RabbitMqConsumer(settings)
    received = 0
    started = time.perf_counter()
    while received < count:
        delivery = consumer.consume(DELIVERY, timeout=5)
        if delivery is None:
            raise SystemExit(f"the queue ran dry after {received} of {count} events")
        received += len(delivery.records)
        consumer.ack(delivery.token)
    seconds = time.perf_counter() - started
    consumer.close()
    return count / seconds


def run(url: str, work: list[list[Record]], threads: int) -> tuple[float, float]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    settings = QueueSettings(
        backend="rabbitmq", rabbitmq_url=url, exchange=name, queue=name, prefetch=100
    )
    try:
        publish_rate = publish(settings, work, threads)
        consume_rate = consume(settings, sum(len(batch) for batch in work))
    finally:
        connection = pika.BlockingConnection(pika.URLParameters(url))
        channel = connection.channel()
        channel.queue_delete(name)
        channel.exchange_delete(name)
        connection.close()
    return publish_rate, consume_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_url = os.environ.get("MOZDEF_TEST_RABBITMQ_URL", QueueSettings().rabbitmq_url)
    parser.add_argument("--url", default=default_url)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = batches(args.events)
    size = sum(len(r.body) for batch in work for r in batch) / args.events
    print(f"{args.events:,} events of {size:.0f} bytes on average, batches of {BATCH}")
    results = [run(args.url, work, args.threads) for _ in range(args.runs)]
    for label, rates in (
        ("publish", [r[0] for r in results]),
        ("consume", [r[1] for r in results]),
    ):
        runs = [round(rate) for rate in rates]
        print(f"{label} events/s: median {statistics.median(rates):,.0f}  runs {runs}")


if __name__ == "__main__":
    main()
