"""Deliver alerts to their routes' actions without ever holding up the alert engine.

`submit` only records the deliveries and puts them on a bounded schedule; worker
threads take them off when due. A retryable failure puts the delivery back with a
doubling delay (RetryPolicy) until its attempts are spent. When the schedule is full
a new delivery is recorded as `dropped` and counted, never waited for.

Known limit: deliveries still scheduled when `stop` is called stay `pending` or
`retrying` in the log and are not resumed at the next start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import itertools
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mozdef.alerts.actions.base import Action, ActionContext
from mozdef.alerts.actions.config import ActionsConfig, RouteConfig
from mozdef.alerts.actions.records import DeliveryLog, DeliveryRecord, DeliveryStatus
from mozdef.alerts.actions.registry import build_action
from mozdef.alerts.bus import ALERT_CREATED, Bus, Payload, Unsubscribe
from mozdef.alerts.model import Alert
from mozdef.alerts.store import from_document
from mozdef.errors import ActionError
from mozdef.logfmt import fields

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Route:
    config: RouteConfig
    action: Action


@dataclass(order=True)
class _Job:
    due: float
    sequence: int
    route: Route = field(compare=False)
    alert: Alert = field(compare=False)
    record: DeliveryRecord = field(compare=False)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Dispatcher:
    def __init__(
        self,
        routes: Sequence[Route],
        *,
        log: DeliveryLog,
        config: ActionsConfig | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.routes = tuple(routes)
        self.config = config or ActionsConfig()
        self.dropped = 0
        self._log = log
        self._clock = clock
        self._jobs: list[_Job] = []
        self._active = 0
        self._sequence = itertools.count()
        self._changed = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    @classmethod
    def from_config(
        cls, config: ActionsConfig, *, log: DeliveryLog, context: ActionContext
    ) -> Dispatcher:
        """Build every route's action (ConfigError on the first bad one)."""
        routes = [Route(route, build_action(route, context=context)) for route in config.routes]
        return cls(routes, log=log, config=config)

    def submit(self, alert: Alert) -> list[DeliveryRecord]:
        """Schedule `alert` for every route that accepts it; returns at once."""
        return [
            self._schedule(route, alert) for route in self.routes if route.config.accepts(alert)
        ]

    def subscribe(self, bus: Bus) -> Unsubscribe:
        """Deliver each alert the bus announces as created. Merges into an open alert
        (`alert.updated`) are left out on purpose: they would page again for one incident."""
        return bus.subscribe(self._on_created, topics=(ALERT_CREATED,))

    def start(self) -> None:
        self._stopping = False
        for number in range(self.config.workers):
            thread = threading.Thread(target=self._work, name=f"actions-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, *, timeout: float = 5.0) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is scheduled or being delivered; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._jobs or self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def _on_created(self, topic: str, payload: Payload) -> None:
        source = dict(payload)
        self.submit(from_document(str(source.pop("id", "")), source))

    def _schedule(self, route: Route, alert: Alert) -> DeliveryRecord:
        now = self._clock()
        record = DeliveryRecord(
            id=uuid.uuid4().hex,
            alert_id=alert.id,
            rule_id=alert.rule_id,
            route=route.config.label,
            action=route.config.action,
            status="pending",
            attempts=0,
            created=now,
            updated=now,
        )
        with self._changed:
            full = len(self._jobs) + self._active >= self.config.queue_size
            if not full:
                job = _Job(time.monotonic(), next(self._sequence), route, alert, record)
                heapq.heappush(self._jobs, job)
                self._changed.notify()
        if full:
            record = self._dropped(record)
        self._log.save(record)
        return record

    def _dropped(self, record: DeliveryRecord) -> DeliveryRecord:
        self.dropped += 1
        logger.warning("actions.dropped", extra=fields(route=record.route, alert=record.alert_id))
        return dataclasses.replace(record, status="dropped", error="delivery queue full")

    def _work(self) -> None:
        while True:
            job = self._next_due()
            if job is None:
                return
            try:
                self._attempt(job)
            finally:
                with self._changed:
                    self._active -= 1
                    self._changed.notify_all()

    def _next_due(self) -> _Job | None:
        with self._changed:
            while not self._stopping:
                wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                if wait is not None and wait <= 0:
                    self._active += 1
                    return heapq.heappop(self._jobs)
                self._changed.wait(wait)
        return None

    def _attempt(self, job: _Job) -> None:
        attempts = job.record.attempts + 1
        try:
            result = job.route.action.deliver(job.alert)
        except ActionError as error:
            self._failed(job, attempts, error, retryable=error.retryable)
            return
        except Exception as error:  # an action's own bug: isolate it to this delivery
            logger.exception("actions.crashed", extra=fields(route=job.record.route))
            self._failed(job, attempts, error, retryable=False)
            return
        self._finish(job, attempts, status="delivered", result=result)

    def _failed(self, job: _Job, attempts: int, error: Exception, *, retryable: bool) -> None:
        if not retryable or attempts >= self.config.retry.attempts:
            self._finish(job, attempts, status="failed", error=str(error))
            return
        delay = self.config.retry.delay(attempts)
        record = dataclasses.replace(
            job.record,
            status="retrying",
            attempts=attempts,
            updated=self._clock(),
            error=str(error),
        )
        self._log.save(record)
        logger.info(
            "actions.retry",
            extra=fields(route=record.route, attempts=attempts, wait_s=delay.total_seconds()),
        )
        retry = _Job(
            time.monotonic() + delay.total_seconds(),
            next(self._sequence),
            job.route,
            job.alert,
            record,
        )
        with self._changed:
            heapq.heappush(self._jobs, retry)
            self._changed.notify()

    def _finish(
        self, job: _Job, attempts: int, *, status: DeliveryStatus, result: str = "", error: str = ""
    ) -> None:
        record = dataclasses.replace(
            job.record,
            status=status,
            attempts=attempts,
            updated=self._clock(),
            result=result,
            error=error,
        )
        self._log.save(record)
        level = logging.INFO if status == "delivered" else logging.WARNING
        logger.log(
            level,
            "actions.delivery",
            extra=fields(
                route=record.route,
                alert=record.alert_id,
                status=record.status,
                attempts=attempts,
                error=error or None,
            ),
        )
