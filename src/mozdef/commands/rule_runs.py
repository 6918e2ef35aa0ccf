"""`mozdef rules test RULE` and `mozdef rules run RULE`: one rule over stored events.

`test` back-tests (mozdef.alerts.backtest) over `[--since, --until)` on a read-only
store and prints the drafts the rule raises there, before deduplication: a
streaming rule raises one per matching event, which the sink would fold into one
alert per dedup key. Nothing is saved and nobody is told.

`run` does what the scheduler does at one due time, now: a scheduled rule runs as of
now over its own look-back; a streaming rule meets the events of the last look-back
window (5 minutes unless its definition says otherwise). Its drafts go through the
alert sink (suppressions, deduplication) into the alerts index; no alert actions
run, as this process has no bus. The run is recorded in the rule's state (last run,
duration, hits, error); the scheduler's failure count and next run stay as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson

from mozdef.alerts.backtest import backtest
from mozdef.alerts.catalog import Catalog
from mozdef.alerts.engine import AlertSink, Outcome
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule_state import RuleState, RuleStateStore
from mozdef.alerts.rules import LoadedRule
from mozdef.alerts.rules.declared import lookback_of
from mozdef.alerts.store import AlertStore, to_document
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb.db import AppDb
from mozdef.config import Settings
from mozdef.errors import QueryError
from mozdef.query.datemath import resolve_time
from mozdef.store.base import EventStore
from mozdef.store.tantivy import TantivyStore

SAMPLE_IDS = 3


def add_actions(actions: Any) -> None:
    test = actions.add_parser("test", help="back-test a rule over stored events, saving nothing")
    test.add_argument("rule", help="rule id or rule file")
    test.add_argument("--since", default="7d", help="start: 7d, now-24h or ISO 8601 (default 7d)")
    test.add_argument("--until", default="now", help="end (default now)")
    test.add_argument("--size", type=int, default=100, help="drafts to print (default 100)")
    test.add_argument("--json", action="store_true", help="print drafts as JSON lines")
    once = actions.add_parser("run", help="run a rule once now and save its alerts")
    once.add_argument("rule", help="rule id or rule file")
    once.add_argument("--json", action="store_true", help="print outcomes as JSON lines")


def test_rules(found: Catalog, args: argparse.Namespace, settings: Settings) -> int:
    now = dt.datetime.now(dt.UTC)
    since = resolve_time(args.since, now=now)
    until = resolve_time(args.until, now=now, round_up=True)
    if until <= since:
        raise QueryError(f"--until {until.isoformat()} is not after --since {since.isoformat()}")
    store = TantivyStore(settings.store_dir, writer=False)
    try:
        failed = [_test_one(rule, store, since, until, args) for rule in found.rules]
    finally:
        store.close()
    return 1 if any(failed) else 0


def _test_one(
    rule: LoadedRule,
    store: EventStore,
    since: dt.datetime,
    until: dt.datetime,
    args: argparse.Namespace,
) -> bool:
    """Prints what `rule` raises over the period; True when the rule failed."""
    try:
        drafts = backtest(rule, store, since, until)
    except Exception as error:
        # One rule's run is an isolation boundary: say what broke and go on with the next.
        print(f"{rule.meta.id}: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return True
    shown = drafts[: max(args.size, 0)]
    for draft in shown:
        print(orjson.dumps(draft_document(draft)).decode() if args.json else draft_line(draft))
    period = f"since={since:%Y-%m-%dT%H:%M:%SZ} until={until:%Y-%m-%dT%H:%M:%SZ}"
    print(f"{rule.meta.id}: drafts={len(drafts)} shown={len(shown)} {period}", file=sys.stderr)
    return False


def draft_line(draft: AlertDraft) -> str:
    ids = ",".join(sample.id for sample in draft.events[:SAMPLE_IDS]) or "-"
    return f"{draft.rule_id}  {draft.severity}  count={draft.count}  {draft.summary}  [{ids}]"


def draft_document(draft: AlertDraft) -> dict[str, Any]:
    return {
        "rule_id": draft.rule_id,
        "summary": draft.summary,
        "severity": draft.severity,
        "category": draft.category,
        "tags": list(draft.tags),
        "count": draft.count,
        "dedup_key": draft.dedup_key,
        "samples": [sample.id for sample in draft.events],
        "url": draft.url,
        "details": draft.details,
    }


def run_rules(found: Catalog, args: argparse.Namespace, settings: Settings) -> int:
    store = TantivyStore(
        settings.store_dir, writer=True, writer_heap_bytes=settings.store.writer_heap_bytes
    )
    db: AppDb | None = None
    try:
        db = AppDb.from_settings(settings)
        sink = AlertSink(AlertStore(store), suppressions=SuppressionStore(db))
        states = RuleStateStore(db)
        failed = [_run_one(rule, store, sink, states, as_json=args.json) for rule in found.rules]
    finally:
        store.close()
        if db is not None:
            db.close()
    return 1 if any(failed) else 0


def _run_one(
    rule: LoadedRule, store: EventStore, sink: AlertSink, states: RuleStateStore, *, as_json: bool
) -> bool:
    """Runs `rule` now and saves its alerts; True when the rule failed."""
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    try:
        drafts = _drafts_now(rule, store, now)
    except Exception as error:
        # One rule's run is an isolation boundary: record the failure and go on.
        reason = f"{type(error).__name__}: {error}"
        _record(states, rule.meta.id, now, time.perf_counter() - started, error=reason)
        print(f"{rule.meta.id}: failed: {reason}", file=sys.stderr)
        return True
    outcomes = sink.submit_many(drafts, dedup_window=rule.meta.dedup_window, now=now)
    _record(states, rule.meta.id, now, time.perf_counter() - started, hits=len(drafts))
    for outcome in outcomes:
        print(
            orjson.dumps(outcome_document(outcome)).decode() if as_json else outcome_line(outcome)
        )
    tally = Counter(outcome.action for outcome in outcomes)
    counts = " ".join(f"{action}={tally[action]}" for action in ("created", "merged", "suppressed"))
    print(f"{rule.meta.id}: drafts={len(drafts)} {counts}", file=sys.stderr)
    return False


def _drafts_now(rule: LoadedRule, store: EventStore, now: dt.datetime) -> list[AlertDraft]:
    run: Callable[..., list[AlertDraft]] | None = getattr(rule, "run", None)
    if rule.meta.schedule is not None and run is not None:
        return list(run(store, now=now))
    return backtest(rule, store, now - lookback_of(rule.meta), now)


def _record(
    states: RuleStateStore,
    rule_id: str,
    at: dt.datetime,
    seconds: float,
    *,
    hits: int = 0,
    error: str | None = None,
) -> None:
    def record(state: RuleState) -> RuleState:
        return replace(
            state,
            last_run=at,
            last_duration=seconds,
            last_hits=hits,
            total_runs=state.total_runs + 1,
            total_failures=state.total_failures + (0 if error is None else 1),
            last_error=error,
        )

    states.update(rule_id, record, now=at)


def outcome_line(outcome: Outcome) -> str:
    if outcome.alert is None:
        suppression = outcome.suppression
        which = "-" if suppression is None else f"{suppression.id} ({suppression.reason})"
        return f"suppressed by {which}"
    alert = outcome.alert
    return f"{outcome.action}  {alert.id}  {alert.severity}  count={alert.count}  {alert.summary}"


def outcome_document(outcome: Outcome) -> dict[str, Any]:
    if outcome.alert is not None:
        return {"action": outcome.action, "alert": to_document(outcome.alert)}
    suppression = outcome.suppression
    return {
        "action": outcome.action,
        "suppression": None if suppression is None else suppression.id,
    }


ACTIONS: dict[str, Callable[[Catalog, argparse.Namespace, Settings], int]] = {
    "test": test_rules,
    "run": run_rules,
}
