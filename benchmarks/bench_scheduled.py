"""One cycle of 100 scheduled rules on a stored day of corpus events, while intake runs.

    python benchmarks/bench_scheduled.py --data DIR [--events N] [--rate R] [--runs K]

In one process, as the worker of `mozdef serve` runs them: a TantivyStore holding
its writer, with one day of `N` events (2026-12-03, default 2,000,000, built by
bench_search.py's builder and reused from DIR); a thread indexing fresh corpus
events at `R` events/s (default 5,000) with a commit every second, each event
decoded from JSON and normalized as the worker does (without pipeline plugins);
and a Scheduler over 100 YAML rules generated here and read by the rule loader:
60 queries and 40 aggregations with thresholds, windows of 5 minutes to 1 hour.

Time is a clock that starts at the end of the stored day and runs with the wall
clock. Before each cycle every rule is enabled again and the clock moves on to the
next 5-minute mark, where the ticks of every rule fall (1 or 5 minutes, on the
scheduler's grid): each rule then runs once, as of that mark, without catch-up. So
a window holds the fresh events indexed before its mark (those indexed during a
cycle come after it), and windows of 15 minutes or more also the end of the stored
day. The cycle is one `run_due` call, with rule state saved to SQLite and drafts
going through the alert sink, as in the worker. One warm-up cycle, then `K`
measured ones, a second apart.

Keep in mind: a real feed of 5,000 events/s puts 1.5 million events in a 5-minute
window; here a window holds the seconds of intake between cycles and up to an hour
of the stored day (83,000 events at 2,000,000 a day). The figure is the cost of the
rules beside a busy writer on a store of this size, not of rules over windows of a
5,000 events/s feed.

`--other-days M` adds six earlier days of M events (bench_search.py's default is
300,000), so that a folder built by bench_search.py can be reused as it is; a folder
built with other sizes is rebuilt. Indices the benchmark adds (fresh events, alerts)
are dropped at the end, and at the start if a killed run left them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from bench_search import DAY, HOST, NOW, build, day_sizes
from corpus import NEEDLE_IP, RARE_WORD, USERS, events
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.rule import ScheduledRule
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.rules import load_file, scheduled
from mozdef.alerts.scheduler import RunReport, Scheduler
from mozdef.alerts.store import AlertStore
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.events.normalize import normalize
from mozdef.store.base import IndexedDoc
from mozdef.store.tantivy import TantivyStore

TARGET_SECONDS = 5.0
FRESH_SEED = 99
# Fresh events are decoded from a pool of this many encoded ones, used in turn.
POOL = 50_000
BATCH = 2000
COMMIT_SECONDS = 1.0
WINDOWS = ("5m", "10m", "15m", "30m", "1h")
SCHEDULES = ("1m", "5m")
# Every schedule above ticks on this grid.
STEP = dt.timedelta(minutes=5)


# Rules


_USERS = [USERS[k * 37] for k in range(5)]
# 12 query shapes over the corpus' fields, each with 5 variants.
QUERY_SHAPES: list[tuple[str, Sequence[tuple[object, ...]]]] = [
    ("category:authentication AND details.username:{0}", [(user,) for user in _USERS]),
    (
        "category:firewall AND details.action:DROP AND details.destinationport:{0}",
        [(22,), (80,), (443,), (25,), (3389,)],
    ),
    ("details.sourceipaddress:{0}", [(NEEDLE_IP,), *((f"198.51.100.{k}",) for k in range(4))]),
    ("hostname:web{0}* AND category:syslog", [(k,) for k in range(1, 6)]),
    (
        f"summary:{RARE_WORD} AND category:{{0}}",
        [("dns",), ("bro",), ("firewall",), ("syslog",), ("proxy",)],
    ),
    (
        "category:cloudtrail AND details.eventname:{0}",
        [("CreateUser",), ("AssumeRole",), ("ConsoleLogin",), ("PutObject",), ("GetObject",)],
    ),
    (
        "category:suricata AND details.signature_id:{0}",
        [(2013028,), (2019401,), (2402000,), (2210045,), (1,)],
    ),
    (
        "category:duo AND details.result:FAILURE AND details.factor:{0}",
        [("push",), ("phone",), ("sms",), ("u2f",), ("push",)],
    ),
    (
        "category:proxy AND details.status:{0} AND details.username:{1}",
        [((403, 407)[k % 2], user) for k, user in enumerate(_USERS)],
    ),
    (
        'category:auditd AND details.username:adm* AND details.exe:"/usr/bin/sudo" '
        "AND details.syscall:{0}",
        [("execve",), ("open",), ("connect",), ("setuid",), ("chmod",)],
    ),
    (
        "category:dns AND details.rcode_name:NXDOMAIN AND details.qtype_name:{0}",
        [("A",), ("AAAA",), ("MX",), ("TXT",), ("A",)],
    ),
    (
        "category:weblog AND details.status:301 AND details.method:{0} AND hostname:web*",
        [("GET",), ("POST",), ("GET",), ("POST",), ("GET",)],
    ),
]


def _query_rules() -> list[dict[str, Any]]:
    return [
        {"id": f"query-{number:02d}-{k}", "query": text.format(*values)}
        for number, (text, variants) in enumerate(QUERY_SHAPES)
        for k, values in enumerate(variants)
    ]


def _aggregate_rules() -> list[dict[str, Any]]:
    """40 aggregations: 10 shapes, 4 thresholds each. Fields with few values (ports,
    API calls, signatures) reach their threshold; per-user, per-address and per-host
    counts mostly do not, as in a quiet hour."""
    shapes = [
        ("category:authentication AND details.authmethod:password", "details.username", 40),
        (
            "category:firewall AND (details.action:DROP OR details.action:REJECT)",
            "details.destinationport",
            200,
        ),
        ("category:firewall AND details.action:DROP", "details.sourceipaddress", 20),
        ("category:dns AND details.rcode_name:NXDOMAIN", "details.sourceipaddress", 20),
        ("category:proxy AND details.status:403", "details.username", 60),
        ("category:cloudtrail", "details.eventname", 300),
        ("category:syslog", "hostname", 2000),
        ("category:suricata", "details.signature", 200),
        ("category:ldap AND details.result:49", "details.username", 30),
        ("category:weblog AND details.status:301", "details.sourceipaddress", 20),
    ]
    rules = []
    for number, (query, field, threshold) in enumerate(shapes):
        for k in range(4):
            aggregate = {"field": field, "threshold": threshold * (k + 1)}
            rules.append(
                {"id": f"aggregate-{number:02d}-{k}", "query": query, "aggregate": aggregate}
            )
    return rules


def rules_yaml() -> str:
    """The 100 rules as one YAML stream, with windows and schedules in turn."""
    documents = []
    for position, rule in enumerate(_query_rules() + _aggregate_rules()):
        window = WINDOWS[position % len(WINDOWS)]
        schedule = SCHEDULES[position % len(SCHEDULES)]
        severity = ("NOTICE", "WARNING", "ERROR")[position % 3]
        documents.append({**rule, "window": window, "schedule": schedule, "severity": severity})
    return yaml.safe_dump_all(documents, sort_keys=False)


def load_rules(folder: Path) -> list[ScheduledRule]:
    path = folder / "rules.yaml"
    path.write_text(rules_yaml())
    rules, problems = load_file(path)
    if problems:
        raise SystemExit(f"generated rules did not load: {problems[0]}")
    return scheduled(rules)


# Time and intake


class Clock:
    """Benchmark time: from the end of the stored day it runs with the wall clock, and
    `advance` moves it to the next 5-minute mark, where every rule's tick falls."""

    def __init__(self) -> None:
        # One tuple, replaced whole, so that the intake thread never reads half a move.
        self._origin = (NOW, time.monotonic())

    def now(self) -> dt.datetime:
        mark, since = self._origin
        return mark + dt.timedelta(seconds=time.monotonic() - since)

    def advance(self) -> dt.datetime:
        now = self.now()
        mark = now - (now - NOW) % STEP + STEP
        self._origin = (mark, time.monotonic())
        return mark


