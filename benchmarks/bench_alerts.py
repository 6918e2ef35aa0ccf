"""The alert engine's hot paths: drafts through the sink, and scheduled rule runs.

    python benchmarks/bench_alerts.py [--events N] [--addresses A] [--drafts D]

- sink: D drafts over 100 dedup keys (so most are merges), into a MemoryStore and a
  TantivyStore, one draft per call and in batches of 100, with the AlertStore
  committing each batch, or leaving commits to the store's owner (`commit=False`,
  as `mozdef serve` can, whose pipeline commits every second).
- rules on tantivy: N SSH failures over 5 minutes from A source addresses, of which
  50 reach the threshold; one run of a YAML aggregate rule and one of a MozDef-style
  AlertTask, each counting exactly and fetching samples for the 50 addresses.
Figures are the median of three runs after a warm-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rules import load_file
from mozdef.alerts.rules.python_rule import TaskRule
from mozdef.alerts.rules.yaml_rule import AggregateRule, QueryRule
from mozdef.alerts.store import AlertStore
from mozdef.alerts.task import AggregationResult, AlertTask
from mozdef.query.mozdef_compat import SearchQuery, TermMatch
from mozdef.store.base import EventStore, IndexedDoc
from mozdef.store.memory import MemoryStore
from mozdef.store.tantivy import TantivyStore

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
RULE = """\
id: ssh-bruteforce
query: 'details.program:sshd AND summary:failed'
aggregate: {field: details.sourceipaddress, threshold: 100}
window: 5m
"""


class Bruteforce(AlertTask):
    def main(self) -> None:
        query = SearchQuery(minutes=5)
        query.add_must([TermMatch("details.program", "sshd"), TermMatch("summary", "failed")])
        self.filtersManual(query)
        self.searchEventsAggregated("details.sourceipaddress", samplesLimit=10)
        self.walkAggregations(threshold=100)

    def onAggregation(self, aggregation: AggregationResult) -> dict[str, Any] | None:
        summary = f"{aggregation['count']} failures from {aggregation['value']}"
        return self.createAlertDict(summary, "bruteforce", ["ssh"], aggregation["events"])


def median_seconds(work: Callable[[], object], runs: int = 3) -> float:
    work()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bench_sink(
    store_factory: Callable[[], EventStore], drafts: int, batch: int, *, commit: bool
) -> float:
    items = [
        AlertDraft(
            rule_id="r", summary="s", category="c", severity="NOTICE", dedup_key=str(n % 100)
        )
        for n in range(drafts)
    ]

    def work() -> None:
        store = store_factory()
        sink = AlertSink(AlertStore(store, commit=commit), clock=lambda: NOW)
        for start in range(0, drafts, batch):
            sink.submit_many(items[start : start + batch])
        store.commit()

    return drafts / median_seconds(work)


def failures(count: int, addresses: int) -> list[IndexedDoc]:
    docs = []
    for n in range(count):
        # The first 50 addresses get most events: they pass the threshold of 100.
        ip = (n // 2) % 50 if n % 2 else 50 + (n // 2) % max(addresses - 50, 1)
        stamp = (NOW - dt.timedelta(seconds=1 + n % 290)).isoformat()
        source: dict[str, Any] = {
            "id": f"e{n}",
            "utctimestamp": stamp,
            "receivedtimestamp": stamp,
            "category": "syslog",
            "hostname": f"web{n % 20}",
            "summary": f"Failed password for root from 10.{ip // 256}.{ip % 256}.1",
            "details": {"program": "sshd", "sourceipaddress": f"10.{ip // 256}.{ip % 256}.1"},
        }
        docs.append(IndexedDoc(f"e{n}", source))
    return docs


def bench_rules(folder: Path, events: int, addresses: int) -> dict[str, float]:
    store = TantivyStore(folder / "store", clock=lambda: NOW)
    store.index(failures(events, addresses))
    store.commit()
    rule_file = folder / "ssh.yaml"
    rule_file.write_text(RULE)
    (yaml_rule,), _ = load_file(rule_file)
    assert isinstance(yaml_rule, AggregateRule | QueryRule)
    task_rule = TaskRule(Bruteforce)
    figures = {
        "yaml aggregate rule": median_seconds(lambda: yaml_rule.run(store, now=NOW)),
        "AlertTask": median_seconds(lambda: task_rule.run(store, now=NOW)),
    }
    assert len(yaml_rule.run(store, now=NOW)) == 50
    store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--addresses", type=int, default=2_000)
    parser.add_argument("--drafts", type=int, default=5_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        counter = iter(range(1_000_000))

        def tantivy() -> EventStore:
            return TantivyStore(root / f"sink{next(counter)}", clock=lambda: NOW)

        for name, factory in (("memory", MemoryStore), ("tantivy", tantivy)):
            for batch, commit in ((1, True), (100, True), (1, False)):
                rate = bench_sink(factory, args.drafts, batch, commit=commit)
                mode = "commit each batch" if commit else "owner commits"
                print(f"sink {name:8} batch {batch:3} {mode:18}: {rate:10,.0f} drafts/s")
        for name, seconds in bench_rules(root, args.events, args.addresses).items():
            print(f"{name} over {args.events:,} events: {seconds * 1000:,.0f} ms per run")


if __name__ == "__main__":
    main()
