"""The alert sink: the one path every rule's drafts take to become alerts.

For each draft, in order:
1. suppressions: the first that applies drops the draft and counts a hit;
2. alert plugins enrich it, each isolated (see mozdef.alerts.plugins.base);
3. deduplication: a draft whose (rule id, dedup key) names an OPEN alert (new,
   acknowledged, escalated) last seen within the rule's dedup window is merged
   into it instead of creating another alert: the count goes up, samples are
   added up to MAX_SAMPLES, `last_seen` moves to now and the severity rises to
   the draft's if higher. The summary stays the first one, so the alert keeps
   its title while people work on it; `count` carries the growth. After the
   window, or once the alert is closed, the same key opens a new alert;
4. save (one commit per batch), then publish `alert.created` or `alert.updated`.

Deduplication does not wait for the store: the sink keeps an index of open
dedup keys (rebuilt from the store's open alerts on start) and reads alerts
through the AlertStore, which answers its own writes before they are committed.

Counting when windows overlap: a draft's sample events already among the alert's
samples are not counted again (a scheduled rule whose look-back exceeds its
interval sees the same events twice). Events beyond the stored samples cannot be
recognized, so a repeat over more than MAX_SAMPLES events is counted again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from mozdef.alerts.bus import ALERT_CREATED, ALERT_UPDATED, Bus
from mozdef.alerts.model import MAX_SAMPLES, OPEN_STATUSES, SEVERITIES, Alert, AlertDraft
from mozdef.alerts.plugins.base import AlertPlugin, alert_plugin_name
from mozdef.alerts.store import AlertStore, new_alert_id, to_document
from mozdef.alerts.suppressions import Suppression, SuppressionStore
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

DEFAULT_DEDUP_WINDOW = dt.timedelta(hours=1)

Action = Literal["created", "merged", "suppressed"]
DedupKey = tuple[str, str]


@dataclass(frozen=True)
class Outcome:
    """What became of a draft: the alert it created or merged into, or the suppression."""

    action: Action
    alert: Alert | None = None
    suppression: Suppression | None = None


class AlertSink:
    """Thread-safe; `counts` has created, merged and suppressed totals, and
    `plugin_failures` the exceptions of each alert plugin by name."""

    def __init__(
        self,
        alerts: AlertStore,
        *,
        suppressions: SuppressionStore | None = None,
        plugins: Sequence[AlertPlugin] = (),
        bus: Bus | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        rebuild_limit: int = 10_000,
        rebuild_in_background: bool = False,
    ) -> None:
        self._alerts = alerts
        self._suppressions = suppressions
        self._plugins = list(plugins)
        self._bus = bus
        self._clock = clock
        self.counts: Counter[str] = Counter()
        self.plugin_failures: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        self._open: dict[DedupKey, str] = {}
        # Reading the open alerts back takes seconds with many stored; in the
        # background, the process that runs the sink is ready meanwhile and the
        # first drafts wait for it.
        self._rebuilt = threading.Event()
        if rebuild_in_background:
            threading.Thread(
                target=self._rebuild,
                args=(rebuild_limit,),
                name="mozdef-dedup-rebuild",
                daemon=True,
            ).start()
        else:
            self._rebuild(rebuild_limit)

    def _rebuild(self, limit: int) -> None:
        """Index the open alerts by dedup key, oldest first so the newest wins."""
        try:
            for alert in reversed(self._alerts.open_alerts(limit=limit)):
                self._open[(alert.rule_id, alert.dedup_key)] = alert.id
        except Exception:
            # Without the index, a repeat opens a new alert instead of merging.
            log.exception("alerts.dedup_rebuild_failed")
        finally:
            self._rebuilt.set()

    def submit(
        self,
        draft: AlertDraft,
        *,
        dedup_window: dt.timedelta = DEFAULT_DEDUP_WINDOW,
        now: dt.datetime | None = None,
    ) -> Outcome:
        return self.submit_many([draft], dedup_window=dedup_window, now=now)[0]

    def submit_many(
        self,
        drafts: Sequence[AlertDraft],
        *,
        dedup_window: dt.timedelta = DEFAULT_DEDUP_WINDOW,
        now: dt.datetime | None = None,
    ) -> list[Outcome]:
        """Turn `drafts` into alerts; the outcomes are in the order of the drafts."""
        self._rebuilt.wait()
        moment = now or self._clock()
        outcomes: list[Outcome | None] = [self._suppressed(draft, moment) for draft in drafts]
        kept = [
            (position, self._enriched(draft))
            for position, draft in enumerate(drafts)
            if outcomes[position] is None
        ]
        for position, outcome in self._deduplicated(kept, dedup_window, moment):
            outcomes[position] = outcome

        done = [outcome for outcome in outcomes if outcome is not None]
        with self._counts_lock:
            self.counts.update(outcome.action for outcome in done)
        self._publish(done)
        self._log(done)
        return done

    def _suppressed(self, draft: AlertDraft, now: dt.datetime) -> Outcome | None:
        if self._suppressions is None:
            return None
        found = self._suppressions.find(draft, now=now)
        if found is None:
            return None
        self._suppressions.record_hit(found.id, at=now)
        return Outcome("suppressed", suppression=found)

    def _enriched(self, draft: AlertDraft) -> AlertDraft:
        for plugin in self._plugins:
            name = alert_plugin_name(plugin)
            try:
                changed = plugin.on_alert(draft)
                if not isinstance(changed, AlertDraft) or changed.rule_id != draft.rule_id:
                    raise TypeError("on_alert must return the draft of the same rule")
                draft = changed
            except Exception:
                # One plugin's failure leaves the draft as it was and the others run.
                self.plugin_failures[name] += 1
                log.exception("alerts.plugin_failed", extra=fields(plugin=name))
        return draft

    def _deduplicated(
        self,
        kept: list[tuple[int, AlertDraft]],
        window: dt.timedelta,
        now: dt.datetime,
    ) -> list[tuple[int, Outcome]]:
        results: list[tuple[int, Outcome]] = []
        written: dict[str, Alert] = {}
        with self._alerts.lock:
            for position, draft in kept:
                alert, action = self._place(draft, written, window, now)
                written[alert.id] = alert
                results.append((position, Outcome(action, alert=alert)))
            if written:
                self._alerts.save_many(list(written.values()))
        return results

    def _place(
        self, draft: AlertDraft, written: dict[str, Alert], window: dt.timedelta, now: dt.datetime
    ) -> tuple[Alert, Action]:
        key = (draft.rule_id, draft.dedup_key)
        alert_id = self._open.get(key)
        current = None
        if alert_id is not None:
            current = written.get(alert_id) or self._alerts.find(alert_id)
        if current is not None and _mergeable(current, window, now):
            return merge(current, draft, now=now), "merged"
        created = new_alert(draft, now=now)
        self._open[key] = created.id
        return created, "created"

    def _publish(self, outcomes: list[Outcome]) -> None:
        if self._bus is None:
            return
        for outcome in outcomes:
            if outcome.alert is not None:
                topic = ALERT_CREATED if outcome.action == "created" else ALERT_UPDATED
                self._bus.publish(topic, to_document(outcome.alert))

    def _log(self, outcomes: list[Outcome]) -> None:
        if not outcomes:
            return
        tally: Counter[str] = Counter(outcome.action for outcome in outcomes)
        # New alerts are worth a line; merges and suppressions come by the thousand.
        level = logging.INFO if tally["created"] else logging.DEBUG
        log.log(level, "alerts.sink", extra=fields(drafts=len(outcomes), **tally))


def _mergeable(alert: Alert, window: dt.timedelta, now: dt.datetime) -> bool:
    return alert.status in OPEN_STATUSES and now - alert.last_seen <= window


def new_alert(draft: AlertDraft, *, now: dt.datetime) -> Alert:
    """A new alert from `draft`, created at `now`."""
    return Alert(
        id=new_alert_id(),
        utctimestamp=now,
        rule_id=draft.rule_id,
        summary=draft.summary,
        category=draft.category,
        severity=draft.severity,
        tags=list(draft.tags),
        count=draft.count,
        events=list(draft.events[:MAX_SAMPLES]),
        dedup_key=draft.dedup_key,
        last_seen=now,
        url=draft.url,
        notify=draft.notify,
        channel=draft.channel,
        details=dict(draft.details),
    )


def merge(alert: Alert, draft: AlertDraft, *, now: dt.datetime) -> Alert:
    """`alert` with `draft` folded in: see the module's docstring for the rules."""
    known = {sample.id for sample in alert.events}
    fresh = [sample for sample in draft.events if sample.id not in known]
    repeated = len(draft.events) - len(fresh)
    higher = max(alert.severity, draft.severity, key=SEVERITIES.index)
    return replace(
        alert,
        count=alert.count + max(draft.count - repeated, 0),
        events=(alert.events + fresh)[:MAX_SAMPLES],
        last_seen=now,
        severity=higher,
        tags=alert.tags + [tag for tag in draft.tags if tag not in alert.tags],
    )
