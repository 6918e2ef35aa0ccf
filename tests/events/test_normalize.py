from datetime import UTC, datetime
from typing import Any

from mozdef.events.normalize import normalize
from mozdef.events.schema import REQUIRED_FIELDS, Event

RECEIVED = datetime(2024, 6, 15, 12, 0, 0, 500000, tzinfo=UTC)
RECEIVED_TEXT = "2024-06-15T12:00:00.500000+00:00"


def norm(raw: dict[str, Any]) -> Event:
    return normalize(raw, event_id="e1", received=RECEIVED, mozdefhostname="mozdef1")


def test_empty_object_gets_every_required_field_with_defaults() -> None:
    assert norm({}) == {
        "id": "e1",
        "utctimestamp": RECEIVED_TEXT,
        "receivedtimestamp": RECEIVED_TEXT,
        "timestamp": RECEIVED_TEXT,
        "mozdefhostname": "mozdef1",
        "category": "UNKNOWN",
        "source": "UNKNOWN",
        "hostname": "UNKNOWN",
        "severity": "INFO",
        "summary": "",
        "processname": "",
        "processid": "",
        "eventsource": "",
        "tags": [],
        "details": {},
        "type": "event",
    }


def test_fields_come_in_schema_order() -> None:
    assert list(norm({"summary": "x", "category": "c"})) == list(REQUIRED_FIELDS)


def test_message_becomes_summary() -> None:
    assert norm({"message": "disk full"})["summary"] == "disk full"


def test_summary_wins_over_message_which_stays_in_details() -> None:
    event = norm({"message": "from message", "summary": "from summary"})
    assert (event["summary"], event["details"]) == ("from summary", {"message": "from message"})


def test_payload_becomes_summary_when_there_is_none() -> None:
    assert norm({"payload": "the payload"})["summary"] == "the payload"


def test_payload_goes_to_details_beside_a_summary() -> None:
    event = norm({"summary": "s", "payload": "p"})
    assert event["details"] == {"payload": "p"}


def test_a_number_as_summary_becomes_text() -> None:
    assert norm({"summary": 42})["summary"] == "42"


def test_eventtime_sets_both_times() -> None:
    event = norm({"eventtime": "2024-01-02T03:04:05Z"})
    assert (event["utctimestamp"], event["timestamp"]) == (
        "2024-01-02T03:04:05.000000+00:00",
        "2024-01-02T03:04:05.000000+00:00",
    )


def test_date_key_is_a_time() -> None:
    assert norm({"date": 1700000000})["utctimestamp"] == "2023-11-14T22:13:20.000000+00:00"


def test_utctimestamp_wins_over_a_different_timestamp() -> None:
    event = norm({"timestamp": "2024-01-01T00:00:00Z", "utctimestamp": "2024-02-02T00:00:00Z"})
    assert event["utctimestamp"] == "2024-02-02T00:00:00.000000+00:00"
    assert event["details"] == {"timestamp": "2024-01-01T00:00:00Z"}


def test_equal_times_under_two_keys_leave_nothing_in_details() -> None:
    stamp = "2024-01-01T00:00:00.000000+00:00"
    assert norm({"timestamp": stamp, "utctimestamp": stamp})["details"] == {}


def test_missing_time_is_the_received_time_without_tag() -> None:
    event = norm({"summary": "x"})
    assert (event["utctimestamp"], event["tags"]) == (RECEIVED_TEXT, [])


def test_unreadable_time_falls_back_to_received_and_is_kept_and_tagged() -> None:
    event = norm({"timestamp": "last tuesday"})
    assert event["utctimestamp"] == RECEIVED_TEXT
    assert event["timestamp"] == RECEIVED_TEXT
    assert event["details"] == {"originaltimestamp": "last tuesday"}
    assert event["tags"] == ["invalid-timestamp"]


def test_a_readable_lower_ranked_time_is_used_when_the_best_is_unreadable() -> None:
    event = norm({"utctimestamp": "garbage", "eventtime": "2024-01-02T00:00:00Z"})
    assert event["utctimestamp"] == "2024-01-02T00:00:00.000000+00:00"
    assert (event["details"], event["tags"]) == ({"utctimestamp": "garbage"}, [])


def test_hostname_synonyms_in_precedence_order() -> None:
    event = norm({"host": "c", "source_host": "b", "hostname": "a"})
    assert event["hostname"] == "a"
    assert event["details"] == {"host": "c", "source_host": "b"}


def test_host_object_gives_hostname_and_keeps_its_structure() -> None:
    host = {"name": "web1", "os": {"family": "debian"}, "ip": ["10.0.0.1"]}
    event = norm({"host": host})
    assert (event["hostname"], event["details"]) == ("web1", {"host": host})


def test_host_object_prefers_its_hostname_key() -> None:
    assert norm({"host": {"hostname": "web1.example.com", "name": "web1"}})["hostname"] == (
        "web1.example.com"
    )


def test_facility_becomes_source() -> None:
    assert norm({"facility": "auth"})["source"] == "auth"


def test_syslogfacility_becomes_source_when_alone() -> None:
    assert norm({"syslogfacility": "daemon"})["source"] == "daemon"


def test_syslogfacility_beside_source_stays_in_details() -> None:
    event = norm({"source": "sshd-log", "syslogfacility": "auth"})
    assert (event["source"], event["details"]) == ("sshd-log", {"syslogfacility": "auth"})


