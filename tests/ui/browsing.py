"""What the browser tests share: the server they drive, with its users and rules,
and pages of headless Chromium that record what went wrong in them.

The server is a real `mozdef serve` (tests/e2e/server.py) started once for the UI
tests, with streaming rules of its own (one per test that needs an alert, so that
tests never merge into each other's alerts) and two analysts who log in with a
password. Chromium is Debian's (`/usr/bin/chromium`, or MOZDEF_TEST_CHROMIUM):
Playwright cannot download its own browser here.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page

from mozdef.appdb import AppDb
from mozdef.auth import UserStore
from mozdef.config import load_settings
from tests.e2e.server import Server

CHROMIUM_VARIABLE = "MOZDEF_TEST_CHROMIUM"
CHROMIUM = os.environ.get(CHROMIUM_VARIABLE, "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct horse battery staple"
USERS = {"alice": "analyst", "bob": "analyst", "carol": "analyst", "dana": "admin"}
CLIENT_ERROR = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def rule(rule_id: str, word: str, summary: str, *, category: str = "uitest", **extra: str) -> str:
    lines = [
        f"id: {rule_id}",
        f"name: UI test rule {rule_id}",
        f"query: 'summary:{word}'",
        "mode: streaming",
        "severity: WARNING",
        f"category: {category}",
        f"summary: '{summary}'",
    ]
    lines += [f"{key}: '{value}'" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


RULES = {
    "ui-live.yaml": rule("ui-live", "uilive", "live check from {hostname}"),
    "ui-ack.yaml": rule("ui-ack", "uiack", "ack check from {hostname}"),
    "ui-escalate.yaml": rule("ui-escalate", "uiescalate", "escalation check from {hostname}"),
    "ui-bulk.yaml": rule("ui-bulk", "uibulk", "bulk check from {hostname}"),
    "ui-poll.yaml": rule("ui-poll", "uipoll", "poll check from {hostname}"),
    "ui-investigate.yaml": rule("ui-investigate", "uiinvestigate", "triage check from {hostname}"),
    "ui-counted.yaml": rule(
        "ui-counted", "uicounted", "counted check from {hostname}", category="uicounted"
    ),
    "ui-xss.yaml": rule(
        "ui-xss", "xssprobe", "probe from {hostname}", url="javascript:window.__xss=1"
    ),
}


def add_users(data_dir: Path, env: dict[str, str]) -> None:
    """The users who log in with a password, in the database the server will open."""
    settings = load_settings(env={**os.environ, **env}, overrides={"data_dir": data_dir})
    database = AppDb.from_settings(settings)
    try:
        users = UserStore(database)
        for name, role in USERS.items():
            if users.get(name) is None:
                users.add(name, role, PASSWORD)
    finally:
        database.close()


T = TypeVar("T")


def eventually(ask: Callable[[], T | None], seconds: float = 15.0) -> T:
    """The first answer of `ask` that is not None or empty, failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = ask()
        if found:
            return found
        assert time.monotonic() < deadline, f"nothing after {seconds}s"
        time.sleep(0.2)


@dataclass
class Api:
    """The server's REST API with the admin token the test server made."""

    server: Server

    def get(self, path: str, **params: str) -> Any:
        answer = httpx.get(self.server.url + path, params=params, headers=self.server.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, body: Any) -> Any:
        answer = httpx.post(
            self.server.url + path, json=body, headers=self.server.headers, timeout=15
        )
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def send_events(self, *events: dict[str, Any]) -> None:
        for event in events:
            answer = httpx.post(self.server.url + "/events", json=event)
            assert answer.status_code == 200, answer.text

    def alert_of(self, rule_id: str, seconds: float = 20.0) -> dict[str, Any]:
        """The alert `rule_id` raised, once the alerts API shows it."""

        def ask() -> dict[str, Any] | None:
            found = self.get("/api/v1/alerts", rule=rule_id, start="1h", end="now")["alerts"]
            return found[0] if found else None

        return eventually(ask, seconds)


@dataclass
class Watched:
    """A page and what went wrong in it: uncaught errors, console errors (a refusal by
    the Content-Security-Policy among them) and dialogs, which no page opens."""

    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def record_console(self, message: ConsoleMessage) -> None:
        # Answers 4xx are how the API refuses (401 to the login page's question, 409 on
        # a conflict): the page shows them. A 5xx, a refusal by the policy or a script
        # error is a fault.
        if message.type == "error" and not CLIENT_ERROR.match(message.text):
            self.errors.append(message.text)

    def record_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# Opens a page of a user in a browser context of its own: `open_page("bob")`.
OpenPage = Callable[..., Watched]


def watch(context: BrowserContext) -> Watched:
    page = context.new_page()
    watched = Watched(page)
    page.on("console", watched.record_console)
    page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
    page.on("dialog", watched.record_dialog)
    page.set_default_timeout(15000)
    return watched


def new_context(browser: Browser, base_url: str, state: Any | None = None) -> BrowserContext:
    return browser.new_context(
        base_url=base_url,
        storage_state=state,
        viewport={"width": 1300, "height": 900},
        accept_downloads=True,
    )
