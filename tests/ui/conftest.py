"""Fixtures of the browser tests: one real `mozdef serve` for them all, headless
Chromium, and pages of logged-in users (see browsing.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.e2e.server import Server, running
from tests.ui.browsing import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_VARIABLE,
    PASSWORD,
    RULES,
    Api,
    OpenPage,
    Watched,
    add_users,
    new_context,
    watch,
)


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ui")
    rules = root / "rules"
    rules.mkdir()
    for name, text in RULES.items():
        (rules / name).write_text(text)
    env = {"MOZDEF_ALERTS_RULE_FOLDERS": str(rules)}
    add_users(root / "data", env)
    with running(root / "data", env=env) as server:
        yield server


@pytest.fixture(scope="session")
def api(ui_server: Server) -> Api:
    return Api(ui_server)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's chromium (scripts/test-env.sh "
            f"does) or name another in {CHROMIUM_VARIABLE}"
        )
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def logged_in(playwright: Playwright, ui_server: Server) -> Callable[[str], Any]:
    """The browser state (the session cookie) of a user, logged in once per run: the
    server allows a few logins a minute from one address."""
    states: dict[str, Any] = {}

    def state_of(name: str) -> Any:
        if name not in states:
            request = playwright.request.new_context(base_url=ui_server.url)
            answer = request.post("/api/v1/auth/login", data={"name": name, "password": PASSWORD})
            assert answer.status == 200, answer.text()
            states[name] = request.storage_state()
            request.dispose()
        return states[name]

    return state_of


@pytest.fixture
def open_page(
    browser: Browser, ui_server: Server, logged_in: Callable[[str], Any]
) -> Iterator[OpenPage]:
    """Opens a page in a browser context of its own (`user=None`: not logged in); after
    the test, fails if any page had an uncaught error, a console error or a dialog."""
    opened: list[Watched] = []

    def open_one(user: str | None = "alice") -> Watched:
        state = logged_in(user) if user else None
        watched = watch(new_context(browser, ui_server.url, state))
        opened.append(watched)
        return watched

    yield open_one
    for watched in opened:
        watched.page.context.close()
    for watched in opened:
        assert watched.errors == [], watched.errors
        assert watched.dialogs == [], watched.dialogs
