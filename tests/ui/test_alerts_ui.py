"""The alert pages over a real server: an alert raised by the pipeline showing on an
open list, acknowledged, escalated to an incident, closed in bulk."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.ui.browsing import Api, OpenPage, eventually


def test_an_alert_raised_by_the_pipeline_shows_on_the_open_list_without_reload(
    open_page: OpenPage, api: Api
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/alerts?rule=ui-live")
    expect(page.locator("#no-alerts")).to_be_visible()
    expect(page.locator("#live-state")).to_have_text("live")
    page.evaluate("window.__sameDocument = true")

    api.send_events({"summary": "uilive attempt", "hostname": "gate-live"})

    row = page.locator("#alerts-table tr", has_text="live check from gate-live")
    expect(row).to_be_visible(timeout=20000)
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator('[data-severity="WARNING"] .number')).to_have_text("1", timeout=10000)
    watched.screenshot("alerts")


def test_while_the_live_feed_is_down_the_open_list_polls_for_new_alerts(
    open_page: OpenPage, api: Api
) -> None:
    page = open_page().page
    page.route_web_socket("**/api/v1/live", lambda socket: socket.close())
    page.goto("/alerts?rule=ui-poll")
    expect(page.locator("#live-state")).to_have_text("offline: polling")

    api.send_events({"summary": "uipoll attempt", "hostname": "gate-poll"})

    row = page.locator("#alerts-table tr", has_text="poll check from gate-poll")
    expect(row).to_be_visible(timeout=20000)


def test_acknowledging_an_alert_on_its_page_changes_its_status_and_links_its_events(
    open_page: OpenPage, api: Api
) -> None:
    api.send_events({"summary": "uiack attempt", "hostname": "gate-ack"})
    alert = api.alert_of("ui-ack")
    watched = open_page()
    page = watched.page
    page.goto(f"/alerts/{alert['id']}")

    page.fill("#alert-note", "looking into it")
    page.click("#alert-ack")

    expect(page.locator(".facts .status")).to_have_text("acknowledged", timeout=20000)
    expect(page.locator("ol.history li")).to_contain_text("by alice — looking into it")
    stored = eventually(
        lambda: api.get("/api/v1/alerts", rule="ui-ack", status="acknowledged")["alerts"]
    )
    assert [found["history"][-1]["by"] for found in stored] == ["alice"]
    watched.screenshot("alert")
    page.click("#alert-search-link")
    expect(page.locator("#search-total")).to_have_text("1 events match; 1 shown.")
    expect(page.locator("#events-table td").nth(2)).to_have_text("gate-ack")


def test_similar_alerts_are_suppressed_from_the_alert_page(open_page: OpenPage, api: Api) -> None:
    api.send_events({"summary": "uiack again", "hostname": "gate-ack"})
    alert = api.alert_of("ui-ack")
    page = open_page().page
    page.goto(f"/alerts/{alert['id']}")

    page.fill("#suppress-reason", "our vulnerability scanner")
    page.click("#suppress-form button[type=submit]")

    expect(page.locator("#suppress-form .notice.ok")).to_contain_text("made")
    made = [s for s in api.get("/api/v1/suppressions")["suppressions"] if s["rule_id"] == "ui-ack"]
    assert [(s["query"], s["reason"]) for s in made] == [
        ('summary:"ack check from gate-ack"', "our vulnerability scanner")
    ]


def test_escalating_an_alert_opens_a_new_incident_linked_to_it(
    open_page: OpenPage, api: Api
) -> None:
    api.send_events({"summary": "uiescalate attempt", "hostname": "gate-esc"})
    alert = api.alert_of("ui-escalate")
    page = open_page().page
    page.goto(f"/alerts/{alert['id']}")

    page.click("#escalate-incidents")

    page.wait_for_url("**/incidents/*", timeout=20000)
    incident_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#field-summary")).to_have_value("escalation check from gate-esc")
    expect(page.locator('[data-list="alerts"] li a')).to_have_text(alert["id"])
    incident = api.get(f"/api/v1/incidents/{incident_id}")
    assert [link["alert_id"] for link in incident["alerts"]] == [alert["id"]]
    escalated = eventually(
        lambda: api.get("/api/v1/alerts", rule="ui-escalate", status="escalated")["alerts"]
    )
    assert [found["id"] for found in escalated] == [alert["id"]]


def test_alerts_selected_on_the_list_are_closed_together(open_page: OpenPage, api: Api) -> None:
    api.send_events({"summary": "uibulk attempt", "hostname": f"gate-{uuid.uuid4().hex[:6]}"})
    alert = api.alert_of("ui-bulk")
    page = open_page().page
    page.goto("/alerts?rule=ui-bulk")
    expect(page.locator(f'tr[data-id="{alert["id"]}"]')).to_be_visible()

    page.check("#select-all")
    page.click("#bulk-close")

    expect(page.locator(".messages")).to_contain_text("Close: 1 of 1 alerts changed.")
    closed = eventually(
        lambda: api.get("/api/v1/alerts", rule="ui-bulk", status="closed")["alerts"]
    )
    assert [found["id"] for found in closed] == [alert["id"]]


def test_escalating_an_alert_opens_a_new_investigation_linked_to_it(
    open_page: OpenPage, api: Api
) -> None:
    api.send_events({"summary": "uiinvestigate attempt", "hostname": "gate-inv"})
    alert = api.alert_of("ui-investigate")
    page = open_page().page
    page.goto(f"/alerts/{alert['id']}")

    page.click("#escalate-investigations")

    page.wait_for_url("**/investigations/*", timeout=20000)
    investigation = api.get(f"/api/v1/investigations/{page.url.rsplit('/', 1)[1]}")
    assert investigation["summary"] == "triage check from gate-inv"
    assert [link["alert_id"] for link in investigation["alerts"]] == [alert["id"]]


def test_the_list_counts_alerts_by_category_and_charts_them_over_time(
    open_page: OpenPage, api: Api
) -> None:
    api.send_events({"summary": "uicounted attempt", "hostname": "gate-count"})
    api.alert_of("ui-counted")
    watched = open_page()
    page = watched.page
    page.goto("/alerts?start=24h")

    counted = page.locator('#category-counts [data-category="uicounted"]')
    expect(counted.locator(".number")).to_have_text("1", timeout=10000)
    expect(page.locator("#alerts-by-category-chart")).to_be_visible()
    expect(page.locator("#alerts-by-severity-chart")).to_be_visible()
    counted.click()

    page.wait_for_url("**/alerts?*category=uicounted*")
    row = page.locator("#alerts-table tr", has_text="counted check from gate-count")
    expect(row).to_be_visible()
    watched.screenshot("alerts-by-category")
