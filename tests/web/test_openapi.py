"""The OpenAPI description: valid OpenAPI 3.1, the same routes and methods as the app
that create_app builds, the roles the auth applies, the enumerations and case schemas
of the code, and served by the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mozdef.incidents.fields import Codec, Field, FieldSet
from mozdef.web import openapi
from mozdef.web.openapi import mounted_operations, openapi_document
from mozdef.web.openapi_spec import DescriptionError, load_spec
from mozdef.web.openapi_spec.derived import case_schemas
from tests.web.openapi_harness import build_app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Starlette]:
    yield build_app(tmp_path)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    """One app for the tests that only read its route table and its document."""
    return build_app(tmp_path_factory.mktemp("openapi"))


@pytest.fixture(scope="module")
def document(built: Starlette) -> dict[str, Any]:
    return openapi_document(built)


def operations_of(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "head", "post", "put", "patch", "delete")
    }


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)

    assert document["openapi"] == "3.1.0"


def test_every_mounted_route_and_method_is_in_the_document(
    built: Starlette, document: dict[str, Any]
) -> None:
    mounted = {(op.method, op.path) for op in mounted_operations(built)}

    assert mounted == operations_of(document)


def test_every_mounted_operation_is_described(built: Starlette) -> None:
    described = set(load_spec().operations)

    undescribed = [op.key for op in mounted_operations(built) if op.key not in described]

    assert undescribed == []


def test_nothing_described_is_missing_from_the_app(built: Starlette) -> None:
    mounted = {op.key for op in mounted_operations(built)}

    stale = sorted(set(load_spec().operations) - mounted)

    assert stale == []


def test_methods_follow_the_route_table(document: dict[str, Any]) -> None:
    paths = document["paths"]

    assert sorted(paths["/_bulk"]) == ["post", "put"]
    assert sorted(paths["/"]) == ["get", "head"]
    assert sorted(paths["/api/v1/suppressions/{suppression_id}"]) == ["delete", "get"]
    assert sorted(paths["/api/v1/incidents/{case_id}"]) == ["get", "patch"]


def test_web_pages_are_left_out(document: dict[str, Any]) -> None:
    assert "/login" not in document["paths"]
    assert "/static/{path}" not in document["paths"]


def test_a_process_without_a_store_lists_no_search(tmp_path: Path) -> None:
    document = openapi_document(build_app(tmp_path, store=False))

    assert "/api/v1/events/search" not in document["paths"]
    assert "/api/v1/alerts" not in document["paths"]
    assert "/events" in document["paths"]


def role(document: dict[str, Any], method: str, path: str) -> str:
    found: str = document["paths"][path][method]["x-mozdef-role"]
    return found


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/status", "open"),
        ("post", "/api/v1/auth/login", "open"),
        ("get", "/api/v1/openapi.json", "open"),
        ("post", "/events", "open"),
        ("get", "/api/v1/alerts", "viewer"),
        ("post", "/api/v1/events/search", "viewer"),
        ("post", "/api/v1/alerts/{alert_id}/{action}", "analyst"),
        ("delete", "/api/v1/suppressions/{suppression_id}", "analyst"),
        ("patch", "/api/v1/incidents/{case_id}", "analyst"),
        ("post", "/api/v1/blocklist", "analyst"),
        ("post", "/api/v1/blocklist/protected", "admin"),
        ("get", "/api/v1/users", "admin"),
        ("get", "/api/v1/audit", "admin"),
        ("post", "/api/v1/tokens", "viewer"),
        ("get", "/api/v1/live", "viewer"),
    ],
)
def test_roles_are_those_the_auth_applies(
    document: dict[str, Any], method: str, path: str, expected: str
) -> None:
    assert role(document, method, path) == expected


def test_intake_needs_a_viewer_with_intake_tokens(tmp_path: Path) -> None:
    document = openapi_document(build_app(tmp_path, intake_tokens=True))

    assert role(document, "post", "/_bulk") == "viewer"
    assert role(document, "post", "/custom/{application}") == "viewer"
    assert role(document, "get", "/status") == "open"


def test_a_change_by_session_needs_the_csrf_header(document: dict[str, Any]) -> None:
    paths = document["paths"]

    assert paths["/api/v1/blocklist"]["post"]["security"] == [
        {"bearerToken": []},
        {"sessionCookie": [], "csrfToken": []},
    ]
    assert paths["/api/v1/blocklist"]["get"]["security"] == [
        {"bearerToken": []},
        {"sessionCookie": []},
    ]
    assert paths["/status"]["get"]["security"] == []


def test_enumerations_come_from_the_code(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert schemas["Severity"]["enum"] == ["INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"]
    assert schemas["AlertAction"]["enum"] == ["ack", "escalate", "close", "reopen"]
    assert schemas["Role"]["enum"] == ["viewer", "analyst", "admin"]
    assert schemas["ListState"]["enum"] == ["active", "expired", "removed"]


def test_case_schemas_follow_the_case_fields(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]

    assert schemas["InvestigationListField"]["enum"] == ["notes", "indicators", "alerts", "events"]
    assert schemas["Incident"]["properties"]["timeline"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/TimelineEntry"},
    }
    assert "creator" not in schemas["IncidentInput"]["properties"]
    assert schemas["IncidentInput"]["required"] == ["summary"]


def test_a_case_field_without_a_schema_stops_the_build() -> None:
    colour = FieldSet("thing", {"colour": Field("colour", Codec(str))})

    with pytest.raises(DescriptionError, match=r"thing.colour: not in _CASE_SCALARS"):
        case_schemas("Thing", colour)


def test_no_value_in_the_description_is_null() -> None:
    # A comma in a YAML flow mapping ({description: a, b}) makes a key `b` with a
    # null value, which JSON Schema takes as an unknown keyword without a word.
    spec = load_spec()

    assert list(null_values(spec.base, "components.yaml")) == []
    assert list(null_values(spec.operations, "operations")) == []


def null_values(node: Any, where: str) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from (
                [f"{where}/{key}"] if value is None else null_values(value, f"{where}/{key}")
            )
    elif isinstance(node, list):
        for position, value in enumerate(node):
            yield from null_values(value, f"{where}/{position}")


def test_path_parameters_are_declared_for_every_template(document: dict[str, Any]) -> None:
    attack = document["paths"]["/api/v1/veris/{path}/attack"]["get"]
    action = document["paths"]["/api/v1/alerts/{alert_id}/{action}"]["post"]

    assert [p["name"] for p in attack["parameters"]] == ["path"]
    assert [(p["name"], p["required"]) for p in action["parameters"]] == [
        ("alert_id", True),
        ("action", True),
    ]


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]

    assert len(ids) == len(set(ids))


def test_an_alias_keeps_the_description_under_its_own_id(document: dict[str, Any]) -> None:
    events = document["paths"]["/events"]["post"]
    nxlog = document["paths"]["/nxlog"]["post"]

    assert nxlog["requestBody"] == events["requestBody"]
    assert (events["operationId"], nxlog["operationId"]) == ("postEvents", "postNxlog")


def test_the_app_serves_the_document_without_credentials(app: Starlette) -> None:
    with TestClient(app) as client:
        first = client.get(openapi.PATH)
        second = client.get(openapi.PATH)

    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    assert first.json()["paths"]["/api/v1/alerts"]["get"]["operationId"] == "listAlerts"
    assert second.content == first.content


def test_a_same_as_naming_nothing_is_refused(tmp_path: Path) -> None:
    (tmp_path / "components.yaml").write_text("info: {}\ntags: []\ncomponents: {schemas: {}}\n")
    (tmp_path / "routes.yaml").write_text("GET /a:\n  same_as: GET /b\n")

    with pytest.raises(DescriptionError, match=r"routes.yaml: GET /a: same_as 'GET /b'"):
        load_spec(tmp_path)


def test_a_key_that_is_not_method_and_path_is_refused(tmp_path: Path) -> None:
    (tmp_path / "components.yaml").write_text("info: {}\ntags: []\ncomponents: {schemas: {}}\n")
    (tmp_path / "routes.yaml").write_text("/status:\n  summary: x\n")

    with pytest.raises(DescriptionError, match=r'routes.yaml: /status: expected "METHOD /path"'):
        load_spec(tmp_path)
