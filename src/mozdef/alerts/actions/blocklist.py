"""The IP block list as alert actions see it, and an in-memory one for tests.

The real block list arrives with the web application (stored in the application
database, with protected ranges it refuses to block); actions only call `add`. An
implementation refusing an address raises ActionError with `retryable=False`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from dataclasses import dataclass
from typing import Protocol


class BlockList(Protocol):
    def add(self, address: str, reason: str, by: str, expires: dt.datetime | None) -> None: ...


@dataclass(frozen=True)
class BlockEntry:
    address: str
    reason: str
    by: str
    expires: dt.datetime | None


class MemoryBlockList:
    """Keeps entries in a dict keyed by address; a second add replaces the first."""

    def __init__(self) -> None:
        self._entries: dict[str, BlockEntry] = {}
        self._lock = threading.Lock()

    def add(self, address: str, reason: str, by: str, expires: dt.datetime | None) -> None:
        canonical = str(ipaddress.ip_address(address))
        with self._lock:
            self._entries[canonical] = BlockEntry(canonical, reason, by, expires)

    def entries(self) -> list[BlockEntry]:
        with self._lock:
            return sorted(self._entries.values(), key=lambda entry: entry.address)
