"""The backends a deployment chooses, opened from the settings.

Every process (`mozdef serve`, `intake`, `worker`, `alerts`, `web`) opens its queue,
event store and application database here, so that the choice is made in one place:
`queue.backend` embedded | rabbitmq, `store.backend` tantivy | opensearch | memory,
and `database.url` (SQLite in the data folder when empty, or PostgreSQL).
The RabbitMQ and OpenSearch clients are imported only when chosen.
"""

from __future__ import annotations

import time

from mozdef.config.settings import Settings
from mozdef.errors import ConfigError, StoreLockedError
from mozdef.queue.base import QueueConsumer, QueuePublisher
from mozdef.store.base import EventStore

# A worker of a killed server may still hold the tantivy writer lock for a moment.
_LOCK_WAIT_SECONDS = 30.0


def open_store(settings: Settings, *, writer: bool) -> EventStore:
    """The configured event store; `writer` asks for the right to write (tantivy has
    one writer per data folder and waits briefly for a previous holder to let go)."""
    store = settings.store
    if store.backend == "opensearch":
        from mozdef.store.opensearch import OpenSearchStore

        return OpenSearchStore(
            store.opensearch_url,
            prefix=store.opensearch_prefix,
            shards=store.opensearch_shards,
            replicas=store.opensearch_replicas,
            repository=store.opensearch_repository or None,
            codec=store.opensearch_codec,
            event_fields=store.opensearch_event_fields,
        )
    if store.backend == "memory":
        from mozdef.store.memory import MemoryStore

        return MemoryStore()
    if store.backend == "tantivy":
        return _tantivy(settings, writer=writer)
    raise ConfigError("store.backend", store.backend, "one of tantivy, opensearch, memory")


def shared_writes(settings: Settings) -> bool:
    """Whether several processes may write the store at once (not so for tantivy)."""
    return settings.store.backend == "opensearch"


def open_publisher(settings: Settings) -> QueuePublisher:
    """The intake's side of the configured queue."""
    queue = settings.queue
    if queue.backend == "rabbitmq":
        from mozdef.queue.rabbitmq import RabbitMqPublisher

        return RabbitMqPublisher(queue)
    if queue.backend == "embedded":
        from mozdef.queue.spool import SpoolWriter

        return SpoolWriter(
            settings.spool_dir,
            segment_bytes=settings.spool.segment_bytes,
            max_pending_bytes=settings.spool.max_pending_bytes,
            fsync=settings.spool.fsync,
        )
    raise ConfigError("queue.backend", queue.backend, "one of embedded, rabbitmq")


def open_consumer(settings: Settings) -> QueueConsumer:
    """A worker's side of the configured queue."""
    queue = settings.queue
    if queue.backend == "rabbitmq":
        from mozdef.queue.rabbitmq import RabbitMqConsumer

        return RabbitMqConsumer(queue)
    if queue.backend == "embedded":
        from mozdef.queue.spool import SpoolReader

        return SpoolReader(settings.spool_dir, max_pending_bytes=settings.spool.max_pending_bytes)
    raise ConfigError("queue.backend", queue.backend, "one of embedded, rabbitmq")


def _tantivy(settings: Settings, *, writer: bool) -> EventStore:
    from mozdef.store.tantivy import TantivyStore

    if not writer:
        return TantivyStore(settings.store_dir, writer=False)
    deadline = time.monotonic() + _LOCK_WAIT_SECONDS
    while True:
        try:
            return TantivyStore(
                settings.store_dir,
                writer=True,
                writer_heap_bytes=settings.store.writer_heap_bytes,
            )
        except StoreLockedError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)
