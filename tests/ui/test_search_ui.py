"""The search page over a real server: a search in the URL runs on load, with its
histogram, columns, each event's JSON, exports and saved searches."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.ui.browsing import Api, OpenPage, eventually


@pytest.fixture
def word(api: Api) -> str:
    """A word in the summary of three stored events, searchable."""
    found = f"uisearch{uuid.uuid4().hex[:8]}"
    api.send_events(
        *(
            {"summary": f"{found} login {n}", "hostname": f"web{n}", "details": {"port": n}}
            for n in (1, 2, 3)
        )
    )
    query = {"q": f"summary:{found}", "start": "1h"}
    eventually(lambda: api.post("/api/v1/events/search", query)["total"] == 3 or None)
    return found


def searched(open_page: OpenPage, word: str) -> Page:
    page = open_page().page
    page.goto(f"/search?q=summary:{word}&start=1h")
    expect(page.locator("#search-total")).to_have_text("3 events match; 3 shown.")
    return page


def test_a_search_in_the_url_runs_on_load_with_a_histogram_of_its_matches(
    open_page: OpenPage, word: str
) -> None:
    watched = open_page()
    page = watched.page

    page.goto(f"/search?q=summary:{word}&start=1h")

    expect(page.locator("#search-total")).to_have_text("3 events match; 3 shown.")
    expect(page.locator("#search-query")).to_have_value(f"summary:{word}")
    expect(page.locator("#time-range")).to_have_value("1h")
    counts = page.locator("#histogram rect").evaluate_all(
        "bars => bars.map(bar => Number(bar.getAttribute('data-count')))"
    )
    assert sum(counts) == 3
    assert sorted(page.locator("#events-table td:nth-child(3)").all_inner_texts()) == [
        "web1",
        "web2",
        "web3",
    ]
    watched.screenshot("search")


def test_an_event_shows_its_json_and_a_chosen_column(open_page: OpenPage, word: str) -> None:
    page = searched(open_page, word)

    page.locator("#events-table tr.event").first.locator("button.show-json").click()
    page.click("#column-picker summary")
    page.check('#column-picker input[value="details.port"]')

    shown = json.loads(page.locator("#events-table tr.event-json pre").first.inner_text())
    assert shown["summary"].startswith(word)
    expect(page.locator("#events-table th").nth(4)).to_have_text("details.port")
    assert "cols=utctimestamp%2Ccategory%2Chostname%2Csummary%2Cdetails.port" in page.url


def test_the_results_export_as_csv_and_json(open_page: OpenPage, word: str, tmp_path: Path) -> None:
    page = searched(open_page, word)

    with page.expect_download() as as_csv:
        page.click("#export-csv")
    with page.expect_download() as as_json:
        page.click("#export-json")

    csv_path, json_path = tmp_path / "found.csv", tmp_path / "found.json"
    as_csv.value.save_as(csv_path)
    as_json.value.save_as(json_path)
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert sorted(row["hostname"] for row in rows) == ["web1", "web2", "web3"]
    assert sorted(event["details"]["port"] for event in json.loads(json_path.read_text())) == [
        1,
        2,
        3,
    ]


def test_a_saved_search_is_listed_after_a_reload_and_links_to_the_search(
    open_page: OpenPage, word: str
) -> None:
    page = searched(open_page, word)

    page.fill("#save-name", "logins")
    page.click("#save-search")
    page.reload()

    link = page.locator("#saved-searches a", has_text="logins")
    expect(link).to_have_attribute("href", f"/search?q=summary%3A{word}&start=1h")
