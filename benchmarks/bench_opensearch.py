"""Indexing rate and search latency of the OpenSearch event store on one day of events.

    scripts/opensearch.sh start
    python benchmarks/bench_opensearch.py [--url URL] [--events N] [--runs R]

Indexes `N` corpus events (default 200,000) of one day into `bench-events-20261203`
(reused when it already holds `N` documents), normalized as the pipeline does, in
batches of 2,000, and prints the rate. Then runs the queries of bench_search.py (the
tantivy benchmark, so the figures compare) `R` times after three warm-up runs and
prints the median.
"""

from __future__ import annotations

import argparse
import os
import time

from bench_search import CASES, DAY, HOST, NOW, median_ms, request
from corpus import events
from mozdef.events.normalize import normalize
from mozdef.store.base import IndexedDoc
from mozdef.store.opensearch import OpenSearchStore

PREFIX = "bench-"
BATCH = 2000


def build(store: OpenSearchStore, count: int) -> None:
    name = f"events-{DAY:%Y%m%d}"
    held = {info.name: info.docs for info in store.indices()}
    if held.get(name) == count:
        print(f"reusing {PREFIX}{name} ({count:,} events)")
        return
    if name in held:
        store.drop(name)
    started = time.perf_counter()
    index_day(store, count)
    seconds = time.perf_counter() - started
    print(f"indexed {count:,} events in {seconds:.0f} s: {count / seconds:,.0f} events/s")


def index_day(store: OpenSearchStore, count: int) -> None:
    received = NOW.replace(hour=12)
    batch: list[IndexedDoc] = []
    for number, raw in enumerate(events(count, seed=1, day=DAY)):
        event_id = f"{DAY:%Y%m%d}-{number:08d}"
        event = normalize(raw, event_id=event_id, received=received, mozdefhostname=HOST)
        batch.append(IndexedDoc(event_id, event))
        if len(batch) == BATCH:
            failures = store.index(batch)
            assert not failures, failures[:3]
            batch = []
    store.index(batch)
    store.commit()


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_url = os.environ.get("MOZDEF_TEST_OPENSEARCH_URL", "http://127.0.0.1:9200")
    options.add_argument("--url", default=default_url)
    options.add_argument("--events", type=int, default=200_000)
    options.add_argument("--runs", type=int, default=20)
    args = options.parse_args()

    store = OpenSearchStore(args.url, prefix=PREFIX, clock=lambda: NOW, replicas=0)
    build(store, args.events)
    print(f"\nmedian of {args.runs} runs on {args.events:,} events, ms\n")
    for case in CASES:
        asked = request(case, f"events-{DAY:%Y%m%d}")
        if case.count_only:
            ms, total = median_ms(lambda: store.count(asked), args.runs)  # noqa: B023
        else:
            ms, total = median_ms(lambda: store.search(asked).total, args.runs)  # noqa: B023
        print(f"{case.name:52} {ms:8.1f}  hits {total:,}")
    store.close()


if __name__ == "__main__":
    main()
