"""The tables of incidents and investigations, on the application database's metadata.

Migration 0004 creates them. A case is one row: its scalar fields in columns of
their own (indexed where lists filter on them), each list field as JSON text, and
the fields' versions as one JSON object. `incident_veris` repeats each VERIS tag of
an incident with every group above it (`action`, `action.hacking`, ...), so that
filtering by a group is an indexed equality on both databases. `case_history` keeps
every change of both kinds of case.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from mozdef.appdb.tables import UtcDateTime, metadata

ID = 64
NAME = 255
PATH = 255


def _list(name: str) -> Column[str]:
    return Column(name, Text, nullable=False)


incidents = Table(
    "incidents",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("summary", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("phase", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("creator", String(NAME), nullable=False),
    Column("assignee", String(NAME), nullable=True, index=True),
    Column("opened", UtcDateTime, nullable=False, index=True),
    Column("reported", UtcDateTime, nullable=True),
    Column("verified", UtcDateTime, nullable=True),
    Column("mitigated", UtcDateTime, nullable=True),
    Column("contained", UtcDateTime, nullable=True),
    Column("closed", UtcDateTime, nullable=True),
    *(
        _list(name)
        for name in (
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
    ),
    Column("investigation", String(ID), nullable=True),
    Column("versions", Text, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
)

investigations = Table(
    "investigations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("summary", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("creator", String(NAME), nullable=False),
    Column("assignee", String(NAME), nullable=True, index=True),
    Column("opened", UtcDateTime, nullable=False, index=True),
    *(_list(name) for name in ("notes", "indicators", "alerts", "events")),
    Column("incident", String(ID), nullable=True),
    Column("versions", Text, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
)

incident_veris = Table(
    "incident_veris",
    metadata,
    Column(
        "incident_id",
        String(ID),
        ForeignKey("incidents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("node", String(PATH), primary_key=True),
    Index("ix_incident_veris_node", "node"),
)

case_history = Table(
    "case_history",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(NAME), nullable=False),
    Column("field", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("old", Text, nullable=True),
    Column("new", Text, nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_case_history_case_id_seq", "case_id", "seq"),
)
