"""The EventStore on OpenSearch, for deployments that outgrow one machine."""

from mozdef.store.opensearch.store import OpenSearchStore

__all__ = ["OpenSearchStore"]
