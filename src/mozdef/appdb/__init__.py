"""The application's own database: rule state, suppressions (SQLite or PostgreSQL)."""

from mozdef.appdb.db import AppDb, default_url

__all__ = ["AppDb", "default_url"]
