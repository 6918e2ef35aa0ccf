"""Events per second through the pipeline on one core: JSON parsing, normalization
and the default plugin chain, as the worker runs them.

    python benchmarks/bench_pipeline.py [--events N] [--runs R] [--profile]

Each stage is measured cumulatively (parse; parse + normalize; parse + normalize
+ plugins) over the same corpus events, serialized beforehand. Event ids are made
beforehand too (the intake assigns them), and the received time changes every
1,000 events, as it does for bulk posts. Figures are the median of `runs` runs
after one warm-up run, in events per second of wall time (and of CPU time).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import pstats
import statistics
import time
import uuid
from collections.abc import Callable

import orjson

from corpus import events
from mozdef.events.normalize import normalize
from mozdef.pipeline import DEFAULT_PLUGINS, Pipeline, load_plugins

BATCH = 1000
HOST = "mozdef1.example.com"
Body = tuple[bytes, str, dt.datetime]
Rates = tuple[float, float]


def corpus(count: int) -> list[Body]:
    day = dt.date(2024, 1, 2)
    start = dt.datetime(2024, 1, 2, 12, tzinfo=dt.UTC)
    return [
        (orjson.dumps(raw), uuid.uuid4().hex, start + dt.timedelta(seconds=i // BATCH))
        for i, raw in enumerate(events(count, day=day))
    ]


def parse_only(bodies: list[Body]) -> None:
    for body, _, _ in bodies:
        orjson.loads(body)


def parse_normalize(bodies: list[Body]) -> None:
    for body, event_id, received in bodies:
        normalize(orjson.loads(body), event_id=event_id, received=received, mozdefhostname=HOST)


def full_chain(pipeline: Pipeline) -> Callable[[list[Body]], None]:
    def run(bodies: list[Body]) -> None:
        process = pipeline.process
        for body, event_id, received in bodies:
            process(orjson.loads(body), event_id=event_id, received=received)

    return run


def rate(stage: Callable[[list[Body]], None], bodies: list[Body], runs: int) -> Rates:
    """Median events per second of wall time and of process CPU time over `runs`
    runs, after one warm-up run. On a shared machine the CPU-time figure is the
    steadier one: it leaves out the time other processes held the core."""
    stage(bodies)
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        stage(bodies)
        wall.append(len(bodies) / (time.perf_counter() - started))
        cpu.append(len(bodies) / (time.process_time() - started_cpu))
    return statistics.median(wall), statistics.median(cpu)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile the full chain once")
    args = parser.parse_args(argv)

    bodies = corpus(args.events)
    # The corpus is not the pipeline's state: keep the collector from walking it.
    gc.freeze()
    pipeline = Pipeline(load_plugins(DEFAULT_PLUGINS, [], {}), mozdefhostname=HOST)
    if args.profile:
        profile(full_chain(pipeline), bodies)
        return

    stages: list[tuple[str, Callable[[list[Body]], None]]] = [
        ("parse (orjson.loads)", parse_only),
        ("parse + normalize", parse_normalize),
        ("parse + normalize + plugins", full_chain(pipeline)),
    ]
    size = sum(len(body) for body, _, _ in bodies) / len(bodies)
    print(f"{len(bodies):,} events, {size:.0f} bytes each on average, one core")
    print(f"plugins: {', '.join(pipeline.plugins)}")
    print(f"{'stage':<30} {'events/s':>10} {'us/event':>9} {'events/cpu-s':>13}")
    for name, stage in stages:
        wall, cpu = rate(stage, bodies, args.runs)
        print(f"{name:<30} {wall:>10,.0f} {1e6 / wall:>9.2f} {cpu:>13,.0f}")


def profile(stage: Callable[[list[Body]], None], bodies: list[Body]) -> None:
    stage(bodies)
    profiler = cProfile.Profile()
    profiler.runcall(stage, bodies)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