class Intake(threading.Thread):
    """Indexes fresh events as they fall due at `rate` per second, committing every second."""

    def __init__(self, store: TantivyStore, clock: Clock, rate: int) -> None:
        super().__init__(name="bench-intake", daemon=True)
        self.store = store
        self.clock = clock
        self.rate = rate
        self.indexed = 0
        self.failed = 0
        self.started = time.monotonic()
        self._pool = [orjson.dumps(raw) for raw in events(POOL, seed=FRESH_SEED, day=NOW.date())]
        self._halt = threading.Event()

    def behind(self) -> int:
        """Events due by now and not yet handed to the store."""
        return max(self._due() - self.indexed - self.failed, 0)

    def _due(self) -> int:
        return int((time.monotonic() - self.started) * self.rate)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def run(self) -> None:
        self.started = last_commit = time.monotonic()
        while not self._halt.is_set():
            sent = self.indexed + self.failed
            due = min(self._due(), sent + BATCH)
            if due > sent:
                moment = self.clock.now()
                docs = [self._doc(number, moment) for number in range(sent, due)]
                failures = self.store.index(docs)
                self.failed += len(failures)
                self.indexed += due - sent - len(failures)
            else:
                time.sleep(0.005)
            if time.monotonic() - last_commit >= COMMIT_SECONDS:
                self.store.commit()
                last_commit = time.monotonic()
        self.store.commit()

    def _doc(self, number: int, moment: dt.datetime) -> IndexedDoc:
        raw = orjson.loads(self._pool[number % POOL])
        raw["timestamp"] = moment.isoformat()
        event_id = f"fresh-{number:010d}"
        return IndexedDoc(
            event_id, normalize(raw, event_id=event_id, received=moment, mozdefhostname=HOST)
        )


# Cycles


