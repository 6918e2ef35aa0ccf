"""The scheduler: runs each scheduled rule when due and hands its drafts to the sink.

- When: mozdef.alerts.timetable (intervals, crontabs, the bounded catch-up).
- State: mozdef.alerts.rule_state, saved after every run and change, so that a
  restart carries on where it stopped (and catches up, within the bound).
- Isolation: a rule that raises is logged and counted; the other rules run. After
  `max_failures` failures in a row (default 5) the rule is disabled and a health
  alert (rule `mozdef-health`, category `mozdef-health`) says so through the sink.
  Enabling it again clears the count and schedules it afresh, without catch-up.
- A rule runs when both its definition (`meta.enabled`) and its state allow it.
- When the sink cannot save a run's drafts (the store is down), the run is logged
  and counted as failed, but not towards disabling the rule; those drafts are lost.
- Several processes: each cycle reads every rule's state again, so that a rule
  enabled or disabled elsewhere (`mozdef rules`, the web API) and the runs of other
  processes are seen within one cycle; every change is a read-modify-write of the
  saved state (mozdef.alerts.rule_state), so no process overwrites another's
  counts. With `claims=RunClaims(...)` (mozdef.alerts.claims), processes that share
  the rules and the database run each (rule, tick) once among them.

Rules run one at a time, in the scheduler's thread: a slow rule delays the others'
runs (never skips them: they are due and run next).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from mozdef.alerts.claims import Claims, LocalClaims
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import ScheduledRule
from mozdef.alerts.rule_state import RuleState, RuleStateStore, toggled
from mozdef.alerts.timetable import Due, due, first_run
from mozdef.logfmt import fields
from mozdef.store.base import EventStore

log = logging.getLogger(__name__)

HEALTH_RULE = "mozdef-health"
# How often old claims are deleted, and how long they are kept.
PRUNE_EVERY = dt.timedelta(hours=1)
KEEP_CLAIMS = dt.timedelta(days=1)


@dataclass(frozen=True)
class RunReport:
    rule_id: str
    at: dt.datetime
    drafts: int
    seconds: float
    error: str | None = None


class Scheduler:
    def __init__(
        self,
        rules: Iterable[ScheduledRule],
        store: EventStore,
        sink: AlertSink,
        states: RuleStateStore,
        *,
        claims: Claims | None = None,
        max_failures: int = 5,
        max_catch_up: int = 3,
        tick_seconds: float = 1.0,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._rules = {rule.meta.id: rule for rule in rules if _schedulable(rule)}
        self._store = store
        self._sink = sink
        self._states_db = states
        self._claims: Claims = claims or LocalClaims()
        self._pruned: dt.datetime | None = None
        self._max_failures = max_failures
        self._max_catch_up = max_catch_up
        self._tick = tick_seconds
        self._clock = clock
        self._lock = threading.RLock()
        saved = states.all()
        self._states = {rid: saved.get(rid) or RuleState(rid) for rid in self._rules}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def states(self) -> list[RuleState]:
        with self._lock:
            return [self._states[rule_id] for rule_id in sorted(self._states)]

    def state(self, rule_id: str) -> RuleState:
        with self._lock:
            return self._states[rule_id]

    def enable(self, rule_id: str) -> RuleState:
        """Enable the rule; it is scheduled afresh, its failures forgotten."""
        return self._change(rule_id, lambda state: toggled(state, True))

    def disable(self, rule_id: str) -> RuleState:
        return self._change(rule_id, lambda state: toggled(state, False))

    def run_due(self, now: dt.datetime | None = None) -> list[RunReport]:
        """Run every rule that is due at `now`; the reports are in run order."""
        moment = now or self._clock()
        self._refresh()
        reports: list[RunReport] = []
        for rule_id in sorted(self._rules):
            reports.extend(self._run_rule(self._rules[rule_id], moment))
        self._prune(moment)
        return reports

    def start(self) -> None:
        """Run due rules in a thread, every `tick_seconds`, until `stop()`."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="mozdef-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:
                # Rule failures are handled per run; this is a fault of the scheduler's own
                # (the application database gone, say) and the loop must keep going.
                log.exception("alerts.scheduler.tick_failed")
            self._stop.wait(self._tick)

    def _refresh(self) -> None:
        """Read the saved states again: other processes enable, disable and run rules."""
        saved = self._states_db.all()
        with self._lock:
            for rule_id in self._rules:
                if rule_id in saved:
                    self._states[rule_id] = saved[rule_id]

    def _run_rule(self, rule: ScheduledRule, now: dt.datetime) -> list[RunReport]:
        schedule = rule.meta.schedule
        state = self.state(rule.meta.id)
        if schedule is None or not (rule.meta.enabled and state.enabled):
            return []

        plan = due(
            schedule, state.next_run or first_run(schedule, now), now, limit=self._max_catch_up
        )
        if not plan.slots and plan.next_run == state.next_run:
            return []
        if plan.skipped:
            log.warning(
                "alerts.scheduler.skipped", extra=fields(rule=rule.meta.id, runs=plan.skipped)
            )

        reports = self._run_slots(rule, plan, now)
        self._change(rule.meta.id, lambda s: _advanced(s, plan.next_run))
        return reports

    def _run_slots(self, rule: ScheduledRule, plan: Due, now: dt.datetime) -> list[RunReport]:
        """Run the slots this process claims, oldest first, while the rule is enabled."""
        reports: list[RunReport] = []
        for slot in plan.slots:
            if not self.state(rule.meta.id).enabled:
                break
            if self._claims.claim(rule.meta.id, slot):
                reports.append(self._run_once(rule, slot, now))
        return reports

    def _prune(self, now: dt.datetime) -> None:
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        try:
            self._claims.prune(now - KEEP_CLAIMS)
        except Exception:
            # Old claims only take room; the rules ran and the next prune tries again.
            log.exception("alerts.scheduler.prune_failed")

    def _run_once(self, rule: ScheduledRule, slot: dt.datetime, now: dt.datetime) -> RunReport:
        started = time.perf_counter()
        try:
            drafts = list(rule.run(self._store, now=slot))
        except Exception as error:
            # The isolation boundary of one rule run: count it, and go on with the others.
            seconds = time.perf_counter() - started
            log.exception("alerts.rule_failed", extra=fields(rule=rule.meta.id, at=slot))
            return self._failed(rule, slot, now, f"{type(error).__name__}: {error}", seconds)
        try:
            self._submit(rule, drafts, now)
        except Exception as error:
            # The store or the application database failed, not the rule.
            seconds = time.perf_counter() - started
            log.exception("alerts.scheduler.sink_failed", extra=fields(rule=rule.meta.id))
            reason = f"saving alerts: {type(error).__name__}: {error}"
            self._change(rule.meta.id, lambda s: _failure(s, slot, seconds, reason, counts=False))
            return RunReport(rule.meta.id, slot, len(drafts), seconds, reason)
        seconds = time.perf_counter() - started
        self._change(rule.meta.id, lambda s: _succeeded(s, slot, seconds, len(drafts)))
        log.info(
            "alerts.rule_run",
            extra=fields(rule=rule.meta.id, at=slot, drafts=len(drafts), ms=int(seconds * 1000)),
        )
        return RunReport(rule.meta.id, slot, len(drafts), seconds)

    def _failed(
        self, rule: ScheduledRule, slot: dt.datetime, now: dt.datetime, error: str, seconds: float
    ) -> RunReport:
        state = self._change(rule.meta.id, lambda s: _failure(s, slot, seconds, error))
        if state.consecutive_failures >= self._max_failures and state.enabled:
            self._change(rule.meta.id, lambda s: replace(s, enabled=False))
            log.error(
                "alerts.rule_disabled",
                extra=fields(rule=rule.meta.id, failures=state.consecutive_failures),
            )
            self._submit_health(disabled_alert(rule.meta.id, state, failed="runs"), now)
        return RunReport(rule.meta.id, slot, 0, seconds, error)

    def _submit(self, rule: ScheduledRule, drafts: list[AlertDraft], now: dt.datetime) -> None:
        if drafts:
            self._sink.submit_many(drafts, dedup_window=rule.meta.dedup_window, now=now)

    def _submit_health(self, draft: AlertDraft, now: dt.datetime) -> None:
        try:
            self._sink.submit(draft, now=now)
        except Exception:
            # The rule is disabled either way; the health alert is only its notice.
            log.exception("alerts.scheduler.health_alert_failed", extra=fields(rule=draft.rule_id))

    def _change(self, rule_id: str, change: Callable[[RuleState], RuleState]) -> RuleState:
        """Apply `change` to the saved state, which other processes may have changed."""
        with self._lock:
            state = self._states_db.update(rule_id, change, now=self._clock())
            self._states[rule_id] = state
            return state


