"""Who is viewing or editing which incident, as every web process learns it.

A browser on an incident's page tells its web process so over the live socket
(mozdef.web.live), and again at least every `PRESENCE_SECONDS`; the process
publishes it on the bus (topic `presence`) so that every web process, and through
them every browser following the topic, knows it. The payload:

    {"connection": "5f0c...", "user": "alice", "incident": "i-42" | null,
     "editing": "summary" | null, "expires": "2026-12-04T10:00:30Z"}

`incident` null means the connection left (it closed, or its page moved on). An
entry that is not refreshed lapses at `expires`, so a browser whose web process
died without a word drops out within `PRESENCE_SECONDS`; browsers drop it by the
same time. `PresenceBoard` keeps the live entries of one process, so that a browser
that starts following `presence` learns who is there already.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mozdef.bus.message import Message

PRESENCE_SECONDS = 30.0
# The longest incident id or field name a presence may carry.
MAX_NAME = 64

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Presence:
    connection: str
    user: str
    incident: str | None
    editing: str | None
    expires: dt.datetime

    def payload(self) -> dict[str, Any]:
        return {
            "connection": self.connection,
            "user": self.user,
            "incident": self.incident,
            "editing": self.editing,
            "expires": self.expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }


def presence_from(payload: Mapping[str, Any]) -> Presence:
    """The presence a `presence` message carries; raises ValueError naming the field
    that is missing or wrong."""
    texts = {name: payload.get(name) for name in ("connection", "user", "expires")}
    for name, value in texts.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"presence: {name}: expected a non-empty string, found {value!r}")
    incident, editing = payload.get("incident"), payload.get("editing")
    for name, value in (("incident", incident), ("editing", editing)):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"presence: {name}: expected a string or null, found {value!r}")
    expires = dt.datetime.fromisoformat(str(texts["expires"]).replace("Z", "+00:00"))
    return Presence(str(texts["connection"]), str(texts["user"]), incident, editing, expires)


class PresenceBoard:
    """The live presences heard on the bus; a bus listener (`record`), thread-safe."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[str, Presence] = {}
        self._lock = threading.Lock()

    def record(self, message: Message) -> None:
        """Keep (or forget) the presence `message` carries; a malformed one raises
        ValueError (the bus logs and counts it)."""
        presence = presence_from(message.payload)
        with self._lock:
            if presence.incident is None:
                self._entries.pop(presence.connection, None)
            else:
                self._entries[presence.connection] = presence

    def current(self, *, incident: str | None = None) -> list[Presence]:
        """The presences not lapsed, on `incident` or on any, by user and connection."""
        now = self._clock()
        with self._lock:
            for key in [k for k, entry in self._entries.items() if entry.expires <= now]:
                del self._entries[key]
            live = list(self._entries.values())
        chosen = [p for p in live if incident is None or p.incident == incident]
        return sorted(chosen, key=lambda p: (p.user, p.connection))
