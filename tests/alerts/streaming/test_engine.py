from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import IndexKeys, RuleMeta
from mozdef.alerts.streaming import StreamingEngine
from mozdef.events.schema import Event

from .rules import NOW, FailingRule, KeylessRule, QueryRule, event


def test_a_raising_rule_is_isolated_and_its_errors_counted() -> None:
    good = QueryRule("good", "category:syslog")
    engine = StreamingEngine([FailingRule("bad", "category:syslog"), good])

    drafts = engine.process_many([event("e1"), event("e2")], now=NOW)

    assert [d.rule_id for d in drafts] == ["good", "good"]
    assert engine.stats().errors == {"bad": 2}


def test_a_rule_whose_keys_raise_is_left_out_and_counted() -> None:
    engine = StreamingEngine([KeylessRule("keyless", "category:syslog")])

    drafts = engine.process(event("e1"), now=NOW)

    assert (drafts, engine.stats().errors, engine.rules) == ([], {"keyless": 1}, ())


def test_a_disabled_rule_is_not_evaluated() -> None:
    rule = QueryRule("off", "category:syslog")
    rule.meta = dataclasses.replace(rule.meta, enabled=False)

    StreamingEngine([rule]).process(event("e1"), now=NOW)

    assert rule.evaluated == []


def test_stats_count_events_evaluations_and_matches() -> None:
    rules = [QueryRule("syslog", "category:syslog"), QueryRule("alice", "details.user:alice")]
    engine = StreamingEngine(rules)

    engine.process_many([event("e1"), event("e2", user="alice"), event("e3", "dns")], now=NOW)

    stats = engine.stats()
    assert (stats.events, stats.evaluations, stats.matches) == (3, 3, 3)
    assert stats.evaluations_per_event == 1.0


class _Windowed(QueryRule):
    evictions = 7


def test_stats_add_up_the_evictions_of_windowed_rules() -> None:
    engine = StreamingEngine([_Windowed("w1", "category:x"), _Windowed("w2", "category:y")])

    assert engine.stats().evictions == 14


class _Clocked:
    """Records the `now` the engine passes."""

    def __init__(self) -> None:
        self.meta = RuleMeta(id="clocked", name="clocked", form="python")
        self.seen: list[dt.datetime] = []

    def keys(self) -> IndexKeys:
        return IndexKeys()

    def match(self, event: Event, *, now: dt.datetime) -> Sequence[AlertDraft]:
        self.seen.append(now)
        return ()


def test_a_batch_reads_the_clock_once() -> None:
    rule = _Clocked()
    ticks = iter([NOW, NOW + dt.timedelta(seconds=1)])
    engine = StreamingEngine([rule], clock=lambda: next(ticks))

    engine.process_many([event("e1"), event("e2")])

    assert rule.seen == [NOW, NOW]
