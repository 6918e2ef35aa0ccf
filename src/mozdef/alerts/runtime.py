"""The alert engine inside the worker process of `mozdef serve`.

It lives beside the store's writer because alerts are documents of the store:
streaming rules see each batch of events right after the pipeline, scheduled rules
run on their own thread, and both hand their drafts to one sink. Alerts become
searchable at the worker's next commit, like events.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence

from mozdef.alerts.catalog import settings_catalog
from mozdef.alerts.engine import AlertSink
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.rules.loader import scheduled, streaming
from mozdef.alerts.scheduler import Scheduler
from mozdef.alerts.store import AlertStore
from mozdef.alerts.streaming import StreamingEngine
from mozdef.alerts.suppressions import SuppressionStore
from mozdef.appdb import AppDb
from mozdef.config.settings import Settings
from mozdef.events.schema import Event
from mozdef.logfmt import fields
from mozdef.store.base import EventStore

logger = logging.getLogger(__name__)


class AlertRuntime:
    def __init__(self, settings: Settings, store: EventStore) -> None:
        catalog = settings_catalog(settings.alerts)
        for problem in catalog.problems:
            logger.warning("alerts.rule_problem", extra=fields(problem=str(problem)))
        database = AppDb.from_settings(settings)
        self.sink = AlertSink(
            AlertStore(store, commit=False), suppressions=SuppressionStore(database)
        )
        live = streaming(catalog.rules)
        self.engine = StreamingEngine(live)
        self.scheduler = Scheduler(
            scheduled(catalog.rules), store, self.sink, RuleStateStore(database)
        )
        self._windows = {rule.meta.id: rule.meta.dedup_window for rule in catalog.rules}
        loaded = fields(
            rules=len(catalog.rules), streaming=len(live), problems=len(catalog.problems)
        )
        logger.info("alerts.loaded", extra=loaded)

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()

    def on_events(self, events: Sequence[Event]) -> None:
        """Run the streaming rules over a batch of stored events."""
        drafts = self.engine.process_many(events)
        by_window: dict[dt.timedelta, list[AlertDraft]] = defaultdict(list)
        for draft in drafts:
            by_window[self._windows.get(draft.rule_id, dt.timedelta(hours=1))].append(draft)
        for window, group in by_window.items():
            self.sink.submit_many(group, dedup_window=window)
