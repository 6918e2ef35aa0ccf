"""Incidents and investigations, the VERIS tags of incidents, and the history of both.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

INCIDENT_LISTS = (
    "veris",
    "techniques",
    "theories",
    "timeline",
    "mitigations",
    "lessons",
    "notes",
    "references",
    "indicators",
    "alerts",
    "events",
)
INVESTIGATION_LISTS = ("notes", "indicators", "alerts", "events")


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("creator", sa.String(255), nullable=False),
        sa.Column("assignee", sa.String(255), nullable=True),
        sa.Column("opened", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mitigated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contained", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed", sa.DateTime(timezone=True), nullable=True),
        *(sa.Column(name, sa.Text, nullable=False) for name in INCIDENT_LISTS),
        sa.Column("investigation", sa.String(64), nullable=True),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("phase", "status", "assignee", "opened"):
        op.create_index(f"ix_incidents_{column}", "incidents", [column])
    op.create_table(
        "investigations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("creator", sa.String(255), nullable=False),
        sa.Column("assignee", sa.String(255), nullable=True),
        sa.Column("opened", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(name, sa.Text, nullable=False) for name in INVESTIGATION_LISTS),
        sa.Column("incident", sa.String(64), nullable=True),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("status", "assignee", "opened"):
        op.create_index(f"ix_investigations_{column}", "investigations", [column])
    op.create_table(
        "incident_veris",
        sa.Column(
            "incident_id",
            sa.String(64),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("node", sa.String(255), primary_key=True),
    )
    op.create_index("ix_incident_veris_node", "incident_veris", ["node"])
    op.create_table(
        "case_history",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old", sa.Text, nullable=True),
        sa.Column("new", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_case_history_case_id_seq", "case_history", ["case_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_case_history_case_id_seq", table_name="case_history")
    op.drop_table("case_history")
    op.drop_index("ix_incident_veris_node", table_name="incident_veris")
    op.drop_table("incident_veris")
    for column in ("status", "assignee", "opened"):
        op.drop_index(f"ix_investigations_{column}", table_name="investigations")
    op.drop_table("investigations")
    for column in ("phase", "status", "assignee", "opened"):
        op.drop_index(f"ix_incidents_{column}", table_name="incidents")
    op.drop_table("incidents")
