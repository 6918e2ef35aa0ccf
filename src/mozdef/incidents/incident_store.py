"""Incidents in the application database: MozDef's incident, versioned per field.

Beyond CaseStore, an incident keeps its VERIS tags in `incident_veris` as well (each
tag with every group above it) so that listing by a VERIS group is an indexed lookup,
and closing an incident (status `closed`) sets its `closed` date when none is set
and the same update does not set one.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import orjson
from sqlalchemy import Connection, RowMapping, Table, delete, insert, select

from mozdef.errors import CaseError
from mozdef.incidents import checks, veris
from mozdef.incidents.fields import INCIDENT, PHASES, FieldSet, Stamp
from mozdef.incidents.items import VerisTag
from mozdef.incidents.model import CasePage, CaseSummary, Incident
from mozdef.incidents.store import CaseStore
from mozdef.incidents.tables import incident_veris, incidents

DEFAULT_PAGE = 50


class IncidentStore(CaseStore[Incident]):
    spec: ClassVar[FieldSet] = INCIDENT
    table: ClassVar[Table] = incidents
    model = Incident

    def list(
        self,
        *,
        status: str | None = None,
        phase: str | None = None,
        assignee: str | None = None,
        veris_prefix: str | None = None,
        text: str | None = None,
        limit: int = DEFAULT_PAGE,
        offset: int = 0,
    ) -> CasePage:
        """A page of incidents, the latest opened first. `veris_prefix` is a VERIS
        group or value (`action.hacking`): incidents with a tag at or under it."""
        conditions = self._common_conditions(status=status, assignee=assignee, text=text)
        if phase:
            wanted = self._guard(None, "phase", lambda: checks.choice(phase, PHASES))
            conditions.append(incidents.c.phase == wanted)
        if veris_prefix:
            tagged = select(incident_veris.c.incident_id).where(
                incident_veris.c.node == self._veris_node(veris_prefix)
            )
            conditions.append(incidents.c.id.in_(tagged))
        return self._page(conditions, limit, offset)

    def _veris_node(self, raw: str) -> str:
        found = veris.canonical(raw)
        if found is None:
            raise CaseError(self.kind, None, "veris", f"no VERIS group or value {raw!r}")
        return found

    def _summary_columns(self) -> builtins.list[Any]:
        return [*super()._summary_columns(), incidents.c.phase, incidents.c.veris]

    def _summary(self, row: RowMapping) -> CaseSummary:
        tags = tuple(str(tag["path"]) for tag in orjson.loads(row["veris"]))
        return dataclasses.replace(super()._summary(row), phase=row["phase"], veris=tags)

    def _derived(self, current: Incident, values: dict[str, Any], stamp: Stamp) -> dict[str, Any]:
        closing = values.get("status") == "closed" and current.closed is None
        return {"closed": stamp.at} if closing and "closed" not in values else {}

    def _after_write(self, connection: Connection, case_id: str, values: Mapping[str, Any]) -> None:
        if "veris" not in values:
            return
        tags: tuple[VerisTag, ...] = values["veris"]
        nodes = sorted({prefix for tag in tags for prefix in _prefixes(tag.path)})
        connection.execute(delete(incident_veris).where(incident_veris.c.incident_id == case_id))
        if nodes:
            rows = [{"incident_id": case_id, "node": node} for node in nodes]
            connection.execute(insert(incident_veris), rows)


def _prefixes(path: str) -> list[str]:
    """`a.b.c` -> a, a.b, a.b.c"""
    parts = path.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]