@dataclass(frozen=True)
class Cycle:
    seconds: float
    # CPU time of the scheduler's thread: the cycle's own work, whatever else ran.
    cpu_seconds: float
    reports: list[RunReport]
    intake_rate: float
    behind: int

    @property
    def drafts(self) -> int:
        return sum(report.drafts for report in self.reports)

    @property
    def errors(self) -> list[RunReport]:
        return [report for report in self.reports if report.error]


def one_cycle(
    scheduler: Scheduler, rules: Sequence[ScheduledRule], clock: Clock, intake: Intake
) -> Cycle:
    for rule in rules:
        scheduler.enable(rule.meta.id)
    clock.advance()
    indexed = intake.indexed
    started, cpu = time.perf_counter(), time.thread_time()
    reports = scheduler.run_due(clock.now())
    seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
    rate = (intake.indexed - indexed) / seconds
    return Cycle(seconds, cpu, reports, rate, intake.behind())


def drop_added(store: TantivyStore, kept: set[str]) -> None:
    for info in store.indices():
        if info.name not in kept:
            store.drop(info.name)


def run(args: argparse.Namespace, folder: Path) -> list[Cycle]:
    sizes = [(DAY, args.events)] if not args.other_days else day_sizes(args.events, args.other_days)
    build(args.data, sizes)
    kept = {f"events-{day:%Y%m%d}" for day, _ in sizes}
    clock = Clock()
    store = TantivyStore(args.data / "store", clock=clock.now)
    drop_added(store, kept)
    db = AppDb.in_folder(folder)
    rules = load_rules(folder)
    sink = AlertSink(
        AlertStore(store, commit=False), suppressions=SuppressionStore(db), clock=clock.now
    )
    scheduler = Scheduler(rules, store, sink, RuleStateStore(db), clock=clock.now)

    intake = Intake(store, clock, args.rate)
    intake.start()
    try:
        cycles = []
        for _ in range(args.runs + 1):
            time.sleep(1.0)
            cycles.append(one_cycle(scheduler, rules, clock, intake))
            print_cycle(len(cycles) - 1, cycles[-1])
    finally:
        intake.stop()
        drop_added(store, kept)
        store.close()
    overall = intake.indexed / (time.monotonic() - intake.started)
    print(f"intake over the whole run: {intake.indexed:,} events, {overall:,.0f} events/s")
    return cycles


# Output


def print_cycle(number: int, cycle: Cycle) -> None:
    label = "warm-up" if number == 0 else f"run {number}"
    in_rules = sum(report.seconds for report in cycle.reports)
    slowest = max(cycle.reports, key=lambda report: report.seconds)
    print(
        f"{label:8} {cycle.seconds:6.2f} s (CPU {cycle.cpu_seconds:5.2f} s, "
        f"in rules {in_rules:5.2f} s, slowest {slowest.rule_id} "
        f"{slowest.seconds * 1000:,.0f} ms)  drafts {cycle.drafts:3}  errors {len(cycle.errors)}  "
        f"intake {cycle.intake_rate:6,.0f}/s  behind {cycle.behind:,}"
    )
    for report in cycle.errors[:3]:
        print(f"    {report.rule_id}: {report.error}")


def print_summary(args: argparse.Namespace, measured: list[Cycle]) -> None:
    seconds = [cycle.seconds for cycle in measured]
    per_rule: dict[str, list[float]] = {}
    for cycle in measured:
        for report in cycle.reports:
            per_rule.setdefault(report.rule_id, []).append(report.seconds)
    medians = {rule: statistics.median(times) for rule, times in per_rule.items()}
    slowest = sorted(medians.items(), key=lambda item: item[1], reverse=True)[:3]
    verdict = "met" if max(seconds) <= TARGET_SECONDS else "NOT met"

    print(
        f"\ncycle of {len(per_rule)} rules, {len(measured)} runs: "
        f"median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
        f"(target {TARGET_SECONDS:.0f} s: {verdict})"
    )
    cpu = statistics.median(cycle.cpu_seconds for cycle in measured)
    print(f"CPU time of the scheduler's thread per cycle: median {cpu:.2f} s")
    print(
        f"per-rule median {statistics.median(medians.values()) * 1000:.1f} ms; slowest: "
        + ", ".join(f"{rule} {value * 1000:.0f} ms" for rule, value in slowest)
    )
    rates = [cycle.intake_rate for cycle in measured]
    print(
        f"intake during the cycles: median {statistics.median(rates):,.0f} events/s, "
        f"min {min(rates):,.0f} (paced at {args.rate:,}/s); behind at the end "
        f"{measured[-1].behind:,} events"
    )
    print(f"load average (1 min) {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--other-days", type=int, default=0)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    args.data.mkdir(parents=True, exist_ok=True)
    print(f"load average (1 min) {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="mozdef-scheduled-") as tmp:
        cycles = run(args, Path(tmp))
    print_summary(args, cycles[1:])


if __name__ == "__main__":
    main()
