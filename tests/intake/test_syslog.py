from datetime import UTC, datetime
from typing import Any

from mozdef.config.settings import IntakeSettings
from mozdef.events.normalize import normalize
from mozdef.intake.body import Accepted, Rejection
from mozdef.intake.syslog import parse_syslog, syslog_item

NOW = datetime(2024, 12, 5, 10, 0, tzinfo=UTC)


def parse(message: bytes) -> dict[str, Any]:
    return parse_syslog(message, now=NOW)


def test_sshd_rfc3164_line_gives_every_header_field() -> None:
    line = b"<38>Dec  3 13:38:59 bastion sshd[4242]: Accepted publickey for alice from 10.0.0.5"
    assert parse(line) == {
        "category": "syslog",
        "source": "syslog",
        "severity": "INFO",
        "utctimestamp": "2024-12-03T13:38:59.000000+00:00",
        "hostname": "bastion",
        "processname": "sshd",
        "processid": "4242",
        "summary": "Accepted publickey for alice from 10.0.0.5",
        "details": {"facility": "auth"},
    }


def test_sudo_line_without_pid_keeps_the_message_after_its_padding() -> None:
    line = b"<85>Jan  5 10:00:00 web1 sudo:    alice : TTY=pts/0 ; USER=root ; COMMAND=/bin/ls"
    event = parse(line)
    assert (event["processname"], event["severity"]) == ("sudo", "NOTICE")
    assert event["summary"] == "alice : TTY=pts/0 ; USER=root ; COMMAND=/bin/ls"
    assert event["details"] == {"facility": "authpriv"}
    assert "processid" not in event


def test_kernel_line_at_warning_from_the_kern_facility() -> None:
    event = parse(b"<4>Dec  3 13:38:59 fw1 kernel: [12345.678901] IN=eth0 OUT= SRC=10.1.1.1")
    assert (event["hostname"], event["processname"]) == ("fw1", "kernel")
    assert (event["severity"], event["details"]["facility"]) == ("WARNING", "kern")
    assert event["summary"] == "[12345.678901] IN=eth0 OUT= SRC=10.1.1.1"


def test_a_year_old_date_is_placed_in_the_nearest_year() -> None:
    event = parse(b"<13>Dec 31 23:59:59 h app: x")
    assert event["utctimestamp"] == "2024-12-31T23:59:59.000000+00:00"
    assert parse_syslog(b"<13>Dec 31 23:59:59 h app: x", now=datetime(2025, 1, 1, tzinfo=UTC))[
        "utctimestamp"
    ] == ("2024-12-31T23:59:59.000000+00:00")


def test_missing_hostname_leaves_the_tag_as_program() -> None:
    event = parse(b"<13>Dec  3 13:38:59 myapp[7]: started")
    assert "hostname" not in event
    assert (event["processname"], event["processid"], event["summary"]) == ("myapp", "7", "started")


def test_rsyslog_forward_format_iso_time_is_read_with_its_offset() -> None:
    line = b"<30>2024-12-03T13:38:59.123456+01:00 host1 systemd[1]: Started Session 5 of user bob."
    event = parse(line)
    assert event["utctimestamp"] == "2024-12-03T12:38:59.123456+00:00"
    assert (event["hostname"], event["processname"], event["processid"]) == (
        "host1",
        "systemd",
        "1",
    )
    assert (event["severity"], event["details"]["facility"]) == ("INFO", "daemon")


def test_no_pri_is_user_notice() -> None:
    event = parse(b"Dec  3 13:38:59 h1 cron[99]: (root) CMD (run-parts /etc/cron.hourly)")
    assert (event["severity"], event["details"]["facility"]) == ("NOTICE", "user")
    assert (event["hostname"], event["processname"]) == ("h1", "cron")


def test_pri_without_a_time_keeps_tag_and_message() -> None:
    event = parse(b"<27>dhclient: no lease, sleeping")
    assert "utctimestamp" not in event
    assert (event["processname"], event["summary"], event["severity"]) == (
        "dhclient",
        "no lease, sleeping",
        "ERROR",
    )


def test_rfc5424_with_structured_data_and_bom() -> None:
    line = (
        b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47"
        b' [exampleSDID@32473 iut="3" eventSource="Application"][meta sequenceId="1"]'
        b" \xef\xbb\xbfAn application event log entry"
    )
    assert parse(line) == {
        "category": "syslog",
        "source": "syslog",
        "severity": "NOTICE",
        "utctimestamp": "2003-10-11T22:14:15.003000+00:00",
        "hostname": "mymachine.example.com",
        "processname": "evntslog",
        "summary": "An application event log entry",
        "details": {
            "facility": "local4",
            "msgid": "ID47",
            "structureddata": {
                "exampleSDID@32473": {"iut": "3", "eventSource": "Application"},
                "meta": {"sequenceId": "1"},
            },
        },
    }


def test_rfc5424_param_escapes_and_repeats() -> None:
    line = b'<14>1 - h app 12 - [x@1 a="q\\"uo\\]te\\\\" a="two" b=""] msg'
    event = parse(line)
    assert event["details"]["structureddata"] == {"x@1": {"a": ['q"uo]te\\', "two"], "b": ""}}
    assert (event["processid"], event["summary"]) == ("12", "msg")


