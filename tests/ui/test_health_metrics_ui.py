"""The health and metrics pages over a real server, on /api/v1/health and
/api/v1/metrics: the health page lists the server's scheduled rules, indices and
rejections; the metrics page counts the events posted here by category and source,
keeps its range in the URL, shows attacker-written values as text and says so when
an API fails. Both pages are saved as screenshots."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Route, expect

from tests.ui.browsing import Api, OpenPage, eventually

XSS_CATEGORY = "<img src=x onerror=window.__xssMetrics=1;alert(7)>"
XSS_SOURCE = "<svg onload=window.__xssMetrics=2;alert(8)>"
INJECTED = "main img, main script, main [onerror], main [onload]"


def post_and_wait(api: Api, source: str, *events: dict[str, Any]) -> None:
    """Send `events` (all with `source`) and wait until the metrics count them."""
    api.send_events(*({**event, "source": source} for event in events))
    query = f'source:"{source}"'
    eventually(
        lambda: api.get("/api/v1/metrics/events", start="1h", q=query)["total"] == len(events)
    )


def category_row(page: Page, category: str) -> Locator:
    return page.locator("#events-by-category tr", has=page.locator("td.key", has_text=category))


def test_the_health_page_shows_the_rules_indices_and_rejections_of_the_running_server(
    open_page: OpenPage, api: Api
) -> None:
    today = dt.datetime.now(dt.UTC)
    post_and_wait(api, f"uihealth{uuid.uuid4().hex[:6]}", {"summary": "health page check"})
    eventually(lambda: api.get("/api/v1/health")["store"]["daily"], seconds=35)
    assert httpx.post(api.server.url + "/events", content=b"42").status_code == 400
    watched = open_page()
    page = watched.page

    page.goto("/health")

    expect(page.locator("#health-summary")).to_contain_text("ok")
    expect(page.locator(f'#health-indices tr[data-index="events-{today:%Y%m%d}"]')).to_be_visible()
    for rule_id in ("mozdef_health", "deadman", "bruteforce_ssh"):
        row = page.locator(f'#health-rules tr[data-rule="{rule_id}"]')
        expect(row.locator("td").nth(1)).to_have_text("yes")
        expect(row.locator("a")).to_have_attribute("href", f"/rules?rule={rule_id}")
    expect(page.locator('#health-rejects tr[data-reason="not_an_object"]')).to_contain_text(
        "rejected at intake"
    )
    watched.screenshot("health")


def test_the_metrics_page_counts_the_posted_categories_and_keeps_its_range_in_the_url(
    open_page: OpenPage, api: Api
) -> None:
    word = uuid.uuid4().hex[:6]
    category, source = f"uimetrics{word}", f"uisource{word}"
    post_and_wait(api, source, *({"category": category, "summary": f"m{n}"} for n in range(3)))
    watched = open_page()
    page = watched.page

    page.goto("/metrics?start=7d")
    expect(page.locator('#metrics-range a[aria-current="true"]')).to_have_text("last 7 days")
    expect(page.locator("#events-total")).to_contain_text("one column per 3h")
    expect(category_row(page, category).locator("td.number").first).to_have_text("3")
    expect(page.locator(f'#events-by-source tr[data-key="{source}"] td.number').first).to_have_text(
        "3"
    )
    page.click('#metrics-range a[data-range="30d"]')

    expect(page).to_have_url(re.compile(r"/metrics\?start=30d$"))
    expect(page.locator("#events-total")).to_contain_text("one column per 12h")
    expect(category_row(page, category).locator("td.number").first).to_have_text("3")
    watched.screenshot("metrics")
    page.go_back()
    expect(page.locator('#metrics-range a[aria-current="true"]')).to_have_text("last 7 days")


def test_a_category_written_as_html_is_shown_as_text_on_the_metrics_page_and_nothing_runs(
    open_page: OpenPage, api: Api
) -> None:
    post_and_wait(api, XSS_SOURCE, {"category": XSS_CATEGORY, "summary": "metrics xss probe"})
    watched = open_page()
    page = watched.page

    page.goto("/metrics?start=24h")

    expect(category_row(page, XSS_CATEGORY).locator("td.key")).to_have_text(XSS_CATEGORY)
    expect(page.locator("#events-by-source td.key", has_text=XSS_SOURCE)).to_have_text(XSS_SOURCE)
    page.locator("#events-by-category-chart g.column").last.hover()
    assert page.evaluate("window.__xssMetrics") is None
    assert page.locator(INJECTED).count() == 0


def test_a_metrics_api_that_fails_shows_its_error_while_the_other_sections_show(
    open_page: OpenPage,
) -> None:
    watched = open_page()
    page = watched.page
    refusal = '{"error": {"type": "bad_request", "message": "start: out of range"}}'

    def refuse(route: Route) -> None:
        route.fulfill(status=400, content_type="application/json", body=refusal)

    page.route("**/api/v1/metrics/events*", refuse)
    page.goto("/metrics?start=1y")

    expect(page.locator("#metrics-message")).to_contain_text('"1y", which is none of')
    expect(page.locator("#events-metrics .notice.error")).to_contain_text("start: out of range")
    expect(page.locator("#alerts-total")).to_contain_text("alerts from")
    expect(page.locator("#incidents-total")).to_contain_text("opened and")


def test_the_metrics_page_shows_an_incidents_times_and_its_veris_and_attack_tags(
    open_page: OpenPage, api: Api
) -> None:
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    dates = {"reported": dt.timedelta(minutes=90), "contained": dt.timedelta(days=1)}
    body = {"summary": "metrics incident", "opened": opened.isoformat()}
    made = api.post(
        "/api/v1/incidents", body | {k: (opened + v).isoformat() for k, v in dates.items()}
    )
    api.post(
        f"/api/v1/incidents/{made['id']}/veris", {"path": "action.hacking.variety.Brute force"}
    )
    api.post(f"/api/v1/incidents/{made['id']}/techniques", {"technique": "T1110"})
    watched = open_page()
    page = watched.page

    page.goto("/metrics?start=7d")

    detect = page.locator('#incident-durations tr[data-stage="detect"] td')
    expect(detect.nth(2)).to_have_text("1h 30m")
    contain = page.locator('#incident-durations tr[data-stage="contain"] td')
    expect(contain.nth(2)).to_have_text("1d")
    expect(page.locator("#incident-veris tr", has_text="action.hacking")).to_be_visible()
    expect(page.locator("#incident-techniques tr", has_text="T1110")).to_contain_text("Brute Force")
    expect(page.locator("#incident-tactics tr", has_text="TA0006")).to_contain_text(
        "Credential Access"
    )
    watched.screenshot("metrics-incidents")
