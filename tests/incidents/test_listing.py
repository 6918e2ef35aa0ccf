from __future__ import annotations

from typing import Any

import pytest

from mozdef.errors import CaseError
from mozdef.incidents import IncidentStore, InvestigationStore


def _open(store: IncidentStore, summary: str, day: int, **values: Any) -> str:
    opened = f"2026-12-{day:02d}T08:00:00+00:00"
    return store.create({"summary": summary, "opened": opened, **values}, by="alice").id


@pytest.fixture
def three(incidents: IncidentStore) -> list[str]:
    return [
        _open(
            incidents, "Phishing of the finance team", 1, veris=["action.social.variety.Phishing"]
        ),
        _open(
            incidents,
            "Brute force on the VPN",
            2,
            phase="containment",
            assignee="bob",
            veris=["action.hacking.variety.Brute force"],
        ),
        _open(incidents, "Ransomware on a file server", 3, status="closed", assignee="bob"),
    ]


def test_incidents_are_listed_latest_opened_first(
    incidents: IncidentStore, three: list[str]
) -> None:
    page = incidents.list()

    assert page.total == 3
    assert [case.id for case in page.cases] == three[::-1]


def test_a_page_is_a_slice_of_the_order_with_the_total(
    incidents: IncidentStore, three: list[str]
) -> None:
    page = incidents.list(limit=1, offset=1)

    assert (page.total, [case.id for case in page.cases]) == (3, [three[1]])


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "closed"}, [2]),
        ({"phase": "Containment"}, [1]),
        ({"assignee": "bob"}, [2, 1]),
        ({"text": "VPN"}, [1]),
        ({"text": "vpn"}, [1]),
        ({"text": "100%"}, []),
        ({"veris_prefix": "action"}, [1, 0]),
        ({"veris_prefix": "action.hacking"}, [1]),
        ({"veris_prefix": "action.social.variety.phishing"}, [0]),
        ({"status": "open", "assignee": "bob"}, [1]),
    ],
)
def test_filters_narrow_the_list(
    incidents: IncidentStore, three: list[str], filters: dict[str, Any], expected: list[int]
) -> None:
    page = incidents.list(**filters)

    assert [case.id for case in page.cases] == [three[index] for index in expected]
    assert page.total == len(expected)


def test_a_summary_line_carries_the_tags_and_phase(
    incidents: IncidentStore, three: list[str]
) -> None:
    line = incidents.list(assignee="bob", status="open").cases[0]

    assert (line.phase, line.veris) == ("containment", ("action.hacking.variety.Brute force",))


def test_changing_the_tags_changes_what_the_veris_filter_finds(
    incidents: IncidentStore, three: list[str]
) -> None:
    tag = incidents.get(three[1]).veris[0]
    incidents.remove(three[1], "veris", tag.id, by="bob")
    incidents.append(three[2], "veris", "action.malware.variety.Ransomware", by="bob")

    assert [case.id for case in incidents.list(veris_prefix="action").cases] == [three[2], three[0]]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"status": "pending"}, "status: expected one of open, closed"),
        ({"phase": "panic"}, "phase: expected one of identification"),
        ({"veris_prefix": "action.teleport"}, "veris: no VERIS group or value 'action.teleport'"),
        ({"limit": 0}, "limit must be 1 to 500"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(
    incidents: IncidentStore, filters: dict[str, Any], message: str
) -> None:
    with pytest.raises(CaseError, match=message):
        incidents.list(**filters)


def test_investigations_are_listed_and_filtered(investigations: InvestigationStore) -> None:
    first = investigations.create({"summary": "Odd logins", "assignee": "bob"}, by="alice")
    investigations.create({"summary": "Port scan", "status": "closed"}, by="alice")

    page = investigations.list(status="open", text="login")

    assert [(case.id, case.assignee) for case in page.cases] == [(first.id, "bob")]
