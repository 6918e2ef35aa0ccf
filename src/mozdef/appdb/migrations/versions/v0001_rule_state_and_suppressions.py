"""Rule state for the scheduler and suppressions for the alert engine.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "rule_state",
        sa.Column("rule_id", sa.String(255), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_duration", sa.Float, nullable=True),
        sa.Column("last_hits", sa.Integer, nullable=False),
        sa.Column("total_runs", sa.Integer, nullable=False),
        sa.Column("total_failures", sa.Integer, nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "suppressions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("rule_id", sa.String(255), nullable=True),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("last_hit", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_suppressions_rule_id", "suppressions", ["rule_id"])


def downgrade() -> None:
    op.drop_index("ix_suppressions_rule_id", table_name="suppressions")
    op.drop_table("suppressions")
    op.drop_table("rule_state")
