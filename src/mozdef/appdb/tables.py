"""The application database's tables, as SQLAlchemy Core metadata.

The migrations under `migrations/versions` create and change these tables; this
module describes their current shape for queries. A change here needs a new
migration beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC time in and out, whatever the database keeps: SQLite keeps no
    zone, so times are written there as naive UTC and read back as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        utc = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


rule_state = Table(
    "rule_state",
    metadata,
    Column("rule_id", String(255), primary_key=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("last_run", UtcDateTime, nullable=True),
    Column("next_run", UtcDateTime, nullable=True),
    Column("last_duration", Float, nullable=True),
    Column("last_hits", Integer, nullable=False, default=0),
    Column("total_runs", Integer, nullable=False, default=0),
    Column("total_failures", Integer, nullable=False, default=0),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("updated", UtcDateTime, nullable=True),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("rule_id", String(255), nullable=True, index=True),
    Column("query", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime, nullable=True),
    Column("hits", Integer, nullable=False, default=0),
    Column("last_hit", UtcDateTime, nullable=True),
)

# One row per (rule, tick) that some alerts process ran: inserting it is the claim,
# so among several processes exactly one runs each tick of a scheduled rule.
rule_claims = Table(
    "rule_claims",
    metadata,
    Column("rule_id", String(255), primary_key=True),
    Column("tick", UtcDateTime, primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("claimed", UtcDateTime, nullable=False),
)

# Status changes asked for by a process that does not write alerts (the web app of
# `mozdef serve`), applied in order by the one that does; `result` is the alert's
# document after the change, `error` why it was refused.
alert_changes = Table(
    "alert_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("note", Text, nullable=False),
    Column("requested", UtcDateTime, nullable=False),
    Column("applied", UtcDateTime, nullable=True, index=True),
    Column("result", Text, nullable=True),
    Column("error", Text, nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("created", UtcDateTime, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    # `issuer|subject` of the OpenID Connect identity the user was made for; a
    # login through OIDC reaches only the user bound to its identity.
    Column("external_id", String(512), nullable=True),
    Index("ix_users_external_id", "external_id", unique=True),
)

# Tokens and session ids are kept as SHA-256 hashes only.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime, nullable=True),
    Column("last_used", UtcDateTime, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(128), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(128), nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("actor", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(255), nullable=False),
    Column("details", Text, nullable=False),
)
