"""Two handlers on one incident at once, each in a browser of their own, over a real
server: edits of different fields both kept and shown to the other, an edit of the
same field refused with the newer value shown, presence, list items and VERIS."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.ui.browsing import Api, OpenPage


def open_incident(open_page: OpenPage, api: Api, summary: str) -> tuple[str, Page, Page]:
    case_id: str = api.post("/api/v1/incidents", {"summary": summary})["id"]
    alice, bob = open_page("alice").page, open_page("bob").page
    for page in (alice, bob):
        page.goto(f"/incidents/{case_id}")
        expect(page.locator("#field-summary")).to_have_value(summary)
    return case_id, alice, bob


def field(name: str, part: str) -> str:
    return f'[data-field="{name}"] {part}'


def test_edits_of_different_fields_are_both_kept_and_shown_to_the_other(
    open_page: OpenPage, api: Api
) -> None:
    case_id, alice, bob = open_incident(open_page, api, "shared incident")
    bob.evaluate("window.__sameDocument = true")

    alice.fill("#field-summary", "phishing wave")
    bob.fill("#field-description", "mail from a lookalike domain")
    alice.press("#field-summary", "Enter")
    expect(alice.locator(field("summary", ".notice"))).to_have_text("Saved.")
    bob.click(field("description", "button.save"))

    expect(bob.locator(field("description", ".notice"))).to_have_text("Saved.")
    expect(bob.locator("#field-summary")).to_have_value("phishing wave")
    expect(alice.locator("#field-description")).to_have_value("mail from a lookalike domain")
    assert bob.evaluate("window.__sameDocument") is True
    stored = api.get(f"/api/v1/incidents/{case_id}")
    assert (stored["summary"], stored["description"]) == (
        "phishing wave",
        "mail from a lookalike domain",
    )


def test_a_second_edit_of_the_same_field_shows_the_newer_value_and_saves_nothing(
    open_page: OpenPage, api: Api
) -> None:
    case_id, alice, bob = open_incident(open_page, api, "contested incident")
    bob.fill("#field-summary", "bob's summary")

    alice.fill("#field-summary", "alice's summary")
    alice.press("#field-summary", "Enter")
    expect(bob.locator(field("summary", ".notice.newer"))).to_contain_text("alice's summary")
    bob.click(field("summary", "button.save"))

    expect(bob.locator(field("summary", ".conflict pre.theirs"))).to_have_text("alice's summary")
    expect(bob.locator("#field-summary")).to_have_value("bob's summary")
    assert api.get(f"/api/v1/incidents/{case_id}")["summary"] == "alice's summary"


def test_choosing_the_newer_value_after_a_conflict_keeps_it(open_page: OpenPage, api: Api) -> None:
    case_id, alice, bob = open_incident(open_page, api, "second contest")
    bob.fill("#field-summary", "bob's take")
    alice.fill("#field-summary", "alice's take")
    alice.press("#field-summary", "Enter")
    expect(alice.locator(field("summary", ".notice"))).to_have_text("Saved.")
    bob.click(field("summary", "button.save"))

    bob.click(field("summary", "button.use-theirs"))

    expect(bob.locator("#field-summary")).to_have_value("alice's take")
    expect(bob.locator(field("summary", "button.save"))).to_be_hidden()
    assert api.get(f"/api/v1/incidents/{case_id}")["summary"] == "alice's take"


def test_each_handler_sees_who_else_is_on_the_incident_and_which_field_they_edit(
    open_page: OpenPage, api: Api
) -> None:
    _, alice, bob = open_incident(open_page, api, "watched incident")

    alice.focus("#field-description")

    expect(bob.locator("#presence")).to_have_text("Also here: alice (editing description)")
    expect(bob.locator(field("description", ".editing-by"))).to_have_text("(alice editing)")
    expect(alice.locator("#presence")).to_have_text("Also here: bob")
    alice.context.close()
    expect(bob.locator("#presence")).to_have_text("")


def test_a_note_added_by_one_handler_shows_for_the_other_and_can_be_removed(
    open_page: OpenPage, api: Api
) -> None:
    case_id, alice, bob = open_incident(open_page, api, "noted incident")

    alice.fill('[data-add="notes"] textarea', "user reset their password")
    alice.click('[data-add="notes"] button[type=submit]')

    note = bob.locator('[data-list="notes"] li', has_text="user reset their password")
    expect(note).to_be_visible()
    note.locator("button.remove").click()
    expect(alice.locator('[data-list="notes"] li')).to_have_count(0)
    assert api.get(f"/api/v1/incidents/{case_id}")["notes"] == []


def test_a_veris_tag_is_picked_by_search_and_suggests_attack_techniques(
    open_page: OpenPage, api: Api
) -> None:
    case_id: str = api.post("/api/v1/incidents", {"summary": "tagged incident"})["id"]
    watched = open_page("alice")
    page = watched.page
    page.goto(f"/incidents/{case_id}")

    page.fill(".veris-search", "brute force")
    page.click('.veris-option[data-path="action.hacking.variety.Brute force"]')
    page.click('.suggestion[data-technique="T1110"]')

    expect(page.locator('[data-list="veris"] li')).to_contain_text(
        "action.hacking.variety.Brute force"
    )
    expect(page.locator('[data-list="techniques"] li')).to_contain_text("T1110 Brute Force")
    stored = api.get(f"/api/v1/incidents/{case_id}")
    assert [tag["path"] for tag in stored["veris"]] == ["action.hacking.variety.Brute force"]
    assert [tag["technique"] for tag in stored["techniques"]] == ["T1110"]
    watched.screenshot("incident")