def _schedulable(rule: ScheduledRule) -> bool:
    schedule = rule.meta.schedule
    if schedule is None or (schedule.interval is None and schedule.crontab is None):
        log.warning("alerts.scheduler.unscheduled", extra=fields(rule=rule.meta.id))
        return False
    return True


def _advanced(state: RuleState, next_run: dt.datetime) -> RuleState:
    """The state with its next run at `next_run`, or later if another process moved
    it on already."""
    if state.next_run is not None and state.next_run > next_run:
        return state
    return replace(state, next_run=next_run)


def _succeeded(state: RuleState, slot: dt.datetime, seconds: float, drafts: int) -> RuleState:
    return replace(
        state,
        last_run=slot,
        last_duration=seconds,
        last_hits=drafts,
        total_runs=state.total_runs + 1,
        consecutive_failures=0,
        last_error=None,
    )


def _failure(
    state: RuleState, slot: dt.datetime, seconds: float, error: str, *, counts: bool = True
) -> RuleState:
    """The state after a failed run; only the rule's own failures (`counts`) lead to
    disabling it."""
    return replace(
        state,
        last_run=slot,
        last_duration=seconds,
        last_hits=0,
        total_runs=state.total_runs + 1,
        total_failures=state.total_failures + 1,
        consecutive_failures=state.consecutive_failures + (1 if counts else 0),
        last_error=error,
    )


def disabled_alert(rule_id: str, state: RuleState, *, failed: str) -> AlertDraft:
    """The health alert that rule `rule_id` was disabled; `failed` names what failed in
    a row (scheduled runs, events a streaming rule was asked about)."""
    return AlertDraft(
        rule_id=HEALTH_RULE,
        summary=(
            f"rule {rule_id} disabled after {state.consecutive_failures} failed {failed} "
            "in a row; "
            f"last error: {state.last_error}"
        ),
        category=HEALTH_RULE,
        severity="ERROR",
        tags=(HEALTH_RULE, "rule-disabled"),
        dedup_key=f"rule-disabled:{rule_id}",
        notify=True,
        details={
            "rule_id": rule_id,
            "failures": state.consecutive_failures,
            "last_error": state.last_error,
        },
    )
