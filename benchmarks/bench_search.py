"""Search latency of the tantivy event store on a day of corpus events, and over 7 days.

    python benchmarks/bench_search.py --data DIR [--events N] [--other-days M] [--runs R]

Builds (or reuses, when DIR holds a store built with the same sizes) one day of
`N` events (2026-12-03, default 2,000,000) and six earlier days of `M` events each
(default 300,000), normalized as the pipeline does (without plugins), indexed
in batches of 2,000 with a commit every 5 seconds. Then runs each query `R` times
after three warm-up runs and prints the median, on the one day and on all seven.
Queries are Lucene strings parsed by mozdef.query.lucene; `now` is the end of the
big day, so that "the last 15 minutes" holds events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import NEEDLE_IP, RARE_WORD, events
from mozdef.events.normalize import normalize
from mozdef.query.lucene import parse
from mozdef.store.base import IndexedDoc, SearchRequest
from mozdef.store.tantivy import TantivyStore

DAY = dt.date(2026, 12, 3)
NOW = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
DAYS = 7
BATCH = 2000
# The worker commits every second; building commits less often to build faster.
COMMIT_SECONDS = 5.0
HOST = "mozdef1.example.com"


@dataclass(frozen=True)
class Case:
    name: str
    target_ms: float
    query: str
    window: dt.timedelta | None = None
    size: int = 20
    aggs: dict[str, Any] | None = None
    count_only: bool = False
    sort: tuple[tuple[str, Any], ...] = (("utctimestamp", "desc"),)


CASES = [
    Case("needle IP, newest first, full events", 5, f"details.sourceipaddress:{NEEDLE_IP}"),
    Case(
        "category + boolean, last 15 min, count",
        5,
        "category:firewall AND (details.action:DROP OR details.action:REJECT)",
        window=dt.timedelta(minutes=15),
        count_only=True,
    ),
    Case(
        "same + top-20 terms on details.sourceipaddress",
        10,
        "category:firewall AND (details.action:DROP OR details.action:REJECT)",
        window=dt.timedelta(minutes=15),
        size=0,
        aggs={"ips": {"terms": {"field": "details.sourceipaddress", "size": 20}}},
    ),
    Case(f"word in 0.1% of summaries ({RARE_WORD})", 10, f"summary:{RARE_WORD}"),
    Case(
        "events per minute over the day",
        50,
        "*",
        size=0,
        aggs={"m": {"date_histogram": {"field": "utctimestamp", "fixed_interval": "1m"}}},
    ),
    Case(
        "details.username:adm* AND category:auditd", 50, "details.username:adm* AND category:auditd"
    ),
    Case("hostname:web* AND category:syslog", 50, "hostname:web* AND category:syslog"),
]


@dataclass
class Row:
    case: Case
    one_day_ms: float = 0.0
    all_days_ms: float = 0.0
    totals: list[int] = field(default_factory=list)


def day_sizes(events_per_day: int, other_days: int) -> list[tuple[dt.date, int]]:
    older = [(DAY - dt.timedelta(days=n), other_days) for n in range(DAYS - 1, 0, -1)]
    return [*older, (DAY, events_per_day)]


def build(folder: Path, sizes: list[tuple[dt.date, int]]) -> None:
    marker = folder / "built.json"
    wanted = {"days": [[day.isoformat(), count] for day, count in sizes]}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        print(f"reusing the store in {folder}")
        return
    shutil.rmtree(folder / "store", ignore_errors=True)
    store = TantivyStore(folder / "store", writer_heap_bytes=256_000_000, max_writers=1)
    started, total = time.perf_counter(), 0
    for seed, (day, count) in enumerate(sizes, start=1):
        total += index_day(store, day, count, seed)
    store.close()
    seconds = time.perf_counter() - started
    print(f"built {total} events in {seconds:.0f} s: {total / seconds:,.0f} events/s")
    marker.write_text(json.dumps(wanted))


def index_day(store: TantivyStore, day: dt.date, count: int, seed: int) -> int:
    received = dt.datetime.combine(day, dt.time(12), dt.UTC)
    batch: list[IndexedDoc] = []
    last_commit = time.monotonic()
    for number, raw in enumerate(events(count, seed=seed, day=day)):
        event_id = f"{day:%Y%m%d}-{number:08d}"
        event = normalize(raw, event_id=event_id, received=received, mozdefhostname=HOST)
        batch.append(IndexedDoc(event_id, event))
        if len(batch) == BATCH:
            failures = store.index(batch)
            assert not failures, failures[:3]
            batch = []
            if time.monotonic() - last_commit >= COMMIT_SECONDS:
                store.commit()
                last_commit = time.monotonic()
    store.index(batch)
    store.commit()
    return count


def request(case: Case, index: str) -> SearchRequest:
    start = None if case.window is None else NOW - case.window
    return SearchRequest(
        query=parse(case.query),
        index=index,
        start=start,
        end=None if start is None else NOW,
        size=case.size,
        aggs=case.aggs,
        sort=case.sort,
    )


def median_ms(run: Callable[[], int], runs: int) -> tuple[float, int]:
    for _ in range(3):
        total = run()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        total = run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), total


def measure(store: TantivyStore, case: Case, index: str, runs: int) -> tuple[float, int]:
    asked = request(case, index)
    if case.count_only:
        return median_ms(lambda: store.count(asked), runs)
    return median_ms(lambda: store.search(asked).total, runs)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--data", type=Path, required=True)
    options.add_argument("--events", type=int, default=2_000_000)
    options.add_argument("--other-days", type=int, default=300_000)
    options.add_argument("--runs", type=int, default=20)
    args = options.parse_args()

    args.data.mkdir(parents=True, exist_ok=True)
    build(args.data, day_sizes(args.events, args.other_days))
    store = TantivyStore(args.data / "store", writer=False, clock=lambda: NOW)
    rows = []
    for case in CASES:
        row = Row(case)
        row.one_day_ms, one = measure(store, case, f"events-{DAY:%Y%m%d}", args.runs)
        row.all_days_ms, every = measure(store, case, "events-*", args.runs)
        row.totals = [one, every]
        rows.append(row)
    print_table(rows, args)
    store.close()


def print_table(rows: list[Row], args: argparse.Namespace) -> None:
    print(f"\n{args.events:,} events on {DAY}, {args.other_days:,} on each of 6 earlier days")
    print(f"median of {args.runs} runs, ms\n")
    header = (
        f"{'query':52} {'1 day':>8} {'7 days':>8} {'ratio':>6} {'target':>7}  hits (1 day / 7 days)"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ratio = row.all_days_ms / row.one_day_ms if row.one_day_ms else 0.0
        verdict = "ok" if row.one_day_ms <= row.case.target_ms else "SLOW"
        print(
            f"{row.case.name:52} {row.one_day_ms:8.2f} {row.all_days_ms:8.2f} {ratio:6.1f} "
            f"{row.case.target_ms:5.0f} {verdict:4} {row.totals[0]:,} / {row.totals[1]:,}"
        )


if __name__ == "__main__":
    main()
