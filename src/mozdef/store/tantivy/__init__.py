"""The embedded event store: one tantivy index per day under one folder."""

from mozdef.store.tantivy.store import TantivyStore

__all__ = ["TantivyStore"]
