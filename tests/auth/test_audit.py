from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mozdef.appdb import AppDb
from mozdef.auth.audit import AuditLog
from tests.auth.harness import START, Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def audit(appdb: AppDb, clock: Clock) -> AuditLog:
    return AuditLog(appdb, clock=clock)


def test_a_recorded_entry_is_read_back_with_its_details(audit: AuditLog) -> None:
    audit.record("alice", "alert.ack", "alert-1", {"note": "looking", "count": 2})

    [entry] = audit.page().entries

    assert (entry.at, entry.actor, entry.action, entry.target) == (
        START,
        "alice",
        "alert.ack",
        "alert-1",
    )
    assert entry.details == {"note": "looking", "count": 2}
    assert entry.as_dict()["at"] == "2026-12-01T09:00:00Z"


def test_details_that_are_not_json_are_kept_as_text(audit: AuditLog) -> None:
    audit.record("cli", "user.add", "bob", {"file": Path("/etc/users")})

    assert audit.page().entries[0].details == {"file": "/etc/users"}


def test_entries_come_newest_first_a_page_at_a_time(audit: AuditLog, clock: Clock) -> None:
    for number in range(5):
        audit.record("alice", "alert.ack", f"alert-{number}", {})
        clock.advance(seconds=1)

    first = audit.page(limit=2)
    second = audit.page(limit=2, before=first.next)
    last = audit.page(limit=2, before=second.next)

    assert [e.target for e in first.entries] == ["alert-4", "alert-3"]
    assert [e.target for e in second.entries] == ["alert-2", "alert-1"]
    assert ([e.target for e in last.entries], last.next) == (["alert-0"], None)


def test_entries_can_be_filtered_by_actor_action_and_time(audit: AuditLog, clock: Clock) -> None:
    audit.record("alice", "login.success", "alice", {})
    clock.advance(hours=1)
    audit.record("bob", "login.success", "bob", {})
    audit.record("alice", "logout", "alice", {})

    assert [e.action for e in audit.page(actor="alice").entries] == ["logout", "login.success"]
    assert [e.actor for e in audit.page(action="login.success").entries] == ["bob", "alice"]
    since = START + dt.timedelta(minutes=30)
    assert [e.action for e in audit.page(actor="alice", since=since).entries] == ["logout"]


def test_long_values_are_cut_to_the_width_of_their_column(audit: AuditLog) -> None:
    entry = audit.record("a" * 300, "login.failure", "t" * 300, {})

    assert (len(entry.actor), len(entry.target)) == (255, 255)
    assert audit.page().entries[0].actor == "a" * 255
