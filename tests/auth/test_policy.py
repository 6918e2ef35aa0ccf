from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from mozdef.auth.policy import DEFAULT_POLICY, Need, Rule, declared_need
from tests.auth.harness import admin_only


@pytest.mark.parametrize(
    ("method", "path", "need"),
    [
        ("GET", "/status", "open"),
        ("GET", "/_status", "open"),
        ("HEAD", "/", "open"),
        ("POST", "/test", "open"),
        ("POST", "/events", "intake"),
        ("POST", "/nxlog/", "intake"),
        ("PUT", "/_bulk", "intake"),
        ("POST", "/events-2026.12.01/_bulk", "intake"),
        ("POST", "/cef", "intake"),
        ("POST", "/custom/myapp", "intake"),
        ("GET", "/api/v1/alerts", "viewer"),
        ("POST", "/api/v1/alerts/a1/ack", "analyst"),
        ("DELETE", "/api/v1/tokens/t1", "analyst"),
        ("GET", "/ui/incidents", "viewer"),
        ("POST", "/status", "viewer"),
    ],
)
def test_the_default_policy_opens_status_and_intake_and_closes_the_rest(
    method: str, path: str, need: Need
) -> None:
    assert DEFAULT_POLICY.need(method, path) == need


def test_rules_added_to_a_policy_come_before_its_own() -> None:
    policy = DEFAULT_POLICY.extended(Rule("/api/v1/public/{rest:path}", "open"))

    assert policy.need("POST", "/api/v1/public/page") == "open"
    assert policy.need("POST", "/api/v1/other") == "analyst"


def test_the_decorator_declares_the_need_of_its_endpoint() -> None:
    assert declared_need(admin_only) == "admin"
    assert declared_need(lambda: None) is None


def test_a_declared_route_stays_closed_in_an_app_without_the_middleware() -> None:
    app = Starlette(routes=[Route("/api/v1/admin-thing", admin_only, methods=["POST"])])

    answer = TestClient(app).post("/api/v1/admin-thing")

    assert answer.status_code == 401
