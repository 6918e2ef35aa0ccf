"""The worker process alone: a filled spool through the pipeline into the tantivy
store, with no HTTP intake competing for the cores.

    python benchmarks/bench_worker.py [--events 150000] [--runs 3]

Starts the same `WorkerRuntime` that `mozdef serve` starts in its worker process
on a fresh spool, fills the spool with corpus events (outside the timing, and
after the worker opened the spool, so that they are new events as in serving,
not redelivered ones stored with replace semantics), and prints the
events/s until every event is committed, and the CPU time per event of the whole
process (the Python pipeline plus tantivy's indexing threads).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import orjson

from corpus import events
from mozdef.config import load_settings
from mozdef.pipeline.service import WorkerRuntime, tune_garbage_collector
from mozdef.queue.base import Record
from mozdef.queue.spool import SpoolWriter


def run(count: int) -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp(prefix="mozdef-worker-"))
    try:
        settings = load_settings(env={}, overrides={"data_dir": folder})
        runtime = WorkerRuntime(settings)
        fill(settings.spool_dir, count)
        tune_garbage_collector()
        stop = threading.Event()
        started, cpu = time.perf_counter(), time.process_time()
        thread = threading.Thread(target=runtime.run, args=(stop,))
        thread.start()
        while runtime.worker.stats.indexed < count:
            time.sleep(0.02)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        stop.set()
        thread.join()
        return count / elapsed, cpu / count * 1e6
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fill(spool: Path, count: int) -> None:
    writer = SpoolWriter(spool, fsync=False)
    now = dt.datetime.now(dt.UTC)
    batch: list[Record] = []
    for number, event in enumerate(events(count, day=now.date())):
        batch.append(Record(id=f"{number:032x}", received=now, body=orjson.dumps(event)))
        if len(batch) == 5000:
            writer.publish(batch)
            batch = []
    writer.publish(batch)
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [run(args.events) for _ in range(args.runs)]
    rates = [rate for rate, _ in results]
    cpus = [cpu for _, cpu in results]
    print(f"events/s: median {statistics.median(rates):,.0f}  runs {[round(r) for r in rates]}")
    print(f"CPU µs/event: median {statistics.median(cpus):.1f}  runs {[round(c) for c in cpus]}")


if __name__ == "__main__":
    main()
