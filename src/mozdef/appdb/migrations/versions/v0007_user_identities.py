"""Users bound to the OpenID Connect identity they were made for.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("external_id", sa.String(512), nullable=True))
    op.create_index("ix_users_external_id", "users", ["external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_users_external_id", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("external_id")
