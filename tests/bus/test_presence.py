from __future__ import annotations

import datetime as dt

import pytest

from mozdef.bus.message import Message
from mozdef.bus.presence import Presence, PresenceBoard, presence_from

START = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


def _message(connection: str, incident: str | None, *, expires: dt.datetime) -> Message:
    presence = Presence(connection, "alice", incident, None, expires)
    return Message(1, "presence", presence.payload(), START)


def test_a_presence_round_trips_through_its_payload() -> None:
    presence = Presence("c1", "alice", "i-42", "summary", START)

    assert presence.payload()["expires"] == "2026-12-04T09:00:00.000000Z"
    assert presence_from(presence.payload()) == presence


def test_a_presence_without_a_user_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="presence: user: expected a non-empty string"):
        presence_from({"connection": "c1", "incident": "i-42", "expires": "2026-12-04T09:00:00Z"})


def test_the_board_forgets_a_presence_once_it_lapses() -> None:
    now = [START]
    board = PresenceBoard(clock=lambda: now[0])
    board.record(_message("c1", "i-42", expires=START + dt.timedelta(seconds=30)))

    assert [p.connection for p in board.current()] == ["c1"]
    now[0] = START + dt.timedelta(seconds=31)
    assert board.current() == []


def test_the_board_forgets_a_connection_that_left() -> None:
    board = PresenceBoard(clock=lambda: START)
    board.record(_message("c1", "i-42", expires=START + dt.timedelta(seconds=30)))
    board.record(_message("c1", None, expires=START + dt.timedelta(seconds=30)))

    assert board.current() == []


def test_the_board_answers_the_presences_on_one_incident() -> None:
    board = PresenceBoard(clock=lambda: START)
    board.record(_message("c1", "i-1", expires=START + dt.timedelta(seconds=30)))
    board.record(_message("c2", "i-2", expires=START + dt.timedelta(seconds=30)))

    assert [p.connection for p in board.current(incident="i-2")] == ["c2"]
