"""Logging in through the login page of a real server, in Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.browsing import PASSWORD, OpenPage


def test_a_page_opened_without_a_session_asks_to_log_in_and_then_shows_that_page(
    open_page: OpenPage,
) -> None:
    watched = open_page(None)
    page = watched.page

    page.goto("/search?q=category:nothing&start=1h")
    expect(page).to_have_url("/login?next=%2Fsearch%3Fq%3Dcategory%3Anothing%26start%3D1h")
    watched.screenshot("login")
    page.fill("#login-name", "carol")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")

    expect(page).to_have_url("/search?q=category:nothing&start=1h")
    expect(page.locator("#user")).to_have_text("carol (analyst)")
    expect(page.locator("#search-query")).to_have_value("category:nothing")


def test_a_wrong_password_is_told_and_leaves_the_form(open_page: OpenPage) -> None:
    page = open_page(None).page

    page.goto("/login")
    page.fill("#login-name", "carol")
    page.fill("#login-password", "not the password")
    page.click("#login-form button[type=submit]")

    expect(page.locator("#login-message")).to_have_text("wrong user name or password")
    expect(page).to_have_url("/login")


def test_after_login_a_next_naming_another_site_is_not_followed(open_page: OpenPage) -> None:
    page = open_page("alice").page

    page.goto("/login?next=//evil.example/steal")

    expect(page).to_have_url("/alerts")
