"""The other pages over a real server: incident and investigation lists, rules,
health and metrics; each also saved as a screenshot."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.ui.browsing import Api, OpenPage


def test_an_incident_opened_from_the_list_page_is_listed_and_found_by_its_text(
    open_page: OpenPage,
) -> None:
    word = f"breach{uuid.uuid4().hex[:6]}"
    watched = open_page()
    page = watched.page
    page.goto("/incidents")

    page.fill("#new-case-summary", f"{word} on the build server")
    page.click("#new-case button[type=submit]")
    page.wait_for_url("**/incidents/*")
    page.goto(f"/incidents?q={word}")

    expect(page.locator("#cases-table tbody tr")).to_have_count(1)
    expect(page.locator("#cases-table tbody tr")).to_contain_text(f"{word} on the build server")
    watched.screenshot("incidents")


def test_an_investigation_promoted_from_the_list_links_to_its_new_incident(
    open_page: OpenPage, api: Api
) -> None:
    word = f"lead{uuid.uuid4().hex[:6]}"
    made = api.post("/api/v1/investigations", {"summary": f"{word} odd logins"})
    watched = open_page()
    page = watched.page
    page.goto(f"/investigations?q={word}")

    page.locator(f'tr[data-id="{made["id"]}"] button.promote').click()

    link = page.locator("#cases-message a", has_text=f"{word} odd logins")
    expect(link).to_be_visible()
    incident_id = api.get(f"/api/v1/investigations/{made['id']}")["incident"]
    expect(link).to_have_attribute("href", f"/incidents/{incident_id}")
    watched.screenshot("investigations")


def test_a_rule_is_switched_off_and_on_and_back_tested_from_the_rules_page(
    open_page: OpenPage, api: Api
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/rules?rule=ui-bulk")
    row = page.locator('tr[data-rule="ui-bulk"]')

    row.locator("button.switch").click()
    expect(row.locator("td").nth(3)).to_contain_text("no")
    assert api.get("/api/v1/rules/ui-bulk")["enabled"] is False
    row.locator("button.switch").click()
    expect(row.locator("td").nth(3)).to_contain_text("yes")
    page.locator(".backtest-form button[type=submit]").first.click()

    expect(page.locator(".backtest-result").first).to_contain_text("alerts would have been raised")
    watched.screenshot("rules")


def test_the_health_and_metrics_pages_show_their_figures(open_page: OpenPage) -> None:
    watched = open_page()
    page = watched.page

    page.goto("/health")
    expect(page.locator("#health-summary")).to_contain_text("ok")
    expect(page.locator("#health-counters")).to_contain_text("accepted")
    watched.screenshot("health")
    page.goto("/metrics")
    expect(page.locator('#metrics-range a[aria-current="true"]')).to_have_text("last 24 hours")
    expect(page.locator("#incidents-total")).to_contain_text("opened and")
    watched.screenshot("metrics")
