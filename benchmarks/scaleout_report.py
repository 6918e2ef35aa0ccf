"""Figures of bench_scaleout.py runs, from the senders' acknowledgements and the probe's
samples, and the tables it prints (one column per run, then the median per worker count).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench_intake import latencies
from scaleout_probe import Sample

Ack = tuple[float, float, int]  # sent, answered (time.time()), events
# Seconds since the first send, acknowledged/s, searchable/s, and at the end: ready
# messages, backlog (events acknowledged and not searchable yet).
SeriesRow = tuple[float, float, float, int, int]


@dataclass(frozen=True)
class Run:
    mode: str  # pipeline | worker-only
    workers: int
    figures: dict[str, float]
    load_before: float
    load_after: float
    series: list[SeriesRow] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "workers": self.workers,
            "load_before": self.load_before,
            "load_after": self.load_after,
            **self.figures,
            "series": self.series,
        }


def pipeline_figures(
    acks: list[Ack], samples: list[Sample], accepted: int, refused: int, rss: dict[str, float]
) -> dict[str, float]:
    start, end = min(a[0] for a in acks), max(a[1] for a in acks)
    first, last = _at(samples, start), _at(samples, end)
    drained = next((s for s in samples if s.searchable >= accepted), samples[-1])
    lat = sorted(latencies([(sent, size) for sent, _, size in acks], _counts(samples)))
    window = [s for s in samples if start <= s.at <= end]
    figures = {
        "accepted": float(accepted),
        # Below `accepted` when the wait for the backlog ran out (--drain-timeout): the
        # latencies then leave out the batches still waiting.
        "searchable_at_end": float(samples[-1].searchable),
        "refused_requests": float(refused),
        "acked_per_s": accepted / (end - start),
        "searchable_per_s": (last.searchable - first.searchable) / (last.at - first.at),
        "end_to_end_per_s": drained.searchable / (drained.at - start),
        "drain_after_s": max(0.0, drained.at - end),
        # The workers alone once the senders stopped: what they index without intake.
        "drain_per_s": (drained.searchable - last.searchable) / max(drained.at - last.at, 1e-9),
        "latency_p50_s": _percentile(lat, 0.50),
        "latency_p90_s": _percentile(lat, 0.90),
        "latency_p99_s": _percentile(lat, 0.99),
        "queue_peak_messages": float(max((s.ready_messages for s in window), default=0)),
        "backlog_peak_events": float(max((_backlog(acks, s) for s in window), default=0)),
        "queue_end_messages": float(last.ready_messages),
    }
    figures.update(_cores(first, last))
    # Intake, broker and senders handle acknowledged events, workers and OpenSearch
    # searchable ones; with a backlog the two differ over the window.
    handled = {"intake": accepted, "rabbitmq": accepted, "sender": accepted}
    indexed = last.searchable - first.searchable
    for kind in sorted({label.rstrip("0123456789") for label in last.cpu}):
        events = handled.get(kind, indexed)
        cpu = _cpu_of(last, kind) - _cpu_of(first, kind)
        figures[f"cpu_us_per_event_{kind}"] = cpu / events * 1e6 if events else 0.0
    figures.update({f"rss_mib_{label}": mib for label, mib in rss.items()})
    return figures


def worker_figures(samples: list[Sample], count: int, rss: dict[str, float]) -> dict[str, float]:
    """Between the first sample that sees events and the first that sees them all."""
    first = next(s for s in samples if s.searchable > 0)
    last = next((s for s in samples if s.searchable >= count), samples[-1])
    events = last.searchable - first.searchable
    cpu_per_event = (_cpu_of(last, "worker") - _cpu_of(first, "worker")) / events
    figures = {
        "events": float(last.searchable),
        "events_per_s": events / (last.at - first.at),
        "cpu_us_per_event_worker": cpu_per_event * 1e6,
        "events_per_core_s": 1 / cpu_per_event,
    }
    figures.update(_cores(first, last))
    figures.update({f"rss_mib_{label}": mib for label, mib in rss.items()})
    return figures


def series(acks: list[Ack], samples: list[Sample], step: float) -> list[SeriesRow]:
    start, end = min(a[0] for a in acks), max(a[1] for a in acks)
    rows: list[SeriesRow] = []
    low = start
    while low < end:
        high = min(low + step, end)
        acked = sum(size for _, answered, size in acks if low <= answered < high)
        before, after = _at(samples, low), _at(samples, high)
        span = max(after.at - before.at, 1e-9)
        rate = (after.searchable - before.searchable) / span
        backlog = _backlog(acks, after)
        rows.append(
            (round(high - start, 1), acked / (high - low), rate, after.ready_messages, backlog)
        )
        low = high
    return rows


def print_pipeline(runs: Sequence[Run], *, medians: bool = False, series_step: float = 0) -> None:
    columns = _medians(runs) if medians else runs
    title = "median by worker count" if medians else "run"
    _table(f"end to end, {title}", columns)
    for run in runs if series_step and not medians else []:
        print(f"  over time, {run.workers} worker(s):")
        print(
            f"  {'t s':>8} {'acked/s':>10} {'searchable/s':>12} {'ready msgs':>10} {'backlog':>9}"
        )
        for at, acked, searchable, ready, backlog in run.series:
            print(f"  {at:8.1f} {acked:10,.0f} {searchable:12,.0f} {ready:10d} {backlog:9,d}")


def print_worker_only(runs: Sequence[Run], *, medians: bool = False) -> None:
    columns = _medians(runs) if medians else runs
    _table("worker alone, " + ("median by worker count" if medians else "run"), columns)


def _table(title: str, runs: Sequence[Run]) -> None:
    keys = list(dict.fromkeys(key for run in runs for key in run.figures))
    print(f"\n{title}")
    print(f"{'workers':>28}" + "".join(f"{run.workers:>12}" for run in runs))
    for name, values in (
        ("load before", [run.load_before for run in runs]),
        ("load after", [run.load_after for run in runs]),
    ):
        print(f"{name:>28}" + "".join(f"{value:12.2f}" for value in values))
    for key in keys:
        cells = "".join(_cell(run.figures.get(key)) for run in runs)
        print(f"{key:>28}{cells}")


def _cell(value: float | None) -> str:
    if value is None:
        return f"{'-':>12}"
    return f"{value:12,.0f}" if abs(value) >= 100 else f"{value:12.2f}"


def _medians(runs: Sequence[Run]) -> list[Run]:
    groups: dict[int, list[Run]] = defaultdict(list)
    for run in runs:
        groups[run.workers].append(run)
    return [
        Run(
            group[0].mode,
            workers,
            {
                key: statistics.median(run.figures[key] for run in group if key in run.figures)
                for key in dict.fromkeys(k for run in group for k in run.figures)
            },
            statistics.median(run.load_before for run in group),
            statistics.median(run.load_after for run in group),
        )
        for workers, group in sorted(groups.items())
    ]


def _cores(first: Sample, last: Sample) -> dict[str, float]:
    """Cores used by each kind of process between two samples (CPU s per wall s)."""
    wall = last.at - first.at
    kinds = sorted({label.rstrip("0123456789") for label in last.cpu})
    cores = {f"cores_{kind}": (_cpu_of(last, kind) - _cpu_of(first, kind)) / wall for kind in kinds}
    cores["cores_machine"] = (last.machine_busy - first.machine_busy) / wall
    return cores


def _cpu_of(sample: Sample, kind: str) -> float:
    return sum(v for label, v in sample.cpu.items() if label.rstrip("0123456789") == kind)


def _at(samples: list[Sample], moment: float) -> Sample:
    """The last sample taken at or before `moment` (the first one when none is)."""
    chosen = samples[0]
    for sample in samples:
        if sample.at > moment:
            break
        chosen = sample
    return chosen


def _backlog(acks: list[Ack], sample: Sample) -> int:
    """Events acknowledged by the sample's time and not counted searchable in it."""
    acked = sum(size for _, answered, size in acks if answered <= sample.at)
    return max(0, acked - sample.searchable)


def _counts(samples: list[Sample]) -> list[tuple[float, int]]:
    return [(sample.at, sample.searchable) for sample in samples]


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(len(values) * fraction))]
