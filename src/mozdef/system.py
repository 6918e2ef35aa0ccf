"""The embedded system as `mozdef serve` runs it: this process takes events over
HTTP into the spool and answers searches; a worker process (see
`mozdef.pipeline.service`) turns the spool into indexed events. Two processes,
so that intake and indexing each get a core instead of sharing one interpreter.

This is the composition root of the serving process: it builds each component
from its part of the settings, starts the worker, and restarts it if it dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from mozdef.config.settings import Settings
from mozdef.errors import MozDefError
from mozdef.intake.service import Intake
from mozdef.intake.sources import IntakeSources
from mozdef.logfmt import fields
from mozdef.ops.diskguard import DiskGuard
from mozdef.pipeline.health import write_intake_status
from mozdef.pipeline.service import read_status, spawn_worker
from mozdef.queue.spool import SpoolWriter
from mozdef.store.tantivy import TantivyStore

logger = logging.getLogger(__name__)

_START_TIMEOUT = 120.0
_RESTART_DELAY = 1.0


@dataclass(frozen=True)
class Health:
    ready: bool
    accepting: bool
    reason: str


class WorkerStartError(MozDefError):
    """The worker process could not start; carries its message."""


class System:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.queue = SpoolWriter(
            settings.spool_dir,
            segment_bytes=settings.spool.segment_bytes,
            max_pending_bytes=settings.spool.max_pending_bytes,
            fsync=settings.spool.fsync,
        )
        self.store = TantivyStore(settings.store_dir, writer=False)
        self.disk = DiskGuard(settings.data_dir, settings.store.disk_floor_bytes)
        self.intake = Intake(self.queue, disk_problem=self._disk_problem)
        self.sources = IntakeSources(self.intake, settings)
        self._stop = multiprocessing.get_context("spawn").Event()
        self._worker: BaseProcess | None = None
        self._supervisor: threading.Thread | None = None
        self._ready = threading.Event()
        self.worker_restarts = 0

    def start(self) -> None:
        """Start the worker and wait until it is ready; raises WorkerStartError."""
        self._worker = self._start_worker()
        self._supervisor = threading.Thread(target=self._supervise, name="mozdef-supervisor")
        self._supervisor.daemon = True
        self._supervisor.start()
        try:
            self.sources.start()
        except MozDefError:
            self.stop()
            raise
        self._ready.set()
        logger.info("system.ready", extra=fields(data_dir=str(self.settings.data_dir)))

    def stop(self) -> None:
        self._ready.clear()
        self.sources.stop()
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=60)
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        self.queue.close()
        self.store.close()
        logger.info("system.stopped")

    def wait_searchable(self, position: int, *, timeout: float, ids: Sequence[str] = ()) -> bool:
        """Wait until the worker committed everything up to `position` (which holds
        `ids`), then make this process's searches see it."""
        done = self.queue.wait_acked(position, timeout=timeout)
        self.store.refresh()
        return done

    def health(self) -> Health:
        if not self._ready.is_set():
            return Health(ready=False, accepting=False, reason="starting")
        if self._worker is None or not self._worker.is_alive():
            return Health(ready=True, accepting=True, reason="worker restarting")
        problem = self._disk_problem()
        if problem is not None:
            return Health(ready=True, accepting=False, reason=problem)
        return Health(ready=True, accepting=True, reason="")

    def counters(self) -> dict[str, Any]:
        worker = read_status(self.settings.data_dir)
        return {
            "accepted": self.intake.accepted,
            "rejected": dict(self.intake.rejected),
            "dropped_by_plugin": worker.get("dropped_by_plugin", {}),
            "plugin_errors": worker.get("plugin_errors", {}),
            "indexed": worker.get("indexed", 0),
            "failed": worker.get("failed", {}),
            "deadletter": worker.get("deadletter", 0),
            "deadletter_not_indexed": worker.get("deadletter_not_indexed", 0),
            "alerts": worker.get("alerts", {}),
            "alert_plugin_errors": worker.get("alert_plugin_errors", {}),
            "queue_pending_bytes": self.queue.pending_bytes(),
            "commits": worker.get("commits", 0),
            "last_commit_ms": worker.get("last_commit_ms", 0.0),
            "worker_restarts": self.worker_restarts,
            "worker_pid": worker.get("pid"),
            **self.sources.counters(),
        }

    def _publish_intake_status(self) -> None:
        """For the worker's health detection (mozdef.pipeline.health)."""
        try:
            write_intake_status(
                self.settings.data_dir,
                {
                    "accepted": self.intake.accepted,
                    "rejected": dict(self.intake.rejected),
                    "queue_pending_bytes": self.queue.pending_bytes(),
                    "queue_limit_bytes": self.settings.spool.max_pending_bytes,
                    "disk_problem": self._disk_problem(),
                },
            )
        except OSError:
            logger.exception("system.intake_status_failed")

    def _disk_problem(self) -> str | None:
        status = self.disk.check()
        return None if status.ok else status.reason

    def _start_worker(self) -> BaseProcess:
        process, report = spawn_worker(self.settings, self._stop)
        outcome = _receive(report, _START_TIMEOUT)
        if outcome != "ready":
            process.join(timeout=5)
            raise WorkerStartError(f"worker did not start: {outcome}")
        return process

    def _supervise(self) -> None:
        """Restart the worker when it dies; the spool redelivers what it had not committed."""
        while not self._stop.is_set():
            self._publish_intake_status()
            worker = self._worker
            if worker is not None:
                worker.join(timeout=0.5)
            if self._stop.is_set() or (worker is not None and worker.is_alive()):
                continue
            code = worker.exitcode if worker is not None else None
            logger.error("worker.died", extra=fields(exitcode=code, restarts=self.worker_restarts))
            time.sleep(_RESTART_DELAY)
            try:
                self._worker = self._start_worker()
                self.worker_restarts += 1
            except MozDefError as exc:
                logger.error("worker.restart_failed", extra=fields(error=str(exc)))


def _receive(report: Connection, timeout: float) -> str:
    try:
        if report.poll(timeout):
            message: str = report.recv()
            return message
    except EOFError:
        return "the worker process exited during start-up (see its log above)"
    finally:
        report.close()
    return f"no answer within {timeout:g}s"
