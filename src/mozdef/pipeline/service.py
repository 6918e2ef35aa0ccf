"""The worker process: the spool's reader, the pipeline, the store's writer and
retention, away from the intake's process so both get a core of their own.

`mozdef serve` starts it with `spawn_worker` and supervises it. The process
reports readiness (or the error that stopped its start) on a pipe, writes its
counters to `worker-status.json` in the data folder after each commit, and dies
with its parent: a worker left behind would hold the store's writer lock.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import orjson

from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.runtime import AlertRuntime
from mozdef.appdb import AppDb
from mozdef.backends import open_consumer, open_store, shared_writes
from mozdef.config.settings import Settings
from mozdef.errors import MozDefError
from mozdef.logfmt import configure, fields
from mozdef.ops.retention import archive_target_of, policy_of, prune
from mozdef.pipeline.chain import Pipeline
from mozdef.pipeline.deadletter import DeadLetter
from mozdef.pipeline.health import IntakeStatusHealth
from mozdef.pipeline.registry import load_plugins
from mozdef.pipeline.worker import Worker

logger = logging.getLogger(__name__)

STATUS_FILE = "worker-status.json"
_PR_SET_PDEATHSIG = 1


def build_pipeline(settings: Settings) -> Pipeline:
    plugins = load_plugins(
        settings.pipeline.plugins,
        settings.pipeline.plugin_folders,
        settings.pipeline.plugin_options,
    )
    return Pipeline(plugins, mozdefhostname=settings.mozdefhostname)


def spawn_worker(settings: Settings, stop: EventType) -> tuple[BaseProcess, Connection]:
    """Start the worker process; the pipe carries `"ready"` or the start-up error."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=worker_main, args=(settings, stop, send), name="mozdef-worker", daemon=True
    )
    process.start()
    send.close()
    return process, receive


def read_status(data_dir: Path) -> dict[str, Any]:
    try:
        status: dict[str, Any] = orjson.loads((data_dir / STATUS_FILE).read_bytes())
    except (FileNotFoundError, orjson.JSONDecodeError):
        return {}
    return status


def worker_main(settings: Settings, stop: EventType, report: Connection) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure(settings.log.level)
    try:
        runtime = WorkerRuntime(settings)
    except MozDefError as exc:
        report.send(f"error: {exc}")
        return
    report.send("ready")
    report.close()
    tune_garbage_collector()
    runtime.run(stop)


class WorkerRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.pipeline = build_pipeline(settings)
        self.store = open_store(settings, writer=True)
        self.reader = open_consumer(settings)
        self.deadletter = DeadLetter(settings.data_dir / "deadletter", store=self.store)
        # With many writers (OpenSearch), scheduled rules and retention run in
        # `mozdef alerts`; here only the streaming rules.
        self.shared = shared_writes(settings)
        self.alerts = (
            AlertRuntime(settings, self.store, run_scheduled=not self.shared, health=self._health())
            if settings.alerts.enabled
            else None
        )
        self.worker = Worker(
            self.reader,
            self.pipeline,
            self.store,
            self.deadletter,
            batch_size=settings.pipeline.batch_size,
            commit_interval=settings.store.commit_interval,
            on_commit=self.write_status,
            on_events=self.alerts.on_events if self.alerts is not None else None,
            background_commit=settings.store.backend == "tantivy",
            overlap_index=settings.store.backend == "opensearch",
        )

    def run(self, stop: EventType | threading.Event) -> None:
        if not self.shared:
            retention = threading.Thread(target=self._retention_loop, args=(stop,), daemon=True)
            retention.start()
        self.write_status()
        if self.alerts is not None:
            self.alerts.start()
        try:
            self.worker.run(stop)
        finally:
            if self.alerts is not None:
                self.alerts.stop()
            self.write_status()
            self.reader.close()
            self.store.close()
            logger.info("worker.stopped", extra=fields(indexed=self.worker.stats.indexed))

    def _health(self) -> IntakeStatusHealth:
        """The health detection's view: the intake's counters written by the serving
        process, the pipeline's plugin errors, the rules' failures."""
        database = AppDb.from_settings(self.settings)
        return IntakeStatusHealth(
            self.settings.data_dir,
            lambda: sum(self.pipeline.stats.plugin_errors.values()),
            RuleStateStore(database),
        )

    def write_status(self) -> None:
        stats, pipeline = self.worker.stats, self.pipeline.stats
        status = {
            "pid": os.getpid(),
            "updated": time.time(),
            "indexed": stats.indexed,
            "dropped": stats.dropped,
            "failed": dict(stats.failed),
            "commits": stats.commits,
            "last_commit_ms": round(stats.last_commit_ms, 1),
            "deadletter": self.deadletter.count,
            "dropped_by_plugin": dict(pipeline.dropped_by_plugin),
            "plugin_errors": dict(pipeline.plugin_errors),
            "deadletter_not_indexed": self.deadletter.index_failures,
        }
        if self.alerts is not None:
            # Alerts created, merged into an open one, suppressed; alert plugin errors.
            status["alerts"] = dict(self.alerts.sink.counts)
            status["alert_plugin_errors"] = dict(self.alerts.sink.plugin_failures)
        path = self.settings.data_dir / STATUS_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(status))
        tmp.replace(path)

    def run_retention(self) -> list[str]:
        retention = self.settings.retention
        archive = archive_target_of(self.settings)
        try:
            today = dt.datetime.now(dt.UTC).date()
            return prune(self.store, policy_of(retention), today=today, archive_to=archive)
        except Exception:
            # Housekeeping must never stop indexing; the next pass tries again.
            logger.exception("retention.failed")
            return []

    def _retention_loop(self, stop: EventType | threading.Event) -> None:
        while not stop.wait(self.settings.retention.interval):
            self.run_retention()


def tune_garbage_collector() -> None:
    """Events are short-lived dicts without cycles; the collector's default of a
    generation-0 pass every 700 allocations cost several percent of indexing time.
    Objects alive after start-up (plugins, rules, schema) are frozen out of it."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        logger.warning("worker.no_parent_death_signal")
