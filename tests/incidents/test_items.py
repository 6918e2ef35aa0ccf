from __future__ import annotations

import datetime as dt

import pytest

from mozdef.incidents.checks import InvalidValue
from mozdef.incidents.fields import INCIDENT, ListCodec, Stamp
from mozdef.incidents.items import (
    AttackTag,
    Entry,
    EventLink,
    Indicator,
    Origin,
    TimelineEntry,
    VerisTag,
)

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
ORIGIN = Origin("i1", "alice", AT)
STAMP = Stamp("bob", dt.datetime(2026, 12, 2, tzinfo=dt.UTC))


def test_a_veris_tag_is_kept_in_the_taxonomys_spelling() -> None:
    tag = VerisTag.parse("action.hacking.variety.brute force", ORIGIN)

    assert tag.path == "action.hacking.variety.Brute force"


@pytest.mark.parametrize("path", ["action.hacking", "action.hacking.variety.Teleportation", ""])
def test_a_veris_tag_must_be_a_value_of_the_taxonomy(path: str) -> None:
    with pytest.raises(InvalidValue, match="path: "):
        VerisTag.parse({"path": path}, ORIGIN)


@pytest.mark.parametrize(("given", "kept"), [("T1110", "T1110"), ("t1110.001", "T1110.001")])
def test_a_technique_id_is_t_and_four_digits_maybe_a_subtechnique(given: str, kept: str) -> None:
    assert AttackTag.parse(given, ORIGIN).technique == kept


@pytest.mark.parametrize("given", ["T111", "T1110.1", "TA0001", "1110", "T1110.0011"])
def test_a_malformed_technique_id_is_refused(given: str) -> None:
    with pytest.raises(InvalidValue, match="expected a technique id such as T1110"):
        AttackTag.parse(given, ORIGIN)


def test_a_known_technique_gets_its_name() -> None:
    assert AttackTag.parse("T1110", ORIGIN).name == "Brute Force"
    assert AttackTag.parse("T1999", ORIGIN).name == ""


def test_an_indicator_names_the_part_that_is_wrong() -> None:
    with pytest.raises(InvalidValue, match=r"^type: expected one of"):
        Indicator.parse({"type": "ip", "value": "10.0.0.1"}, ORIGIN)
    with pytest.raises(InvalidValue, match=r"^value: expected an IPv4 address"):
        Indicator.parse({"type": "ipv4", "value": "10.0.0.256"}, ORIGIN)


def test_a_timeline_entry_needs_a_time_and_text() -> None:
    entry = TimelineEntry.parse({"time": "2026-11-30T22:10:00Z", "text": "first login"}, ORIGIN)

    assert entry.time == dt.datetime(2026, 11, 30, 22, 10, tzinfo=dt.UTC)
    with pytest.raises(InvalidValue, match=r"^time: a time is required"):
        TimelineEntry.parse({"text": "when?"}, ORIGIN)


def test_an_event_link_needs_an_index_and_an_event_id() -> None:
    with pytest.raises(InvalidValue, match=r"^event_id: is required"):
        EventLink.parse({"index": "events-20261201"}, ORIGIN)


def test_an_item_written_and_loaded_is_the_same() -> None:
    entry = TimelineEntry.parse({"time": "2026-11-30T22:10:00.123Z", "text": "login"}, ORIGIN)

    assert TimelineEntry.load(entry.to_json()) == entry
    assert entry.to_json()["time"] == "2026-11-30T22:10:00.123+00:00"


def test_a_list_sent_back_keeps_each_known_items_id_author_and_time() -> None:
    codec = INCIDENT.fields["notes"].codec
    assert isinstance(codec, ListCodec)
    before = (Entry(id="n1", by="alice", at=AT, text="first"),)

    after = codec.parse([{"id": "n1", "text": "first, edited"}, "second"], before, STAMP)

    assert after[0] == Entry(id="n1", by="alice", at=AT, text="first, edited")
    assert after[1] == Entry(id=after[1].id, by="bob", at=STAMP.at, text="second")
    assert after[1].id != "n1"


def test_a_list_keeps_one_item_per_key() -> None:
    codec = INCIDENT.fields["techniques"].codec

    kept = codec.parse(["T1110", "t1110", "T1078"], (), STAMP)

    assert [tag.technique for tag in kept] == ["T1110", "T1078"]


def test_a_bad_item_in_a_list_is_named_by_its_position() -> None:
    codec = INCIDENT.fields["indicators"].codec

    with pytest.raises(InvalidValue, match=r"^item 2: value: expected an IPv4 address"):
        codec.parse(
            [{"type": "ipv4", "value": "10.0.0.1"}, {"type": "ipv4", "value": "x"}], (), STAMP
        )