def test_rfc5424_nil_values_are_left_out() -> None:
    event = parse(b"<14>1 - - - - - -")
    assert event == {
        "category": "syslog",
        "source": "syslog",
        "severity": "INFO",
        "details": {"facility": "user"},
    }


def test_rfc5424_malformed_structured_data_keeps_the_rest_as_summary() -> None:
    event = parse(b'<14>1 2024-12-03T13:38:59Z h app - - [x@1 a="open] msg')
    assert event["hostname"] == "h"
    assert event["summary"] == '[x@1 a="open] msg'
    assert event["tags"] == ["syslog-invalid-structured-data"]


def test_rfc5424_unreadable_time_is_passed_on_for_the_normalizer_to_tag() -> None:
    raw = parse(b"<14>1 2024-13-45T00:00:00Z h app - - - hi")
    event = normalize(raw, event_id="e1", received=NOW, mozdefhostname="m")
    assert event["tags"] == ["invalid-timestamp"]
    assert event["details"]["originaltimestamp"] == "2024-13-45T00:00:00Z"
    assert event["utctimestamp"] == "2024-12-05T10:00:00.000000+00:00"


def test_cee_json_is_the_event_and_the_header_fills_the_rest() -> None:
    line = b'<14>Dec  3 13:38:59 h1 app[3]: @cee: {"msg":"login","user":"bob","hostname":"h9"}'
    event = normalize(parse(line), event_id="e1", received=NOW, mozdefhostname="m")
    assert (event["summary"], event["hostname"]) == ("login", "h9")
    assert (event["processname"], event["processid"], event["category"]) == ("app", "3", "syslog")
    assert event["details"] == {"user": "bob", "facility": "user"}


def test_plain_json_message_merges_its_tags_and_details() -> None:
    line = b'<11>Dec  3 13:38:59 h1 app: {"message":"x","tags":["a"],"details":{"k":1}}'
    event = normalize(parse(line), event_id="e1", received=NOW, mozdefhostname="m")
    assert (event["summary"], event["tags"], event["severity"]) == ("x", ["a"], "ERROR")
    assert event["details"] == {"k": 1, "facility": "user"}


def test_json_message_with_invalid_utf8_is_tagged_beside_its_own_tags() -> None:
    line = b'<14>Dec  3 13:38:59 h1 app: {"message":"caf\xe9","tags":"t"}'
    event = parse(line)
    assert event["tags"] == ["t", "invalid-utf8"]
    assert event["message"] == "caf\ufffd"


def test_invalid_cee_json_stays_text_and_is_tagged() -> None:
    event = parse(b"<14>Dec  3 13:38:59 h1 app: @cee: {broken")
    assert event["summary"] == "@cee: {broken"
    assert event["tags"] == ["syslog-invalid-cee"]


def test_invalid_utf8_is_replaced_and_tagged() -> None:
    event = parse(b"<14>Dec  3 13:38:59 h1 app: caf\xe9 ok")
    assert event["summary"] == "caf\ufffd ok"
    assert event["tags"] == ["invalid-utf8"]


def test_garbage_is_kept_whole_and_tagged_unparsed() -> None:
    assert parse(b"\x00\x01 not syslog at all\r\n") == {
        "category": "syslog",
        "source": "syslog",
        "summary": "\x00\x01 not syslog at all",
        "tags": ["syslog-unparsed"],
    }


def test_pri_out_of_range_is_unparsed() -> None:
    assert parse(b"<192>Dec  3 13:38:59 h app: x")["tags"] == ["syslog-unparsed"]


def test_syslog_item_is_accepted_with_the_truncated_tag() -> None:
    item = syslog_item(3, b"<14>Dec  3 13:38:59 h app: cut", IntakeSettings(), truncated=True)
    assert isinstance(item, Accepted)
    assert (item.position, item.event["tags"]) == (3, ["truncated"])
    assert item.line.startswith(b'{"category":"syslog"')


def test_syslog_item_rejects_json_over_the_depth_limit() -> None:
    nested = b'{"a":' * 5 + b"1" + b"}" * 5
    item = syslog_item(0, b"<14>Dec  3 13:38:59 h app: " + nested, IntakeSettings(max_depth=3))
    assert isinstance(item, Rejection)
    assert item.reason == "too_deep"


def test_normalized_plain_event_takes_the_fast_path_shape() -> None:
    raw = parse(b"<38>Dec  3 13:38:59 bastion sshd[1]: hello")
    event = normalize(raw, event_id="e1", received=NOW, mozdefhostname="m")
    assert (event["hostname"], event["processname"], event["summary"]) == (
        "bastion",
        "sshd",
        "hello",
    )
    assert (event["type"], event["tags"], event["details"]) == ("event", [], {"facility": "auth"})


def test_syslog_item_rejects_an_event_over_the_size_limit() -> None:
    message = b"<14>Dec  3 13:38:59 h app: " + b"z" * 300
    item = syslog_item(0, message, IntakeSettings(max_event_bytes=200))
    assert isinstance(item, Rejection)
    assert item.reason == "too_large"
