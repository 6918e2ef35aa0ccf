"""The stores under test: every behaviour test of the EventStore seam runs on each.

A backend joins by adding one entry to `STORE_FACTORIES`: a name and a function that
opens an empty store in a folder with a clock.

OpenSearch runs as a real node (scripts/opensearch.sh start) whose URL the test command
exports as MOZDEF_TEST_OPENSEARCH_URL. Without that variable the OpenSearch cases fail,
saying how to start the node: a backend that is not tested must not look tested.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import uuid
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


OPENSEARCH_URL_VARIABLE = "MOZDEF_TEST_OPENSEARCH_URL"


def opensearch_url() -> str:
    """The test node's URL; fails the calling test when the node was not started."""
    url = os.environ.get(OPENSEARCH_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{OPENSEARCH_URL_VARIABLE} is not set: run `scripts/opensearch.sh start` and export "
            f"{OPENSEARCH_URL_VARIABLE}=http://127.0.0.1:9200 (scripts/test.sh does both)"
        )
    return url


def fresh_prefix() -> str:
    """An index prefix no other test uses, so tests never see each other's data."""
    return f"t{uuid.uuid4().hex[:12]}-"


def _opensearch(folder: Path, clock: Clock) -> EventStore:
    from mozdef.store.opensearch import OpenSearchStore

    return OpenSearchStore(opensearch_url(), prefix=fresh_prefix(), clock=clock, replicas=0)


STORE_FACTORIES: list[tuple[str, StoreFactory]] = [("memory", _memory), ("opensearch", _opensearch)]
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
