"""The streaming engine: each event of the pipeline meets the rules that may match it.

    engine = StreamingEngine(rules)
    drafts = engine.process_many(events)   # then handed to the alert engine's sink

The rule index (mozdef.alerts.streaming.index) picks the candidate rules from each
rule's `keys()`; only those are asked to `match`. A rule that raises is isolated: the
error is counted under its id and logged (the first one at warning level, the rest at
debug), and the other rules go on. A rule whose `keys()` raises is left out.

`take_tallies` hands over, per rule, the alerts raised and the errors since it was
last called, with the failures in a row (reset by a match that does not raise),
for the rule's saved state and for disabling a rule that keeps failing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import IndexKeys, StreamingRule
from mozdef.alerts.streaming.index import RuleIndex
from mozdef.events.schema import Event
from mozdef.logfmt import fields

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@runtime_checkable
class Windowed(Protocol):
    """A rule that keeps windowed state and counts what its limits pushed out."""

    @property
    def evictions(self) -> int: ...


@dataclass(frozen=True)
class StreamingStats:
    events: int = 0
    # Rules asked to match, summed over events.
    evaluations: int = 0
    # Drafts raised.
    matches: int = 0
    # Rule id -> exceptions raised by its `match` (or `keys`).
    errors: Mapping[str, int] = field(default_factory=dict)
    # Entries and groups pushed out of windowed rules' state by its limits.
    evictions: int = 0

    @property
    def evaluations_per_event(self) -> float:
        return self.evaluations / self.events if self.events else 0.0


@dataclass(frozen=True)
class RuleTally:
    """What one rule did since the last `take_tallies`."""

    hits: int = 0
    failures: int = 0
    failures_in_row: int = 0
    last_error: str | None = None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StreamingEngine:
    def __init__(self, rules: Iterable[StreamingRule], *, clock: Clock = _utc_now) -> None:
        self._clock = clock
        self._events = 0
        self._evaluations = 0
        self._matches = 0
        self._errors: Counter[str] = Counter()
        self._hits: Counter[str] = Counter()
        self._new_errors: Counter[str] = Counter()
        self._in_row: Counter[str] = Counter()
        self._last_error: dict[str, str] = {}
        indexed = [(rule, self._keys(rule)) for rule in rules if rule.meta.enabled]
        self.rules: tuple[StreamingRule, ...] = tuple(r for r, k in indexed if k is not None)
        self._index = RuleIndex([k for _, k in indexed if k is not None])

    def process(self, event: Event, *, now: dt.datetime | None = None) -> list[AlertDraft]:
        """The drafts that `event` raises; `now` defaults to the clock."""
        moment = self._clock() if now is None else now
        self._events += 1
        drafts: list[AlertDraft] = []
        for position in self._index.candidates(event):
            drafts.extend(self._match(self.rules[position], event, moment))
        self._matches += len(drafts)
        return drafts

    def process_many(
        self, events: Iterable[Event], *, now: dt.datetime | None = None
    ) -> list[AlertDraft]:
        """The drafts that `events` raise, in order; the clock is read once per batch."""
        moment = self._clock() if now is None else now
        return [draft for event in events for draft in self.process(event, now=moment)]

    def stats(self) -> StreamingStats:
        evictions = sum(rule.evictions for rule in self.rules if isinstance(rule, Windowed))
        return StreamingStats(
            events=self._events,
            evaluations=self._evaluations,
            matches=self._matches,
            errors=dict(self._errors),
            evictions=evictions,
        )

    def take_tallies(self) -> dict[str, RuleTally]:
        """Per rule that raised alerts or errors since the last call, what it did."""
        tallies = {
            rule_id: RuleTally(
                hits=self._hits[rule_id],
                failures=self._new_errors[rule_id],
                failures_in_row=self._in_row[rule_id],
                last_error=self._last_error.get(rule_id),
            )
            for rule_id in self._hits.keys() | self._new_errors.keys()
        }
        self._hits.clear()
        self._new_errors.clear()
        return tallies

    def failing(self, threshold: int) -> bool:
        """Whether some rule failed on at least `threshold` events in a row."""
        return any(count >= threshold for count in self._in_row.values())

    def _match(self, rule: StreamingRule, event: Event, now: dt.datetime) -> list[AlertDraft]:
        self._evaluations += 1
        rule_id = rule.meta.id
        try:
            drafts = list(rule.match(event, now=now))
        except Exception as error:  # one rule's failure must not stop the others
            self._failed(rule_id, "streaming.rule_failed", error, event_id=event.get("id"))
            return []
        if self._in_row:
            self._in_row.pop(rule_id, None)
        if drafts:
            self._hits[rule_id] += len(drafts)
        return drafts

    def _keys(self, rule: StreamingRule) -> IndexKeys | None:
        try:
            return rule.keys()
        except Exception as error:  # a rule that cannot say its keys is left out
            self._failed(rule.meta.id, "streaming.rule_keys_failed", error)
            return None

    def _failed(self, rule_id: str, name: str, error: Exception, **context: object) -> None:
        self._errors[rule_id] += 1
        self._new_errors[rule_id] += 1
        self._in_row[rule_id] += 1
        self._last_error[rule_id] = f"{type(error).__name__}: {error}"
        level = logging.WARNING if self._errors[rule_id] == 1 else logging.DEBUG
        logger.log(
            level,
            name,
            extra=fields(rule=rule_id, error=type(error).__name__, reason=error, **context),
            exc_info=level == logging.WARNING,
        )