def test_severity_is_upper_cased() -> None:
    assert norm({"severity": "warning"})["severity"] == "WARNING"


def test_severity_synonyms_in_precedence_order() -> None:
    event = norm({"level": "debug", "syslogseverity": "err", "priority": "info"})
    assert event["severity"] == "ERR"
    assert event["details"] == {"level": "debug", "priority": "info"}


def test_numeric_severity_becomes_text() -> None:
    assert norm({"severityvalue": 4})["severity"] == "4"


def test_pid_becomes_processid_text() -> None:
    assert norm({"pid": 4242})["processid"] == "4242"


def test_float_pid_loses_its_point_zero() -> None:
    assert norm({"pid": 4242.0})["processid"] == "4242"


def test_program_becomes_processname() -> None:
    assert norm({"program": "cron"})["processname"] == "cron"


def test_processname_synonyms_in_precedence_order() -> None:
    event = norm({"sourcename": "c", "pname": "b", "processname": "a"})
    assert (event["processname"], event["details"]) == ("a", {"sourcename": "c", "pname": "b"})


def test_logger_becomes_eventsource() -> None:
    assert norm({"logger": "nginx.access"})["eventsource"] == "nginx.access"


def test_path_and_file_become_eventsource() -> None:
    assert norm({"file": "/var/log/b"})["eventsource"] == "/var/log/b"
    assert norm({"path": "/var/log/a"})["eventsource"] == "/var/log/a"


def test_type_becomes_category_when_alone() -> None:
    event = norm({"type": "syslog"})
    assert (event["category"], event["type"]) == ("syslog", "event")


def test_type_losing_to_category_becomes_the_event_type() -> None:
    event = norm({"category": "authentication", "type": "alert"})
    assert (event["category"], event["type"], event["details"]) == (
        "authentication",
        "alert",
        {},
    )


def test_eventtype_becomes_category() -> None:
    assert norm({"eventtype": "dns"})["category"] == "dns"


def test_empty_category_leaves_the_default() -> None:
    assert norm({"category": ""})["category"] == "UNKNOWN"


def test_details_object_is_merged() -> None:
    assert norm({"details": {"a": 1, "b": {"c": [1, 2]}}})["details"] == {
        "a": 1,
        "b": {"c": [1, 2]},
    }


def test_fields_object_is_merged_into_details() -> None:
    assert norm({"fields": {"x": "1"}, "details": {"y": "2"}})["details"] == {"y": "2", "x": "1"}


def test_flat_details_key_becomes_a_details_field() -> None:
    assert norm({"details.username": "alice"})["details"] == {"username": "alice"}


def test_flat_fields_int_suffix_is_converted() -> None:
    assert norm({"fields.bytes_int": "512"})["details"] == {"bytes_int": 512}


def test_flat_float_suffix_is_converted() -> None:
    assert norm({"details.ratio_float": "0.25"})["details"] == {"ratio_float": 0.25}


def test_failed_int_conversion_keeps_the_string() -> None:
    assert norm({"fields.bytes_int": "lots"})["details"] == {"bytes_int": "lots"}


def test_sourceip_becomes_eventsourceipaddress() -> None:
    assert norm({"sourceip": "10.1.1.1"})["details"] == {"eventsourceipaddress": "10.1.1.1"}


def test_tags_string_becomes_a_list() -> None:
    assert norm({"tags": "nxlog"})["tags"] == ["nxlog"]


def test_tags_list_is_kept() -> None:
    assert norm({"tags": ["a", "b"]})["tags"] == ["a", "b"]


def test_unknown_key_is_kept_in_details_with_its_structure() -> None:
    nested = {"level1": {"level2": [1, {"level3": True}]}}
    assert norm({"custom": nested})["details"] == {"custom": nested}


def test_keys_match_case_insensitively_and_without_at_sign() -> None:
    event = norm({"@Message": "hi", "HOSTNAME": "h1", "@version": "1"})
    assert (event["summary"], event["hostname"], event["details"]) == ("hi", "h1", {"version": "1"})


def test_object_sent_as_category_is_kept_in_details() -> None:
    event = norm({"category": {"name": "x"}})
    assert (event["category"], event["details"]) == ("UNKNOWN", {"category": {"name": "x"}})


def test_conflicting_value_for_a_taken_details_key_goes_to_conflicts() -> None:
    event = norm({"details": {"program": "cron"}, "program": "sshd", "processname": "sshd-x"})
    assert event["details"] == {"program": "cron", "conflicts": {"program": "sshd"}}


def test_id_equal_to_the_event_id_is_not_kept() -> None:
    assert norm({"id": "e1"})["details"] == {}


def test_id_different_from_the_event_id_is_kept() -> None:
    assert norm({"id": "client-7"})["details"] == {"id": "client-7"}


def test_raw_object_is_not_modified() -> None:
    raw = {"details": {"a": 1}, "message": "m", "tags": ["t"]}
    norm(raw)
    assert raw == {"details": {"a": 1}, "message": "m", "tags": ["t"]}


def test_mozdef_shaped_event_keeps_its_canonical_time_text() -> None:
    stamp = "2024-01-02T03:04:05.123456+00:00"
    assert norm({"utctimestamp": stamp, "summary": "x"})["utctimestamp"] == stamp
