"""MozDef's AlertTask on any EventStore: an alert written for MozDef runs once its
imports read `from mozdef.alerts import AlertTask` and `from mozdef.query import ...`.

    class AlertBruteforceSsh(AlertTask):
        def main(self):
            query = SearchQuery(minutes=2)
            query.add_must([TermMatch("details.program", "sshd"), PhraseMatch("summary", "failed")])
            self.filtersManual(query)
            self.searchEventsAggregated("details.sourceipaddress", samplesLimit=10)
            self.walkAggregations(threshold=10)

        def onAggregation(self, aggreg):
            summary = f"{aggreg['count']} ssh bruteforce attempts by {aggreg['value']}"
            return self.createAlertDict(summary, "bruteforce", ["ssh"], aggreg["events"])

What differs from MozDef, on purpose:
- Counts are exact: `searchEventsAggregated` counts with the store's terms aggregation
  (up to `aggregation_buckets` distinct values) and then fetches each bucket's events;
  MozDef counted the first 1,000 hits in Python. `aggreg['events']` holds up to
  `samplesLimit` events, `aggreg['allevents']` up to `allevents_limit`; each is
  fetched when first read by key (`aggreg['events']`); `walkAggregations` fetches
  `events` for the buckets it hands to `onAggregation`, so that `.get` sees them.
- Alerts are not written by the task: each alert dict becomes an AlertDraft that the
  engine suppresses, deduplicates and saves. Deduplication replaces MozDef's tagging
  of alerted events (`alert_names`): an aggregation's alert is keyed by its value, an
  event's by the event id, an `onNoEvent` alert by the rule alone; an alert dict may
  set its own `dedup_key`. `hookAfterInsertion` runs when the alert is raised, before
  the engine saves it, and `alert_ids` stays empty.
- Errors are not swallowed: a failing search or `main` fails the run, and the
  scheduler counts it.
- There is no `self.es` (MozDef's Elasticsearch client) nor `self.mqConn`: an alert
  that queries Elasticsearch or RabbitMQ itself, rather than through the methods
  above, needs those calls rewritten.
- The time window: MozDef's `events` and `events-previous` indices become every
  events index around the window (the query's window decides), so a run at any past
  `now` (back-testing) searches the right days. Events whose utctimestamp is more
  than a day outside the window are not searched even if their receivedtimestamp is
  inside it.
"""

from __future__ import annotations

import configparser
import copy
import datetime as dt
import inspect
import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

from mozdef.alerts.alert_dict import draft_from_alert_dict, notify_flag
from mozdef.alerts.model import AlertDraft
from mozdef.alerts.rule import Schedule
from mozdef.errors import RuleError
from mozdef.logfmt import fields
from mozdef.query.mozdef_compat import ExistsMatch, SearchQuery, TermMatch
from mozdef.query.reference import values_at
from mozdef.query.tree import Node, Term, and_
from mozdef.store.base import EventStore, Hit, SearchRequest, SearchResult
from mozdef.store.naming import EVENTS

log = logging.getLogger(__name__)

MozDefHit = dict[str, Any]
# MozDef's aliases for events indices; each becomes every events index in the window.
_EVENT_ALIASES = frozenset({EVENTS, f"{EVENTS}-previous", f"{EVENTS}-weekly"})
_SLACK = dt.timedelta(days=1)
_TERMS = "values"


class AggregationResult(dict[str, Any]):
    """MozDef's aggregation dict: `value`, `count`, `events`, `allevents`, `config`;
    `events` and `allevents` are fetched when first read by key."""

    def __init__(
        self, value: Any, count: int, load: Callable[[int], list[MozDefHit]], sizes: dict[str, int]
    ) -> None:
        super().__init__(value=value, count=count)
        self._load = load
        self._sizes = sizes

    def __missing__(self, key: str) -> Any:
        if key not in self._sizes:
            raise KeyError(key)
        self[key] = self._load(self._sizes[key])
        return self[key]

    def load_events(self) -> None:
        self.__getitem__("events")


