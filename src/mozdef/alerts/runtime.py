"""The alert engine, where it runs: beside the store's writer.

Alerts are documents of the store, so the engine runs where the store is written:
- in the worker process of `mozdef serve` (and an embedded `mozdef worker`), all of
  it: streaming rules see each batch of events right after the pipeline, scheduled
  rules run on their own thread, and both hand their drafts to one sink. Alerts are
  committed with the worker's events, or by a one-second pass here when alerts were
  written while no events came in (a deadman alert, a status change);
- in scale-out on OpenSearch, where many processes may write: `mozdef worker` runs
  the streaming rules only, and `mozdef alerts` the scheduled ones, each run claimed
  in the application database so that one process runs it (mozdef.alerts.claims).
  Every alert write is committed (refreshed) at once there.

Status changes asked for by the web process arrive through the application
database (mozdef.alerts.changes) and are applied here, through the sink's own
AlertStore. Each pass of changes commits the store at once: the worker commits only
after a batch of events, and a change made while no events come in would otherwise
stay unsearchable.

Rules switched off at run time (the `enabled` flag of their rule state) stop: the
scheduler reads the flags of scheduled rules; streaming rules are read here every
`flags_seconds` and the streaming engine is rebuilt without the disabled ones, so
that a batch of events costs the same as before when none is disabled. The rule
objects are kept, and a windowed rule switched on again still holds the state it
had when it was switched off. What the streaming rules do is kept in their rule
state every few seconds, and one that keeps failing is disabled at once
(mozdef.alerts.streaming.record).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Sequence

from mozdef.alerts.amqp_publisher import AmqpAlertPublisher
from mozdef.alerts.bus import MemoryBus
from mozdef.alerts.catalog import settings_catalog
from mozdef.alerts.changes import ChangeApplier
from mozdef.alerts.claims import Claims
from mozdef.alerts.detections import DetectionServices
from mozdef.alerts.detections.health import HealthSource
from mozdef.alerts.detections.localities import AppDbLocalities
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import StreamingRule
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.rules.loader import scheduled, streaming
from mozdef.alerts.scheduler import Scheduler
from mozdef.alerts.setup import alert_plugins, dispatcher
from mozdef.alerts.store import AlertStore
from mozdef.alerts.streaming import StreamingEngine
from mozdef.alerts.streaming.record import StreamingRecord
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.backends import shared_writes
from mozdef.blocklist import DbWatchList, settings_blocklist
from mozdef.bus import SharedBus
from mozdef.config.settings import Settings
from mozdef.events.schema import Event
from mozdef.logfmt import fields
from mozdef.store.base import EventStore

logger = logging.getLogger(__name__)


COMMIT_SECONDS = 1.0
# How often block and watch list entries past their expiry are marked expired (and
# withdrawn from a firewall told of them); reads already leave them out at once.
LIST_PRUNE_SECONDS = 60.0


class AlertRuntime:
    def __init__(
        self,
        settings: Settings,
        store: EventStore,
        *,
        run_streaming: bool = True,
        run_scheduled: bool = True,
        claims: Claims | None = None,
        health: HealthSource | None = None,
        flags_seconds: float = 5.0,
        database: AppDb | None = None,
    ) -> None:
        # A database the caller opened (to share its connections) is the caller's to close.
        self._owns_database = database is None
        if database is None:
            database = AppDb.from_settings(settings)
        self.database = database
        services = DetectionServices(
            watch_list=DbWatchList(
                database, refresh_seconds=settings.blocklist.watch_refresh_seconds
            ),
            localities=AppDbLocalities(database),
            health=health,
        )
        catalog = settings_catalog(settings.alerts, services=services)
        for problem in catalog.problems:
            logger.warning("alerts.rule_problem", extra=fields(problem=str(problem)))
        self._store = store
        # With one writer, alerts are committed with the events; with many, at once.
        # Alert messages go to this process's subscribers (actions, RabbitMQ) in full,
        # and to the web app's browsers, in whatever process, through the
        # application database (trimmed to the alert's summary fields).
        self.bus = SharedBus(database)
        self.local_bus = MemoryBus()
        self.local_bus.subscribe(self.bus.publish)
        self.alerts = AlertStore(store, bus=self.local_bus, commit=shared_writes(settings))
        self.sink = AlertSink(
            self.alerts,
            suppressions=SuppressionStore(database),
            plugins=alert_plugins(settings.alerts, store),
            bus=self.local_bus,
            rebuild_in_background=True,
        )
        self.lists = settings_blocklist(database, settings.blocklist, bus=self.bus)
        self.dispatcher = dispatcher(
            settings.alerts, database, self.local_bus, block_list=self.lists.block_list
        )
        self.amqp: AmqpAlertPublisher | None = None
        if settings.queue.backend == "rabbitmq":
            self.amqp = AmqpAlertPublisher(settings.queue)
            self.amqp.subscribe(self.local_bus)
        self.changes = ChangeApplier(database, self.alerts, on_applied=store.commit)
        self._states = RuleStateStore(database)
        self._streaming = streaming(catalog.rules) if run_streaming else []
        self._disabled = self._read_disabled()
        self.engine = self._engine()
        self._record = StreamingRecord(self._states, self.sink)
        rules = scheduled(catalog.rules) if run_scheduled else []
        self.scheduler = Scheduler(rules, store, self.sink, self._states, claims=claims)
        self._windows = {rule.meta.id: rule.meta.dedup_window for rule in catalog.rules}
        self._flags_seconds = flags_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        loaded = fields(
            rules=len(catalog.rules),
            streaming=len(self._streaming),
            scheduled=len(rules),
            disabled=len(self._disabled),
            problems=len(catalog.problems),
        )
        logger.info("alerts.loaded", extra=loaded)

    def start(self) -> None:
        self.bus.start(read=False)
        if self.dispatcher is not None:
            self.dispatcher.start()
        if self.amqp is not None:
            self.amqp.start()
        self.scheduler.start()
        self.changes.start()
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._watch_flags, name="mozdef-rule-flags", daemon=True),
            threading.Thread(target=self._commit_alerts, name="mozdef-alert-commits", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads = []
        self.changes.stop()
        self.scheduler.stop()
        self.commit_pending()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self.amqp is not None:
            self.amqp.stop()
        self.lists.close()
        self.bus.stop()
        if self._owns_database:
            self.database.close()

    def commit_pending(self) -> bool:
        """Commit the store if alerts were written since the last commit; answers
        whether it did."""
        if not self.alerts.take_uncommitted():
            return False
        self._store.commit()
        return True

    def on_events(self, events: Sequence[Event]) -> None:
        """Run the streaming rules over a batch of stored events."""
        drafts = self.engine.process_many(events)
        by_window: dict[dt.timedelta, list[AlertDraft]] = defaultdict(list)
        for draft in drafts:
            by_window[self._windows.get(draft.rule_id, dt.timedelta(hours=1))].append(draft)
        for window, group in by_window.items():
            self.sink.submit_many(group, dedup_window=window)
        if self._record.after_batch(self.engine):
            self.refresh_flags()

    def refresh_flags(self) -> bool:
        """Read the enabled flags of the streaming rules and, when they changed, rebuild
        the streaming engine without the disabled ones; answers whether it did."""
        disabled = self._read_disabled()
        if disabled == self._disabled:
            return False
        self._disabled = disabled
        self.engine = self._engine()
        logger.info(
            "alerts.streaming_rules_changed",
            extra=fields(disabled=",".join(sorted(disabled)) or "none"),
        )
        return True

    def _read_disabled(self) -> frozenset[str]:
        ids = {rule.meta.id for rule in self._streaming}
        states = self._states.all()
        return frozenset(
            rule_id for rule_id in ids if rule_id in states and not states[rule_id].enabled
        )

    def _engine(self) -> StreamingEngine:
        live: list[StreamingRule] = [
            rule for rule in self._streaming if rule.meta.id not in self._disabled
        ]
        return StreamingEngine(live)

    def _commit_alerts(self) -> None:
        pruned = time.monotonic()
        while not self._stop.wait(COMMIT_SECONDS):
            try:
                self.commit_pending()
            except Exception:
                logger.exception("alerts.commit_failed")
            if time.monotonic() - pruned >= LIST_PRUNE_SECONDS:
                pruned = time.monotonic()
                self.prune_lists()

    def prune_lists(self) -> None:
        """Expire block and watch list entries past their time; trouble is logged."""
        try:
            expired = len(self.lists.blocks.prune()) + self.lists.watches.prune()
        except Exception:
            logger.exception("alerts.list_prune_failed")
            return
        if expired:
            logger.info("alerts.lists_pruned", extra=fields(expired=expired))

    def _watch_flags(self) -> None:
        failing = False
        while not self._stop.wait(self._flags_seconds):
            try:
                self.refresh_flags()
                failing = False
            except Exception:
                # The application database went away: the rules keep their last flags.
                if not failing:
                    logger.exception("alerts.rule_flags_failed")
                failing = True
