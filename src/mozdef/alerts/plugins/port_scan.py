"""Add to port-scan alerts the connections their source made recently (MozDef's
port_scan_enrichment).

For a draft with one of `match_tags` and a `details.sourceipaddress`, the store is
searched for Zeek connection events (`category:bro`, `source:conn`) from that
address in the last `window`; `details.recentconnections` gets, newest first, up to
`max_connections` of them as `{destinationipaddress, destinationport, timestamp}`,
and `details.destinationports` the distinct ports among them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from mozdef.alerts.model import AlertDraft
from mozdef.alerts.plugins.base import BaseAlertPlugin
from mozdef.query.tree import Term, and_
from mozdef.store.base import EventStore, SearchRequest

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PortScanConnections(BaseAlertPlugin):
    name: ClassVar[str] = "port_scan_connections"

    def __init__(
        self,
        store: EventStore,
        *,
        match_tags: tuple[str, ...] = ("portscan",),
        window: dt.timedelta = dt.timedelta(hours=24),
        max_connections: int = 32,
        clock: Clock = _utc_now,
    ) -> None:
        self.store = store
        self.match_tags = match_tags
        self.window = window
        self.max_connections = max_connections
        self._clock = clock

    def on_alert(self, draft: AlertDraft) -> AlertDraft:
        source = draft.details.get("sourceipaddress")
        if not isinstance(source, str) or not set(self.match_tags) & set(draft.tags):
            return draft
        connections = [_connection(hit_source) for hit_source in self._recent(source)]
        ports = sorted(
            {c["destinationport"] for c in connections if c["destinationport"] is not None}, key=str
        )
        details = {**draft.details, "recentconnections": connections, "destinationports": ports}
        return dataclasses.replace(draft, details=details)

    def _recent(self, address: str) -> list[dict[str, Any]]:
        now = self._clock()
        query = and_(
            Term("category", "bro"),
            Term("source", "conn"),
            Term("details.sourceipaddress", address),
        )
        request = SearchRequest(
            query=query, start=now - self.window, end=now, size=self.max_connections
        )
        return [hit.source for hit in self.store.search(request).hits]


def _connection(event: Mapping[str, Any]) -> dict[str, Any]:
    details = event.get("details") or {}
    return {
        "destinationipaddress": details.get("destinationipaddress"),
        "destinationport": details.get("destinationport"),
        "timestamp": event.get("utctimestamp"),
    }