class AlertTask:
    """Subclass it and write `main()`, and `onEvent`, `onAggregation` or `onNoEvent`."""

    # When the scheduler runs it; `None`: every 5 minutes (or as the rules config says).
    schedule: ClassVar[Schedule | None] = None
    # How long an open alert of this task absorbs alerts with the same dedup key.
    dedup_window: ClassVar[dt.timedelta] = dt.timedelta(hours=1)
    # Hits that searchEventsSimple returns, as MozDef's default search size.
    events_limit: ClassVar[int] = 1000
    allevents_limit: ClassVar[int] = 1000
    aggregation_buckets: ClassVar[int] = 10_000

    def __init__(self) -> None:
        self.alert_name = type(self).__name__
        self.main_query: SearchQuery | None = None
        self.alert_ids: list[str] = []
        self.events: list[MozDefHit] | None = None
        self.aggregations: list[AggregationResult] | None = None
        self.event_indices: list[str] = [EVENTS, f"{EVENTS}-previous"]
        self.config: Any = None
        # Where parse_config and parse_json_alert_config look; default: the class's folder.
        self.config_folder: Path | None = None
        self.rule_id = f"{type(self).__module__.rsplit('.', 1)[-1]}.{type(self).__name__}"
        self._store: EventStore | None = None
        self._now = dt.datetime.now(dt.UTC)
        self._lookback: dt.timedelta | None = None
        self._drafts: list[AlertDraft] = []

    def execute(
        self, store: EventStore, *, now: dt.datetime, lookback: dt.timedelta | None = None
    ) -> list[AlertDraft]:
        """Run `main()` against `store` as of `now`; `lookback` replaces the query's window."""
        self._store, self._now, self._lookback = store, now, lookback
        self._drafts = []
        self.main()
        return list(self._drafts)

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"{__name__}.{self.alert_name}")

    # What subclasses write.

    def main(self) -> None:
        """Build a query, search, and walk the results."""

    def onEvent(self, event: MozDefHit, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return None

    def onNoEvent(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return None

    def onAggregation(self, aggregation: AggregationResult) -> dict[str, Any] | None:
        return None

    def hookAfterInsertion(self, alert: dict[str, Any]) -> None:
        """Called with each alert dict once it is raised."""

    # MozDef's API.

    def classname(self) -> str:
        return type(self).__name__

    def determine_alert_classname(self) -> str:
        custom = getattr(self, "custom_alert_name", None)
        return custom if isinstance(custom, str) else self.classname()

    def parse_config(self, config_filename: str, config_keys: list[str]) -> None:
        """Read `config_keys` from the `[options]` section of an ini file beside the
        alert into `self.config`; a missing file or key reads as ''."""
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(self._config_path(config_filename))
        values = {key: parser.get("options", key, fallback="") for key in config_keys}
        self.config = SimpleNamespace(**values)

    def parse_json_alert_config(self, config_file: str) -> Any:
        path = self._config_path(config_file)
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise RuleError(f"cannot read JSON config: {error}", path=str(path)) from error

    def filtersManual(self, query: SearchQuery) -> None:
        # MozDef tagged alerted events with `alert_names`; events it tagged stay excluded.
        already_alerted = TermMatch("alert_names", self.determine_alert_classname())
        if already_alerted not in query.must_not:
            query.add_must_not(already_alerted)
        self.main_query = query

    def searchEventsSimple(self) -> None:
        result = self._store_search(self._node(), size=self.events_limit)
        self.events = [_mozdef_hit(hit) for hit in result.hits]

    def searchEventsAggregated(self, aggregationPath: str, samplesLimit: int = 5) -> None:
        query = self._query()
        exists = ExistsMatch(aggregationPath)
        if exists not in query.must:
            query.add_must(exists)
        node = self._node()
        terms = {"terms": {"field": aggregationPath, "size": self.aggregation_buckets}}
        answer = self._store_search(node, size=0, aggs={_TERMS: terms}).aggregations[_TERMS]
        if answer.get("sum_other_doc_count"):
            log.warning(
                "alerts.task.buckets_cut",
                extra=fields(rule=self.rule_id, left_out=answer["sum_other_doc_count"]),
            )
        self.aggregations = [
            self._aggregation(node, aggregationPath, bucket, samplesLimit)
            for bucket in answer["buckets"]
        ]

    def walkEvents(self, **kwargs: Any) -> None:
        events = self.events or []
        for event in events:
            alert = self.onEvent(event, **kwargs)
            if alert:
                self._raise(alert, count=1, dedup_key=str(event["_id"]))
        if not events:
            alert = self.onNoEvent(**kwargs)
            if alert:
                self._raise(alert, count=1, dedup_key="")

    def walkAggregations(self, threshold: int, config: Any = None) -> None:
        for aggregation in self.aggregations or []:
            if aggregation["count"] >= threshold:
                aggregation["config"] = config
                aggregation.load_events()
                alert = self.onAggregation(aggregation)
                if alert:
                    key = str(aggregation["value"])
                    self._raise(alert, count=aggregation["count"], dedup_key=key)

    def createAlertDict(
        self,
        summary: str,
        category: str,
        tags: list[str],
        events: list[MozDefHit],
        severity: str = "NOTICE",
        url: str | None = None,
        ircchannel: str | None = None,
        *,
        channel: str | None = None,
        notify_mozdefbot: bool | None = None,
    ) -> dict[str, Any]:
        alert: dict[str, Any] = {
            "utctimestamp": self._now.isoformat(),
            "severity": severity,
            "summary": summary,
            "category": category,
            "tags": tags,
            "events": [
                {
                    "documentindex": event["_index"],
                    "documentsource": event["_source"],
                    "documentid": event["_id"],
                }
                for event in events
            ],
            "channel": channel or ircchannel,
            "notify_mozdefbot": notify_mozdefbot,
            "classname": self.determine_alert_classname(),
        }
        if url:
            alert["url"] = url
        return alert

    def tagBotNotify(self, alert: dict[str, Any]) -> dict[str, Any]:
        if alert.get("notify_mozdefbot") is None:
            alert["notify_mozdefbot"] = notify_flag(alert)
        return alert

    def mostCommon(
        self, listofdicts: list[dict[str, Any]], dictkeypath: str
    ) -> list[tuple[Any, int]]:
        """The values at the dotted path in each dict, most common first, with counts."""
        counter: Counter[Any] = Counter()
        for item in listofdicts:
            counter.update(value for value in values_at(item, dictkeypath) if _hashable(value))
        return counter.most_common()

    # The machinery.

    def _raise(self, alert: dict[str, Any], *, count: int, dedup_key: str) -> None:
        alert = self.tagBotNotify(alert)
        self._drafts.append(
            draft_from_alert_dict(alert, rule_id=self.rule_id, count=count, dedup_key=dedup_key)
        )
        self.hookAfterInsertion(alert)

    def _query(self) -> SearchQuery:
        if self.main_query is None:
            raise RuleError("search before filtersManual(query)", rule_id=self.rule_id)
        return self.main_query

    def _window(self) -> dt.timedelta:
        return self._lookback or self._query().window

    def _node(self) -> Node:
        query = copy.copy(self._query())
        query.window = self._window()
        return query.node(now=self._now)

    def _store_search(
        self, node: Node, *, size: int, aggs: dict[str, Any] | None = None
    ) -> SearchResult:
        if self._store is None:
            raise RuleError(
                "the task runs only through execute(store, now=...)", rule_id=self.rule_id
            )
        window = self._window()
        request = SearchRequest(
            query=node,
            index=",".join(sorted({_target(name) for name in self.event_indices})),
            start=self._now - window - _SLACK if window else None,
            end=self._now + _SLACK if window else None,
            size=size,
            aggs=aggs,
        )
        return self._store.search(request)

    def _aggregation(
        self, node: Node, path: str, bucket: dict[str, Any], samples: int
    ) -> AggregationResult:
        term = Term(path, str(bucket.get("key_as_string", bucket["key"])))
        sizes = {"events": samples, "allevents": max(samples, self.allevents_limit)}

        def load(size: int) -> list[MozDefHit]:
            hits = self._store_search(and_(node, term), size=size).hits
            return [_mozdef_hit(hit) for hit in hits]

        return AggregationResult(bucket["key"], int(bucket["doc_count"]), load, sizes)

    def _config_path(self, name: str) -> Path:
        folder = self.config_folder or Path(inspect.getfile(type(self))).parent
        return folder / name


def _target(index: str) -> str:
    return f"{EVENTS}-*" if index in _EVENT_ALIASES else index


def _mozdef_hit(hit: Hit) -> MozDefHit:
    return {
        "_id": hit.id,
        "_index": hit.index,
        "_type": "_doc",
        "_score": 0.0,
        "_source": hit.source,
    }


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
