"""Alerts kept in the event store: the `alerts-YYYYMM` indices, searchable like events.

An alert is one document, id for id; an update (a merge, a status change) indexes the
whole document again with `replace=True`. The document keeps MozDef's field names
(see mozdef.alerts.model) and adds `rule_id`, `count`, `dedup_key`, `last_seen`,
`status` and `history`. Times are written as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, one
fixed width, so that they also sort and compare as strings.

Reads see this process's own writes at once: the last version of each alert written
here is kept until the store is committed by this object (or, with `commit=False`,
until it falls out of a bounded cache of recent writes). Searches see committed
alerts only. One process writes alerts, through one AlertStore, so that
read-modify-write updates (`update`, `set_status`) are serialized by its lock.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mozdef.alerts.bus import ALERT_STATUS, Bus
from mozdef.alerts.model import (
    SEVERITIES,
    STATUSES,
    Alert,
    EventSample,
    Severity,
    Status,
    StatusChange,
)
from mozdef.errors import AlertError, AlertNotFoundError, StorageError
from mozdef.query.datemath import parse_instant
from mozdef.query.lucene import parse
from mozdef.query.tree import MatchAll, Node, Term, and_, or_
from mozdef.store.base import EventStore, IndexedDoc, SearchRequest, SortOrder
from mozdef.store.naming import ALERTS

# Which status may follow which; a closed alert can be reopened as new.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    "new": ("acknowledged", "escalated", "closed"),
    "acknowledged": ("escalated", "closed"),
    "escalated": ("acknowledged", "closed"),
    "closed": ("new",),
}
RECENT_WRITES = 10_000
_PAGE = 1000


@dataclass(frozen=True)
class AlertPage:
    total: int
    alerts: list[Alert]


def new_alert_id() -> str:
    return uuid.uuid4().hex


def format_time(moment: dt.datetime) -> str:
    """`moment` in UTC at a fixed width, so that stored times also compare as strings."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class AlertStore:
    def __init__(
        self,
        store: EventStore,
        *,
        bus: Bus | None = None,
        commit: bool = True,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._store = store
        self._bus = bus
        self._commit = commit
        self._clock = clock
        # Held by every read-modify-write of an alert; the engine holds it too.
        self.lock = threading.RLock()
        self._recent: OrderedDict[str, Alert] = OrderedDict()
        # Set by a write not yet committed (with `commit=False`); whoever commits the
        # store clears it first (see `take_uncommitted`).
        self._uncommitted = False

    def save(self, alert: Alert) -> None:
        self.save_many([alert])

    def save_many(self, alerts: Sequence[Alert]) -> None:
        """Index `alerts` (replacing earlier versions) and, by default, commit once."""
        docs = [IndexedDoc(alert.id, to_document(alert), index=ALERTS) for alert in alerts]
        with self.lock:
            failures = self._store.index(docs, replace=True)
            if failures:
                first = failures[0]
                raise StorageError(f"alert {first.id} was not stored: {first.reason}")
            for alert in alerts:
                self._remember(alert)
            if self._commit:
                self._store.commit()
                self._recent.clear()
            else:
                self._uncommitted = True

    def take_uncommitted(self) -> bool:
        """Whether alerts were written since the last call, clearing the mark: call it
        right before committing the store, so that a write racing the commit marks
        again and is committed next time."""
        with self.lock:
            uncommitted, self._uncommitted = self._uncommitted, False
            return uncommitted

    def find(self, alert_id: str) -> Alert | None:
        with self.lock:
            recent = self._recent.get(alert_id)
        if recent is not None:
            return recent
        request = SearchRequest(query=Term("id", alert_id), index=ALERTS, size=1)
        hits = self._store.search(request).hits
        return from_document(hits[0].id, hits[0].source) if hits else None

    def get(self, alert_id: str) -> Alert:
        found = self.find(alert_id)
        if found is None:
            raise AlertNotFoundError(alert_id)
        return found

    def update(self, alert_id: str, change: Callable[[Alert], Alert | None]) -> Alert | None:
        """Apply `change` to the current alert and save its answer, atomically among
        this store's writers; `change` returning None leaves the alert as it is."""
        with self.lock:
            changed = change(self.get(alert_id))
            if changed is not None:
                self.save(changed)
            return changed

    def set_status(
        self,
        alert_id: str,
        status: Status,
        *,
        by: str,
        note: str = "",
        now: dt.datetime | None = None,
    ) -> Alert:
        """Move the alert to `status`, recording who, when and why in its history."""
        entry = StatusChange(status=status, by=by, at=now or self._clock(), note=note)
        changed = self.update(alert_id, lambda alert: _with_status(alert, entry))
        assert changed is not None  # _with_status answers an alert or raises
        if self._bus is not None:
            self._bus.publish(ALERT_STATUS, to_document(changed))
        return changed

    def search(
        self,
        query: Node | str = "",
        *,
        status: Sequence[Status] = (),
        rule_id: str | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        size: int = 50,
        offset: int = 0,
        sort: tuple[tuple[str, SortOrder], ...] = (("utctimestamp", "desc"),),
    ) -> AlertPage:
        """Committed alerts matching `query` (Lucene or a tree), newest first by default;
        `start` and `end` bound the alert's creation time, `[start, end)`."""
        node = _filtered(parse(query) if isinstance(query, str) else query, status, rule_id)
        request = SearchRequest(
            query=node, start=start, end=end, index=ALERTS, size=size, offset=offset, sort=sort
        )
        result = self._store.search(request)
        return AlertPage(result.total, [from_document(hit.id, hit.source) for hit in result.hits])

    def open_alerts(self, *, limit: int = 10_000) -> list[Alert]:
        """Up to `limit` alerts whose status is open, the most recently created first."""
        found: list[Alert] = []
        while len(found) < limit:
            size = min(_PAGE, limit - len(found))
            page = self.search(
                status=("new", "acknowledged", "escalated"), size=size, offset=len(found)
            )
            found.extend(page.alerts)
            if len(page.alerts) < size:
                break
        return found

    def _remember(self, alert: Alert) -> None:
        self._recent[alert.id] = alert
        self._recent.move_to_end(alert.id)
        while len(self._recent) > RECENT_WRITES:
            self._recent.popitem(last=False)


def _with_status(alert: Alert, entry: StatusChange) -> Alert:
    allowed = TRANSITIONS[alert.status]
    if entry.status not in allowed:
        raise AlertError(
            alert.id,
            f"cannot go from {alert.status} to {entry.status}; allowed: {', '.join(allowed)}",
        )
    return replace(alert, status=entry.status, history=[*alert.history, entry])


def _filtered(node: Node, status: Sequence[Status], rule_id: str | None) -> Node:
    clauses: list[Node] = [] if isinstance(node, MatchAll) else [node]
    if status:
        clauses.append(or_(*(Term("status", value) for value in status)))
    if rule_id is not None:
        clauses.append(Term("rule_id", rule_id))
    return and_(*clauses) if clauses else MatchAll()


def to_document(alert: Alert) -> dict[str, Any]:
    """The stored document of `alert`, in MozDef's field names where MozDef had one."""
    doc: dict[str, Any] = {
        "id": alert.id,
        "utctimestamp": format_time(alert.utctimestamp),
        "severity": alert.severity,
        "summary": alert.summary,
        "category": alert.category,
        "tags": list(alert.tags),
        "events": [
            {"documentid": s.id, "documentindex": s.index, "documentsource": s.source}
            for s in alert.events
        ],
        "notify_mozdefbot": alert.notify,
        "ircchannel": alert.channel,
        "details": alert.details,
        "rule_id": alert.rule_id,
        "count": alert.count,
        "dedup_key": alert.dedup_key,
        "last_seen": format_time(alert.last_seen),
        "status": alert.status,
        "history": [_change_document(change) for change in alert.history],
    }
    if alert.url:
        doc["url"] = alert.url
    return doc


def from_document(alert_id: str, source: dict[str, Any]) -> Alert:
    """The alert stored as `source`; tolerant of MozDef's alerts, which lack our fields."""
    created = _time(source.get("utctimestamp")) or dt.datetime.fromtimestamp(0, dt.UTC)
    samples = [_sample(item) for item in source.get("events") or [] if isinstance(item, dict)]
    status = source.get("status")
    return Alert(
        id=alert_id,
        utctimestamp=created,
        rule_id=str(source.get("rule_id") or source.get("classname") or ""),
        summary=str(source.get("summary", "")),
        category=str(source.get("category", "")),
        severity=_severity(source.get("severity")),
        tags=[str(tag) for tag in source.get("tags") or []],
        count=int(source.get("count") or len(samples) or 1),
        events=samples,
        dedup_key=str(source.get("dedup_key", "")),
        last_seen=_time(source.get("last_seen")) or created,
        status=status if status in STATUSES else "new",
        history=[_change(item) for item in source.get("history") or []],
        url=source.get("url"),
        notify=bool(source.get("notify_mozdefbot", False)),
        channel=source.get("ircchannel") or source.get("channel"),
        details=dict(source.get("details") or {}),
    )


def _severity(value: object) -> Severity:
    for severity in SEVERITIES:
        if str(value).upper() == severity:
            return severity
    return "NOTICE"


def _change_document(change: StatusChange) -> dict[str, Any]:
    return {
        "status": change.status,
        "by": change.by,
        "at": format_time(change.at),
        "note": change.note,
    }


def _change(item: dict[str, Any]) -> StatusChange:
    at = _time(item.get("at")) or dt.datetime.fromtimestamp(0, dt.UTC)
    return StatusChange(
        status=item["status"], by=str(item.get("by", "")), at=at, note=str(item.get("note", ""))
    )


def _sample(item: dict[str, Any]) -> EventSample:
    source = item.get("documentsource")
    return EventSample(
        id=str(item.get("documentid", "")),
        index=str(item.get("documentindex", "")),
        source=source if isinstance(source, dict) else {},
    )


def _time(value: object) -> dt.datetime | None:
    return parse_instant(value) if isinstance(value, str) else None
