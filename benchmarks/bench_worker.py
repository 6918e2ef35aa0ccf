"""The worker process alone: a filled spool through the pipeline into the tantivy
store, with no HTTP intake competing for the cores.

    python benchmarks/bench_worker.py [--events 150000] [--runs 3]

Starts the same `WorkerRuntime` that `mozdef serve` starts in its worker process
on a fresh spool, fills the spool with corpus events (outside the timing, and
after the worker opened the spool, so that they are new events as in serving,
not redelivered ones stored with replace semantics), and prints the
events/s until every event is committed, and the CPU time per event of the whole
process (the Python pipeline plus tantivy's indexing threads), then that time by
kind of thread, read from /proc (Linux): the Python threads (the pipeline, and
tantivy parsing each document in the thread that adds it), tantivy's indexing
thread, its segment merges and its document-store compression.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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

# tantivy's native thread names (15 characters at most in /proc) by prefix.
THREAD_KINDS = (
    ("thrd-tantivy-in", "tantivy indexing"),
    ("merge_thread", "tantivy merging"),
    ("docstore-compre", "tantivy docstore"),
)


class ThreadClock:
    """The CPU seconds of each thread of this process, polled so that threads which
    end before the run does (tantivy's merge threads) are still counted."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, float]] = {}
        self._start: dict[str, float] = {}
        self._stop = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> ThreadClock:
        self._read()
        self._start = self.by_kind()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._read()

    def spent(self) -> dict[str, float]:
        """CPU seconds by kind of thread since entering."""
        end = self.by_kind()
        return {kind: end[kind] - self._start.get(kind, 0.0) for kind in end}

    def by_kind(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for name, seconds in self._seen.values():
            kind = next((k for prefix, k in THREAD_KINDS if name.startswith(prefix)), "python")
            totals[kind] = totals.get(kind, 0.0) + seconds
        return totals

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            self._read()

    def _read(self) -> None:
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/stat") as stat:
                    text = stat.read()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            times = text[text.rindex(")") + 2 :].split()
            self._seen[tid] = (name, (int(times[11]) + int(times[12])) / self._tick)


def run(count: int) -> tuple[float, float, dict[str, float]]:
    folder = Path(tempfile.mkdtemp(prefix="mozdef-worker-"))
    try:
        settings = load_settings(env={}, overrides={"data_dir": folder})
        runtime = WorkerRuntime(settings)
        fill(settings.spool_dir, count)
        tune_garbage_collector()
        stop = threading.Event()
        with ThreadClock() as clock:
            started, cpu = time.perf_counter(), time.process_time()
            thread = threading.Thread(target=runtime.run, args=(stop,))
            thread.start()
            while runtime.worker.stats.indexed < count:
                time.sleep(0.02)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        stop.set()
        thread.join()
        kinds = {kind: seconds / count * 1e6 for kind, seconds in clock.spent().items()}
        return count / elapsed, cpu / count * 1e6, kinds
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
    rates = [rate for rate, _, _ in results]
    cpus = [cpu for _, cpu, _ in results]
    print(f"events/s: median {statistics.median(rates):,.0f}  runs {[round(r) for r in rates]}")
    print(f"CPU µs/event: median {statistics.median(cpus):.1f}  runs {[round(c) for c in cpus]}")
    for kind in ("python", *(k for _, k in THREAD_KINDS)):
        spent = [kinds.get(kind, 0.0) for _, _, kinds in results]
        print(f"  {kind}: median {statistics.median(spent):.1f}  runs {[round(c) for c in spent]}")


if __name__ == "__main__":
    main()
