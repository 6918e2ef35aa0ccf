"""The page and static routes of the web app, in-process: who gets the page, who is
sent to log in, which files are served, and the security headers on every answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mozdef.appdb import AppDb
from mozdef.auth import install_auth
from mozdef.config.settings import AuthSettings, Settings
from mozdef.web import auth_routes, ui
from mozdef.web.ui import content_security_policy, static_file
from tests.auth.harness import FAST, PASSWORD

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws://testserver wss://testserver; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

# What would parse a text as HTML or as code.
HTML_SINKS = re.compile(
    r"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\(|new Function\("
)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    db = AppDb(f"sqlite:///{tmp_path / 'app.db'}")
    app = Starlette(routes=[*auth_routes.routes(), *ui.routes()])
    auth = install_auth(app, Settings(auth=AuthSettings(secure_cookies=False)), db, passwords=FAST)
    auth.users.add("alice", "analyst", PASSWORD)
    yield TestClient(app, follow_redirects=False)
    db.close()


def log_in(client: TestClient) -> None:
    answer = client.post("/api/v1/auth/login", json={"name": "alice", "password": PASSWORD})
    assert answer.status_code == 200, answer.text


def test_a_page_without_a_session_sends_to_the_login_page_with_its_path_and_query(
    client: TestClient,
) -> None:
    answer = client.get("/search?q=category:ssh&start=15m")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fsearch%3Fq%3Dcategory%3Assh%26start%3D15m"


def test_a_page_with_a_session_answers_the_shell_that_loads_the_main_module(
    client: TestClient,
) -> None:
    log_in(client)

    answer = client.get("/incidents/abc123")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/static/js/main.js"></script>' in answer.text
    assert answer.headers["cache-control"] == "no-store"


def test_the_login_page_is_served_without_a_session(client: TestClient) -> None:
    answer = client.get("/login?next=/alerts")

    assert (answer.status_code, answer.headers["content-type"]) == (200, "text/html; charset=utf-8")


def test_pages_redirects_and_static_files_carry_the_security_headers(client: TestClient) -> None:
    answers = [client.get("/login"), client.get("/alerts"), client.get("/static/js/main.js")]
    answers.append(client.get("/static/nothing-here.js"))

    for answer in answers:
        assert answer.headers["content-security-policy"] == POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["x-frame-options"] == "DENY"


def test_a_module_is_served_as_javascript_and_revalidated_by_its_etag(client: TestClient) -> None:
    first = client.get("/static/js/dom.js")
    again = client.get("/static/js/dom.js", headers={"If-None-Match": first.headers["etag"]})

    assert first.status_code == 200
    assert first.headers["content-type"] == "text/javascript; charset=utf-8"
    assert first.headers["cache-control"] == "no-cache"
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize(
    "relative",
    ["../ui.py", "js/../../ui.py", ".hidden.js", "js", "index.html", "/etc/passwd", "js/nope.js"],
)
def test_only_files_of_a_served_type_inside_the_static_folder_are_found(relative: str) -> None:
    assert static_file(ui.STATIC_ROOT, relative) is None


def test_a_path_leaving_the_static_folder_answers_404(client: TestClient) -> None:
    answer = client.get("/static/..%2Fui.py")

    assert answer.status_code == 404


def test_a_host_header_that_is_not_a_host_is_left_out_of_the_policy() -> None:
    policy = content_security_policy("evil.example; script-src *")

    assert "connect-src 'self';" in policy
    assert "evil" not in policy


def test_no_shipped_page_or_module_holds_an_inline_script_style_or_inner_html() -> None:
    files = [path for path in ui.STATIC_ROOT.rglob("*") if path.suffix in (".html", ".js")]
    texts = {path.name: path.read_text() for path in files}

    assert "main.js" in texts
    for name, text in texts.items():
        assert not HTML_SINKS.search(text), name
        assert "style=" not in text, name
    assert "<script>" not in texts["index.html"]
