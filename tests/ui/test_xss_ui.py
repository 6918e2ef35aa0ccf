"""Events written by an attacker, in their keys and values: HTML with scripts and
event handlers, and `javascript:` URLs. The pages show them as text, nothing of
them runs (a flag the payloads would set stays unset, no dialog opens) and none
becomes a link."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.ui.browsing import Api, OpenPage, eventually

HOST = "<img src=x onerror=window.__xss=2;alert(2)>"
KEY = "<img src=x onerror=window.__xss=4>"
SCRIPT_KEY = "<script>window.__xss=7</script>"
URL_KEY = "javascript:window.__xss=8"
EVENT: dict[str, Any] = {
    "summary": "xssprobe <script>window.__xss=1</script>",
    "hostname": HOST,
    "category": "<svg onload=window.__xss=3;alert(3)>",
    "details": {
        KEY: "<b onmouseover=window.__xss=5>bold</b>",
        "link": "javascript:window.__xss=6",
        "homepage": "https://example.com/ok",
        SCRIPT_KEY: "in a key",
        URL_KEY: "javascript:window.__xss=9",
    },
}
# Elements the payloads would make if any were parsed as HTML.
INJECTED = "main img, main script, main b, main [onerror], main [onload], main [onmouseover]"


@pytest.fixture(scope="module")
def alert(api: Api) -> dict[str, Any]:
    api.send_events(EVENT)
    query = {"q": "summary:xssprobe", "start": "1h"}
    eventually(lambda: api.post("/api/v1/events/search", query)["total"])
    return api.alert_of("ui-xss")


def assert_inert(page: Page) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.locator(INJECTED).count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0


def test_search_results_and_event_json_show_the_payloads_as_text(
    open_page: OpenPage, alert: dict[str, Any]
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/search?q=summary:xssprobe&start=1h")
    expect(page.locator("#search-total")).to_have_text("1 events match; 1 shown.")

    page.locator("button.show-json").click()
    page.click("#column-picker summary")
    page.check(f'#column-picker input[value="details.{KEY}"]')
    page.locator("#events-table tr.event td", has_text="bold").hover()

    expect(page.locator("#events-table td").nth(2)).to_have_text(HOST)
    expect(page.locator("#events-table th").nth(4)).to_have_text(f"details.{KEY}")
    expect(page.locator("tr.event-json pre")).to_contain_text('"link": "javascript:window.__xss=6"')
    expect(page.locator("tr.event-json pre")).to_contain_text(SCRIPT_KEY)
    expect(page.locator("tr.event-json pre")).to_contain_text(f'"{URL_KEY}"')
    assert_inert(page)
    watched.screenshot("xss-search")


def test_an_alert_built_from_them_shows_them_as_text_and_links_no_javascript_url(
    open_page: OpenPage, alert: dict[str, Any]
) -> None:
    page = open_page().page
    page.goto(f"/alerts/{alert['id']}")

    expect(page.locator("#alert-summary")).to_have_text(f"probe from {HOST}")
    page.locator("span.unsafe-url").click()
    page.locator("#alert-samples button.show-json").click()

    expect(page.locator(".facts span.unsafe-url")).to_have_text("javascript:window.__xss=1")
    expect(page.locator("#alert-samples pre")).to_contain_text(KEY)
    assert_inert(page)


def test_the_alert_list_shows_their_summary_as_text(
    open_page: OpenPage, alert: dict[str, Any]
) -> None:
    page = open_page().page
    page.goto("/alerts?rule=ui-xss")

    expect(page.locator("#alerts-table a.summary")).to_have_text(f"probe from {HOST}")
    assert_inert(page)


def test_an_incident_and_a_block_written_with_them_show_them_as_text(
    open_page: OpenPage, api: Api
) -> None:
    incident = api.post(
        "/api/v1/incidents",
        {
            "summary": EVENT["summary"],
            "description": HOST,
            "notes": [EVENT["category"]],
            "references": ["javascript:window.__xss=10", KEY],
        },
    )
    api.post("/api/v1/blocklist", {"value": "203.0.113.99", "reason": SCRIPT_KEY + HOST})
    page = open_page().page

    page.goto(f"/incidents/{incident['id']}")
    expect(page.locator("#field-summary")).to_have_value(EVENT["summary"])
    expect(page.locator("main")).to_contain_text("javascript:window.__xss=10")
    assert_inert(page)
    page.goto("/blocklist")
    row = page.locator('#entries-table tr[data-value="203.0.113.99"]')
    expect(row).to_contain_text(SCRIPT_KEY + HOST)
    assert_inert(page)
