"""The schemas of the OpenAPI description that come from the code, so that the
description follows it: the enumerations from the values the code accepts, and the
incident and investigation schemas from their field sets (mozdef.incidents.fields).

A case field is a list of items (its schema names the item's class, described in
components.yaml) or a scalar described in `_CASE_SCALARS`; a scalar field missing
there stops the build with a DescriptionError, so that a new field cannot go
undescribed.
"""

from __future__ import annotations

from typing import Any, get_args

from mozdef.alerts.model import SEVERITIES
from mozdef.alerts.model import STATUSES as ALERT_STATUSES
from mozdef.auth.roles import ROLES
from mozdef.blocklist.lifecycle import STATES, Outcome
from mozdef.blocklist.protected import Source
from mozdef.blocklist.values import Kind
from mozdef.bus.topics import TOPICS
from mozdef.incidents import indicators
from mozdef.incidents.fields import (
    INCIDENT,
    INVESTIGATION,
    MAX_DESCRIPTION,
    MAX_SUMMARY,
    PHASES,
    FieldSet,
    ListCodec,
)
from mozdef.incidents.fields import STATUSES as CASE_STATUSES
from mozdef.web.alerts_api import ACTIONS
from mozdef.web.openapi_spec.files import DescriptionError

_SCHEMAS = "#/components/schemas/"


def derived_schemas() -> dict[str, Any]:
    """The enumerations and the case schemas, by schema name."""
    enums: dict[str, tuple[str, ...]] = {
        "Severity": SEVERITIES,
        "AlertStatus": ALERT_STATUSES,
        "AlertAction": tuple(ACTIONS),
        "Role": ROLES,
        "CaseStatus": CASE_STATUSES,
        "IncidentPhase": PHASES,
        "IndicatorType": indicators.TYPES,
        "ListState": STATES,
        "ListKind": get_args(Kind),
        "ListOutcome": get_args(Outcome),
        "ProtectedSource": get_args(Source),
        "Topic": TOPICS,
    }
    schemas: dict[str, Any] = {
        name: {"type": "string", "enum": list(values)} for name, values in enums.items()
    }
    for name, field_set in (("Incident", INCIDENT), ("Investigation", INVESTIGATION)):
        schemas |= case_schemas(name, field_set)
    return schemas


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _SCHEMAS + name}


def _nullable(kind: str, description: str) -> dict[str, Any]:
    return {"type": [kind, "null"], "description": description}


_TIMES = ("reported", "verified", "mitigated", "contained", "closed")
_CASE_SCALARS: dict[str, dict[str, Any]] = {
    "summary": {"type": "string", "minLength": 1, "maxLength": MAX_SUMMARY},
    "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
    "phase": _ref("IncidentPhase"),
    "status": _ref("CaseStatus"),
    "creator": {**_nullable("string", "Who opened it; set by the store."), "readOnly": True},
    "assignee": _nullable("string", "Who handles it; null or empty for nobody."),
    "opened": {**_ref("Time"), "description": "When it began; default when it was recorded."},
    **{name: _ref("NullableTime") for name in _TIMES},
    "investigation": {**_nullable("string", "The investigation it came from."), "readOnly": True},
    "incident": {**_nullable("string", "The incident it was promoted to."), "readOnly": True},
}


def case_schemas(name: str, field_set: FieldSet) -> dict[str, Any]:
    """`name` (the case as answered), `nameInput` (a new one), `namePatch` (a change)
    and `nameListField` (the names of its list fields)."""
    shown = {field: _case_field(field_set, field) for field in field_set.fields}
    editable = {field: _case_input(field_set, field) for field in field_set.editable()}
    required = [field for field, spec in field_set.fields.items() if spec.required]
    versions = {"type": "object", "additionalProperties": {"type": "integer"}}
    return {
        name: {
            "type": "object",
            "required": ["id", *required, "versions"],
            "properties": {
                "id": {"type": "string"},
                **shown,
                "versions": {**versions, "description": "Each field's version."},
                "updated": _ref("NullableTime"),
            },
        },
        f"{name}Input": {
            "type": "object",
            "required": required,
            "additionalProperties": False,
            "properties": editable,
        },
        f"{name}Patch": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "properties": {field: _versioned(schema) for field, schema in editable.items()},
        },
        f"{name}ListField": {"type": "string", "enum": list(field_set.lists())},
    }


def _case_field(field_set: FieldSet, name: str) -> dict[str, Any]:
    codec = field_set.fields[name].codec
    if isinstance(codec, ListCodec):
        return {"type": "array", "items": _ref(codec.item.__name__)}
    if name not in _CASE_SCALARS:
        raise DescriptionError(__name__, f"{field_set.kind}.{name}", "not in _CASE_SCALARS")
    return _CASE_SCALARS[name]


def _case_input(field_set: FieldSet, name: str) -> dict[str, Any]:
    if field_set.fields[name].is_list:
        return {"type": "array", "items": _ref("NewItem")}
    return _case_field(field_set, name)


def _versioned(schema: dict[str, Any]) -> dict[str, Any]:
    """A PATCH's change of one field: the new value and the version it was based on."""
    return {
        "type": "object",
        "required": ["value", "version"],
        "properties": {"value": schema, "version": {"type": "integer", "minimum": 1}},
    }
