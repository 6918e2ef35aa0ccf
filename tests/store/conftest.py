"""The stores under test: every behaviour test of the EventStore seam runs on each.

A backend joins by adding one entry to `STORE_FACTORIES`: a name and a function that
opens an empty store in a folder with a clock.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mozdef.store.base import EventStore
from mozdef.store.memory import MemoryStore

Clock = Callable[[], dt.datetime]
StoreFactory = Callable[[Path, Clock], EventStore]


def _memory(folder: Path, clock: Clock) -> EventStore:
    return MemoryStore(clock=clock)


def _tantivy(folder: Path, clock: Clock) -> EventStore:
    store_class: Any = importlib.import_module("mozdef.store.tantivy").TantivyStore
    store: EventStore = store_class(folder, clock=clock)
    return store


def _tantivy_available() -> bool:
    try:
        return hasattr(importlib.import_module("mozdef.store.tantivy"), "TantivyStore")
    except ImportError:
        return False


STORE_FACTORIES: list[tuple[str, StoreFactory]] = [("memory", _memory)]
if _tantivy_available():
    STORE_FACTORIES.append(("tantivy", _tantivy))


@pytest.fixture(
    scope="module",
    params=[factory for _, factory in STORE_FACTORIES],
    ids=[name for name, _ in STORE_FACTORIES],
)
def store_factory(request: pytest.FixtureRequest) -> StoreFactory:
    factory: StoreFactory = request.param
    return factory
