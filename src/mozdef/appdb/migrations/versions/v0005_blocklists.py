"""The IP and FQDN block list with its history, the protected ranges admins add, and
the watch list.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _lifecycle() -> list[sa.Column[Any]]:
    return [
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(255), nullable=True),
        sa.Column("update_reason", sa.Text, nullable=True),
        sa.Column("removed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(255), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "blocklist_entries",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("ip_version", sa.Integer, nullable=True),
        sa.Column("low", sa.String(32), nullable=True),
        sa.Column("high", sa.String(32), nullable=True),
        *_lifecycle(),
    )
    op.create_index("ix_blocklist_entries_kind_state", "blocklist_entries", ["kind", "state"])
    op.create_index("ix_blocklist_entries_value", "blocklist_entries", ["value"])
    op.create_index(
        "ix_blocklist_entries_range", "blocklist_entries", ["ip_version", "low", "high"]
    )
    op.create_table(
        "blocklist_protected",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("network", sa.String(64), nullable=False, unique=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "watchlist_terms",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("term", sa.String(255), nullable=False),
        sa.Column("field", sa.String(255), nullable=True),
        *_lifecycle(),
    )
    op.create_index("ix_watchlist_terms_state", "watchlist_terms", ["state"])


def downgrade() -> None:
    op.drop_index("ix_watchlist_terms_state", table_name="watchlist_terms")
    op.drop_table("watchlist_terms")
    op.drop_table("blocklist_protected")
    op.drop_index("ix_blocklist_entries_range", table_name="blocklist_entries")
    op.drop_index("ix_blocklist_entries_value", table_name="blocklist_entries")
    op.drop_index("ix_blocklist_entries_kind_state", table_name="blocklist_entries")
    op.drop_table("blocklist_entries")
