"""The block list and watch list pages over a real server."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.browsing import OpenPage


def test_an_address_blocked_on_the_page_is_in_the_firewall_export_until_unblocked(
    open_page: OpenPage,
) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/blocklist")

    page.fill("#block-value", "198.51.100.7/32")
    page.fill("#block-reason", "scanning our VPN")
    page.fill("#block-expires", "7d")
    page.click("#add-entry button[type=submit]")

    row = page.locator('#entries-table tr[data-value="198.51.100.7"]')
    expect(row).to_contain_text("scanning our VPN")
    export = page.request.get(page.locator("#export-ip").get_attribute("href") or "")
    assert export.status == 200
    assert "198.51.100.7" in export.text().splitlines()
    watched.screenshot("blocklist")
    row.locator("button.remove").click()
    expect(row).to_have_count(0)
    assert "198.51.100.7" not in page.request.get("/api/v1/blocklist/ip.txt").text().splitlines()


def test_a_protected_address_is_refused_with_the_range_named(open_page: OpenPage) -> None:
    page = open_page().page
    page.goto("/blocklist")

    page.fill("#block-value", "10.1.2.3")
    page.fill("#block-reason", "mistake")
    page.click("#add-entry button[type=submit]")

    expect(page.locator("#entries-message")).to_contain_text("10.0.0.0/8")


def test_a_term_added_to_the_watch_list_is_listed(open_page: OpenPage) -> None:
    watched = open_page()
    page = watched.page
    page.goto("/watchlist")

    page.fill("#watch-term", "evil-corp.example")
    page.fill("#watch-reason", "known phishing sender")
    page.click("#add-entry button[type=submit]")

    expect(page.locator('#entries-table tr[data-value="evil-corp.example"]')).to_contain_text(
        "known phishing sender"
    )
    watched.screenshot("watchlist")


def test_a_block_made_by_one_analyst_appears_on_anothers_open_page(open_page: OpenPage) -> None:
    watching = open_page("bob").page
    watching.goto("/blocklist")
    expect(watching.locator("#entry-list")).to_be_visible()
    page = open_page().page
    page.goto("/blocklist")

    page.fill("#block-value", "192.0.2.201")
    page.fill("#block-reason", "seen live")
    page.click("#add-entry button[type=submit]")

    row = watching.locator('#entries-table tr[data-value="192.0.2.201"]')
    expect(row).to_contain_text("seen live", timeout=5000)


def test_an_admin_reads_who_blocked_what_in_the_audit_log(open_page: OpenPage) -> None:
    page = open_page().page
    page.goto("/blocklist")
    page.fill("#block-value", "192.0.2.202")
    page.fill("#block-reason", "for the audit")
    page.click("#add-entry button[type=submit]")
    expect(page.locator('#entries-table tr[data-value="192.0.2.202"]')).to_have_count(1)
    expect(page.locator('nav a[href="/audit"]')).to_have_count(0)

    watched = open_page("dana")
    admin = watched.page
    admin.goto("/audit?action=block")

    expect(admin.locator("#audit-table tbody tr").first).to_contain_text("192.0.2.202")
    expect(admin.locator("#audit-table tbody")).to_contain_text("alice")
    expect(admin.locator("#audit-table tbody")).not_to_contain_text("login.success")
    watched.screenshot("audit")
