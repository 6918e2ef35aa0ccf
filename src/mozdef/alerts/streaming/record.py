"""What the streaming rules did, kept in their saved rule state; a rule that keeps
failing is disabled.

Every `SECONDS` (or at once when a rule reached `MAX_FAILURES` failures in a row),
the engine's tallies go into each active rule's state: its hits and last error for
the rules page, its failures in a row for the health check. A rule that failed on
`MAX_FAILURES` events in a row, with no event it matched without raising between
them, is disabled and a `mozdef-health` alert says so, as the scheduler does for a
scheduled rule. Tallies of the period are lost when the engine is rebuilt (a rule
switched on or off) before they were recorded: the counts are a few seconds short.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from mozdef.alerts.engine import AlertSink
from mozdef.alerts.rule_state import RuleState, RuleStateStore
from mozdef.alerts.scheduler import disabled_alert
from mozdef.alerts.streaming.engine import RuleTally, StreamingEngine
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

SECONDS = 5.0
MAX_FAILURES = 100


class StreamingRecord:
    def __init__(
        self,
        states: RuleStateStore,
        sink: AlertSink,
        *,
        seconds: float = SECONDS,
        max_failures: int = MAX_FAILURES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._states = states
        self._sink = sink
        self._seconds = seconds
        self._max_failures = max_failures
        self._clock = clock
        self._recorded = clock()

    def after_batch(self, engine: StreamingEngine) -> set[str]:
        """Record the tallies when due; the ids of the rules disabled now."""
        due = self._clock() - self._recorded >= self._seconds
        if not (due or engine.failing(self._max_failures)):
            return set()
        self._recorded = self._clock()
        now = dt.datetime.now(dt.UTC)
        disabled = set()
        for rule_id, tally in sorted(engine.take_tallies().items()):
            state = self._states.update(rule_id, partial(self._counted, tally=tally, now=now))
            if tally.failures_in_row >= self._max_failures and not state.enabled:
                disabled.add(rule_id)
                self._disabled(rule_id, state)
        return disabled

    def _counted(self, state: RuleState, *, tally: RuleTally, now: dt.datetime) -> RuleState:
        return replace(
            state,
            enabled=state.enabled and tally.failures_in_row < self._max_failures,
            last_run=now,
            last_hits=tally.hits,
            total_failures=state.total_failures + tally.failures,
            consecutive_failures=tally.failures_in_row,
            last_error=tally.last_error if tally.failures else state.last_error,
        )

    def _disabled(self, rule_id: str, state: RuleState) -> None:
        log.error(
            "alerts.rule_disabled",
            extra=fields(rule=rule_id, failures=state.consecutive_failures, streaming=True),
        )
        try:
            self._sink.submit(disabled_alert(rule_id, state, failed="events"))
        except Exception:
            # The rule is disabled either way; the health alert is only its notice.
            log.exception("alerts.streaming.health_alert_failed", extra=fields(rule=rule_id))
