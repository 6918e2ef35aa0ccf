"""The live health document: one JSON object with everything the health page shows.

It must answer in a few milliseconds while the page polls, so it runs no heavy
search. The node's state and counters are read at each call (memory and one small
status file); the parts that ask the store, the disk or the database are kept for a
few seconds (TTL_SECONDS: the index listing 30 s, the others 5 s), and a part that
fails shows `{"error": "..."}` in its place without failing the rest. Each call also
adds a reading to the rate ring. Known limit: a store that does not answer delays the
page by its client's timeout, once per TTL, and holds other callers of that part
meanwhile.

    {"time": "2026-12-01T12:00:00.000+00:00", "took_ms": 2.1,
     "ready": true, "accepting": true, "reason": "",
     "intake": {"accepted": 1200, "rejected": {"too_large": 2},
                "dropped_by_plugin": {"drop_noise": 5}, "plugin_errors": {}},
     "indexing": {"indexed": 1190, "failed": {}, "commits": 40, "last_commit_ms": 12.5,
                  "deadletter": 0, "worker_restarts": 0, "queue_pending_bytes": 0},
     "rates": {"window_seconds": 60.0, "span_seconds": 55.0,
               "accepted": 20.5, "indexed": 20.1},          # per second
     "store": {"indices": 2, "docs": 1190, "bytes": 5242880,
               "daily": [{"name": "events-20261201", "docs": 1190, "bytes": 5242880,
                          "day": "2026-12-01"}, ...]},
     "disk": {"path": "/var/lib/mozdef", "free_bytes": 1e10, "total_bytes": 5e10},
     "rules": [{"rule_id": "bruteforce", "enabled": true, "last_run": "...",
                "next_run": "...", "last_duration": 0.2, "last_hits": 1,
                "total_runs": 40, "total_failures": 0, "consecutive_failures": 0,
                "last_error": null}, ...],
     "health_alerts": {"total": 1, "alerts": [{"id", "utctimestamp", "last_seen",
                       "severity", "summary", "status", "count"}]}}

A counter the node does not keep is null (a `mozdef web` process keeps none of
intake's or the worker's); `store`, `rules` and `health_alerts` are null in a process
without an event store. `daily` lists every index the store has, daily or monthly
(`day` null), with the bytes the store reports. `disk` is `{"path", "error"}` when
the data folder cannot be read. `health_alerts` counts the open alerts of category
`mozdef-health` and lists the newest MAX_HEALTH_ALERTS of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from mozdef.alerts.detections.health import CATEGORY as HEALTH_CATEGORY
from mozdef.alerts.model import Status
from mozdef.alerts.rule_state import RuleState, RuleStateStore
from mozdef.alerts.store import AlertStore
from mozdef.logfmt import fields
from mozdef.metrics.rates import RateRing
from mozdef.metrics.window import iso
from mozdef.query.tree import Term
from mozdef.store.base import EventStore
from mozdef.system import Health

log = logging.getLogger(__name__)

T = TypeVar("T")
TTL_SECONDS = {"store": 30.0, "disk": 5.0, "rules": 5.0, "health_alerts": 5.0}
MAX_HEALTH_ALERTS = 20
SAMPLE_EVERY = 5.0
RATES = ("accepted", "indexed")
_INTAKE = ("accepted", "rejected", "dropped_by_plugin", "plugin_errors")
_INDEXING = ("indexed", "failed", "commits", "last_commit_ms", "deadletter", "worker_restarts")
_OPEN: tuple[Status, ...] = ("new", "acknowledged", "escalated")


class Observed(Protocol):
    """What the monitor reads of the node it runs in (System, IntakeNode, WebNode)."""

    def health(self) -> Health: ...

    def counters(self) -> dict[str, Any]: ...


class Cached(Generic[T]):
    """The answer of `load`, read again once it is `ttl` seconds old."""

    def __init__(self, load: Callable[[], T], ttl: float, clock: Callable[[], float]) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: tuple[float, T] | None = None

    def get(self) -> T:
        with self._lock:
            now = self._clock()
            if self._value is None or now - self._value[0] >= self._ttl:
                self._value = (now, self._load())
            return self._value[1]


class HealthMonitor:
    def __init__(
        self,
        node: Observed,
        *,
        data_dir: Path,
        store: EventStore | None = None,
        rule_states: RuleStateStore | None = None,
        rule_ids: Sequence[str] = (),
        ring: RateRing | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._node = node
        self._store = store
        self._rule_states = rule_states
        self._rule_ids = tuple(rule_ids)
        self._ring = ring or RateRing(clock=clock)
        readers: dict[str, Callable[[], Any]] = {
            "store": self._store_part,
            "disk": lambda: disk_part(data_dir),
            "rules": self._rules_part,
            "health_alerts": self._alerts_part,
        }
        self._parts = {
            name: Cached(self._guarded(name, read), TTL_SECONDS[name], clock)
            for name, read in readers.items()
        }
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def report(self) -> dict[str, Any]:
        """The health document of the module docstring."""
        started = time.perf_counter()
        health = self._node.health()
        counters = self.sample()
        document: dict[str, Any] = {
            "time": iso(dt.datetime.now(dt.UTC)),
            "took_ms": 0.0,
            "ready": health.ready,
            "accepting": health.accepting,
            "reason": health.reason,
            "intake": {name: counters.get(name) for name in _INTAKE},
            "indexing": _indexing(counters),
            "rates": self._ring.rates(RATES),
        }
        document |= {name: part.get() for name, part in self._parts.items()}
        document["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return document

    def sample(self) -> dict[str, Any]:
        """Read the node's counters, add the rated ones to the ring, and return them."""
        counters = self._node.counters()
        rated = {name: counters[name] for name in RATES if isinstance(counters.get(name), int)}
        self._ring.add(rated)
        return counters

    def start(self, *, every: float = SAMPLE_EVERY) -> None:
        """Also sample on a timer, so that rates are ready when the page first asks."""
        self._stop.clear()
        self._sampler = threading.Thread(
            target=self._sample_until_stopped, args=(every,), name="mozdef-health-sampler"
        )
        self._sampler.daemon = True
        self._sampler.start()

    def stop(self) -> None:
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=5)
            self._sampler = None

    def _sample_until_stopped(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.sample()
            except Exception as exc:
                # A sampler that dies would freeze the rates; log and try again.
                log.warning("health.sample_failed", extra=fields(error=str(exc)))

    def _guarded(self, part: str, read: Callable[[], Any]) -> Callable[[], Any]:
        def guarded() -> Any:
            try:
                return read()
            except Exception as exc:
                # One part of the page; the others still answer.
                log.warning("health.part_failed", extra=fields(part=part, error=str(exc)))
                return {"error": str(exc) or type(exc).__name__}

        return guarded

    def _store_part(self) -> dict[str, Any] | None:
        if self._store is None:
            return None
        indices = self._store.indices()
        daily = [
            {
                "name": info.name,
                "docs": info.docs,
                "bytes": info.bytes,
                "day": None if info.day is None else info.day.isoformat(),
            }
            for info in indices
        ]
        return {
            "indices": len(daily),
            "docs": sum(info.docs for info in indices),
            "bytes": sum(info.bytes for info in indices),
            "daily": daily,
        }

    def _rules_part(self) -> list[dict[str, Any]] | None:
        if self._rule_states is None:
            return None
        states = self._rule_states.all()
        known = sorted(set(self._rule_ids) | set(states))
        return [rule_document(states.get(rule_id) or RuleState(rule_id)) for rule_id in known]

    def _alerts_part(self) -> dict[str, Any] | None:
        if self._store is None:
            return None
        page = AlertStore(self._store).search(
            Term("category", HEALTH_CATEGORY), status=_OPEN, size=MAX_HEALTH_ALERTS
        )
        alerts = [
            {
                "id": alert.id,
                "utctimestamp": iso(alert.utctimestamp),
                "last_seen": iso(alert.last_seen),
                "severity": alert.severity,
                "summary": alert.summary,
                "status": alert.status,
                "count": alert.count,
            }
            for alert in page.alerts
        ]
        return {"total": page.total, "alerts": alerts}


def disk_part(path: Path) -> dict[str, Any]:
    """Free and total bytes of the file system holding `path`."""
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        return {"path": str(path), "error": f"cannot read free space: {exc.strerror or exc}"}
    return {"path": str(path), "free_bytes": usage.free, "total_bytes": usage.total}


def rule_document(state: RuleState) -> dict[str, Any]:
    return {
        "rule_id": state.rule_id,
        "enabled": state.enabled,
        "last_run": None if state.last_run is None else iso(state.last_run),
        "next_run": None if state.next_run is None else iso(state.next_run),
        "last_duration": state.last_duration,
        "last_hits": state.last_hits,
        "total_runs": state.total_runs,
        "total_failures": state.total_failures,
        "consecutive_failures": state.consecutive_failures,
        "last_error": state.last_error,
    }


def _indexing(counters: Mapping[str, Any]) -> dict[str, Any]:
    indexing = {name: counters.get(name) for name in _INDEXING}
    # An intake-only node reports its queue under another name.
    pending = counters.get("queue_pending_bytes", counters.get("queue_pending"))
    return indexing | {"queue_pending_bytes": pending}
