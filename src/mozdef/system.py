"""The embedded system: intake, spool, pipeline worker, store and housekeeping in
one process, as `mozdef serve` runs it.

This is the composition root: it builds each component from its part of the
settings and owns the threads. Nothing else constructs components.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from mozdef.config.settings import Settings
from mozdef.intake.service import Intake
from mozdef.logfmt import fields
from mozdef.ops.diskguard import DiskGuard
from mozdef.ops.retention import prune
from mozdef.pipeline import Pipeline, load_plugins
from mozdef.pipeline.deadletter import DeadLetter
from mozdef.pipeline.worker import Worker
from mozdef.queue.spool import Spool
from mozdef.store.tantivy import TantivyStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    ready: bool
    accepting: bool
    reason: str


def build_pipeline(settings: Settings) -> Pipeline:
    plugins = load_plugins(
        settings.pipeline.plugins,
        settings.pipeline.plugin_folders,
        settings.pipeline.plugin_options,
    )
    return Pipeline(plugins, mozdefhostname=settings.mozdefhostname)


class System:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.pipeline = build_pipeline(settings)
        self.store = TantivyStore(
            settings.store_dir, writer=True, writer_heap_bytes=settings.store.writer_heap_bytes
        )
        self.queue = Spool(
            settings.spool_dir,
            segment_bytes=settings.spool.segment_bytes,
            max_pending_bytes=settings.spool.max_pending_bytes,
            fsync=settings.spool.fsync,
        )
        self.disk = DiskGuard(settings.data_dir, settings.store.disk_floor_bytes)
        self.deadletter = DeadLetter(settings.data_dir / "deadletter")
        self.worker = Worker(
            self.queue,
            self.pipeline,
            self.store,
            self.deadletter,
            batch_size=settings.pipeline.batch_size,
            commit_interval=settings.store.commit_interval,
        )
        self.intake = Intake(self.queue, disk_problem=self._disk_problem)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ready = threading.Event()

    def start(self) -> None:
        self._spawn("worker", self.worker.run, self._stop)
        self._spawn("retention", self._retention_loop)
        self._ready.set()
        logger.info("system.ready", extra=fields(data_dir=str(self.settings.data_dir)))

    def stop(self) -> None:
        self._ready.clear()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self.queue.close()
        self.store.close()
        logger.info("system.stopped")

    def health(self) -> Health:
        if not self._ready.is_set():
            return Health(ready=False, accepting=False, reason="starting")
        problem = self._disk_problem()
        if problem is not None:
            return Health(ready=True, accepting=False, reason=problem)
        return Health(ready=True, accepting=True, reason="")

    def counters(self) -> dict[str, Any]:
        pipeline = self.pipeline.stats
        worker = self.worker.stats
        return {
            "accepted": self.intake.accepted,
            "rejected": dict(self.intake.rejected),
            "dropped_by_plugin": dict(pipeline.dropped_by_plugin),
            "plugin_errors": dict(pipeline.plugin_errors),
            "indexed": worker.indexed,
            "failed": dict(worker.failed),
            "deadletter": self.deadletter.count,
            "queue_pending_bytes": self.queue.pending_bytes(),
            "commits": worker.commits,
            "last_commit_ms": round(worker.last_commit_ms, 1),
        }

    def _disk_problem(self) -> str | None:
        status = self.disk.check()
        return None if status.ok else status.reason

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=f"mozdef-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _retention_loop(self) -> None:
        while not self._stop.wait(self.settings.retention.interval):
            self.run_retention()

    def run_retention(self) -> list[str]:
        retention = self.settings.retention
        policy = {
            "events": retention.events_days,
            "alerts": retention.alerts_days,
            "*": retention.custom_days,
        }
        try:
            return prune(self.store, policy, today=dt.datetime.now(dt.UTC).date())
        except Exception:
            # Housekeeping must never take intake down; the next pass tries again.
            logger.exception("retention.failed")
            return []
