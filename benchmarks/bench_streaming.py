"""Events per second through the streaming rule engine on one core, with 100 and with
1,000 Sigma rules.

    python benchmarks/bench_streaming.py [--events N] [--runs R] [--rules 100,1000] [--profile]

Rules are generated deterministically in the shapes real rule sets have: a log source
(a category) with field equality, `contains` lists, `startswith`, CIDR and keyword
lists, over the users, hosts, ports and words of benchmarks/corpus.py, then loaded
through the Sigma loader with the default mapping. Corpus events are normalized once
before timing. Figures are the median of `runs` runs after one warm-up run; each run
uses a fresh engine, so that no run starts with another's windowed state. The rate
that the targets are checked on is events per second of this process's CPU time, so
that other load on the machine does not count; wall-clock rates are shown beside it.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from corpus import HOSTS, USERS, events
from mozdef.alerts.sigma import SigmaRuleObject, load_sigma_text
from mozdef.alerts.streaming import StreamingEngine, StreamingStats
from mozdef.events.normalize import normalize
from mozdef.events.schema import Event

DAY = dt.date(2024, 1, 2)
NOW = dt.datetime(2024, 1, 3, tzinfo=dt.UTC)
HOST = "mozdef1.example.com"
TARGET_RATE = 20_000
TARGET_SLOWDOWN = 2.0
Detection = dict[str, Any]
Shape = Callable[[random.Random], tuple[dict[str, str], Detection]]


def _sshd_user(rng: random.Random) -> tuple[dict[str, str], Detection]:
    return {"product": "linux", "service": "sshd"}, {"selection": {"User": rng.choice(USERS)}}


def _sshd_keywords(rng: random.Random) -> tuple[dict[str, str], Detection]:
    users = rng.sample(USERS, 3)
    return {"product": "linux", "service": "sshd"}, {
        "keywords": [f"Failed password for {user}" for user in users]
    }


def _cloudtrail(rng: random.Random) -> tuple[dict[str, str], Detection]:
    name = rng.choice(["CreateUser", "AssumeRole", "PutObject", "ConsoleLogin"])
    selection = {"eventName": name, "User|startswith": "adm" + rng.choice("abcdefg")}
    return {"product": "aws", "service": "cloudtrail"}, {"selection": selection}


def _firewall(rng: random.Random) -> tuple[dict[str, str], Detection]:
    selection = {
        "DestinationPort": rng.choice([22, 3389, 445, 25]),
        "action": rng.choice(["DROP", "REJECT"]),
        "SourceIp|startswith": f"{rng.randrange(11, 200)}.{rng.randrange(256)}.",
    }
    return {"category": "firewall"}, {"selection": selection}


def _dns(rng: random.Random) -> tuple[dict[str, str], Detection]:
    hosts = [f"host{rng.randrange(1024)}.example.com" for _ in range(3)]
    return {"category": "dns"}, {"selection": {"query|contains": hosts}}


def _web(rng: random.Random) -> tuple[dict[str, str], Detection]:
    selection = {
        "c-useragent|contains": ["curl/", "python-requests/"],
        "c-uri|startswith": rng.choice(["/api/v1/", "/login?next=", "/search?q="]),
        "sc-status": rng.choice([404, 500]),
    }
    return {"category": "webserver"}, {"selection": selection}


def _proxy(rng: random.Random) -> tuple[dict[str, str], Detection]:
    user = rng.choice(USERS)
    return {"category": "proxy"}, {"selection": {"User": user, "sc-status": 403}}


def _auditd(rng: random.Random) -> tuple[dict[str, str], Detection]:
    selection = {"Image": "/usr/bin/sudo", "User|startswith": "adm" + rng.choice("hijklmn")}
    return {"product": "linux", "service": "auditd"}, {"selection": selection}


def _zeek(rng: random.Random) -> tuple[dict[str, str], Detection]:
    selection = {
        "DestinationPort": rng.choice([22, 3306]),
        "SourceIp|cidr": f"10.{rng.randrange(256)}.0.0/16",
    }
    return {"product": "zeek", "service": "conn"}, {"selection": selection}


def _vpn_host(rng: random.Random) -> tuple[dict[str, str], Detection]:
    selection = {"User": rng.choice(USERS), "Hostname|startswith": rng.choice(HOSTS)[:6]}
    return {"product": "openvpn"}, {"selection": selection}


SHAPES: list[Shape] = [
    _sshd_user,
    _sshd_keywords,
    _cloudtrail,
    _firewall,
    _dns,
    _web,
    _proxy,
    _auditd,
    _zeek,
    _vpn_host,
]


def rules_text(count: int) -> str:
    """`count` Sigma rules as one YAML stream; rule `i` is the same whatever `count` is."""
    documents = []
    for number in range(count):
        rng = random.Random(number)
        logsource, detection = SHAPES[number % len(SHAPES)](rng)
        documents.append(
            {
                "title": f"Generated rule {number}",
                "id": str(uuid.UUID(int=number + 1)),
                "logsource": logsource,
                "detection": {**detection, "condition": " or ".join(detection)},
                "level": "medium",
            }
        )
    return yaml.safe_dump_all(documents, sort_keys=False)


def load_rules(count: int) -> list[SigmaRuleObject]:
    ruleset = load_sigma_text(rules_text(count))
    if ruleset.problems:
        raise SystemExit(f"generated rules did not load: {ruleset.problems[0]}")
    return list(ruleset.rules)


def normalized(count: int) -> list[Event]:
    received = dt.datetime(2024, 1, 2, 12, tzinfo=dt.UTC)
    return [
        normalize(raw, event_id=f"e{n}", received=received, mozdefhostname=HOST)
        for n, raw in enumerate(events(count, day=DAY))
    ]


@dataclass(frozen=True)
class Run:
    cpu_rate: float
    wall_rate: float
    stats: StreamingStats


def one_run(rules: list[SigmaRuleObject], batch: list[Event]) -> Run:
    engine = StreamingEngine(rules)
    wall, cpu = time.perf_counter(), time.process_time()
    engine.process_many(batch, now=NOW)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Run(len(batch) / cpu, len(batch) / wall, engine.stats())


def measure(rules: list[SigmaRuleObject], batch: list[Event], runs: int) -> Run:
    """Median rates over `runs` runs after one warm-up, with the last run's stats."""
    one_run(rules, batch)
    results = [one_run(rules, batch) for _ in range(runs)]
    return Run(
        statistics.median(run.cpu_rate for run in results),
        statistics.median(run.wall_rate for run in results),
        results[-1].stats,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rules", default="100,1000")
    parser.add_argument("--profile", action="store_true", help="profile the largest rule set")
    args = parser.parse_args(argv)

    batch = normalized(args.events)
    counts = [int(part) for part in args.rules.split(",")]
    rates: dict[int, float] = {}
    for count in counts:
        run = measure(load_rules(count), batch, args.runs)
        rates[count] = run.cpu_rate
        print(
            f"{count:>5} rules: {run.cpu_rate:>9,.0f} events/s of CPU "
            f"({run.wall_rate:,.0f}/s wall)  "
            f"rules evaluated/event {run.stats.evaluations_per_event:.3f}  "
            f"alerts {run.stats.matches:,} of {run.stats.events:,} events  "
            f"rule errors {sum(run.stats.errors.values())}"
        )
    smallest, largest = min(counts), max(counts)
    slowdown = rates[smallest] / rates[largest]
    print(f"slowdown {largest} vs {smallest} rules: {slowdown:.2f}x")
    met = rates[largest] >= TARGET_RATE and slowdown <= TARGET_SLOWDOWN
    print(f"targets (>= {TARGET_RATE:,}/s, <= {TARGET_SLOWDOWN}x): {'met' if met else 'NOT met'}")
    if args.profile:
        profiler = cProfile.Profile()
        engine = StreamingEngine(load_rules(largest))
        profiler.runcall(engine.process_many, batch, now=NOW)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
