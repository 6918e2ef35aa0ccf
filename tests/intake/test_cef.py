from datetime import UTC, datetime

import pytest

from mozdef.errors import IntakeError
from mozdef.events.normalize import normalize
from mozdef.intake.cef import parse_cef

LINE = "CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2"


def error_of(line: str) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        parse_cef(line)
    return caught.value


def test_header_fields_become_details_and_summary() -> None:
    event = parse_cef(LINE)
    assert event["summary"] == "worm successfully stopped"
    assert event["category"] == "cef"
    assert event["processname"] == "threatmanager"
    assert event["details"] == {
        "cefversion": 0,
        "devicevendor": "Security",
        "deviceproduct": "threatmanager",
        "deviceversion": "1.0",
        "signatureid": "100",
        "cefseverity": "10",
        "src": "10.0.0.1",
        "dst": "2.1.2.2",
    }


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("0", "INFO"), ("3", "INFO"), ("4", "WARNING"), ("7", "ERROR"), ("9", "CRITICAL")],
)
def test_numeric_severity_maps_to_a_level(severity: str, expected: str) -> None:
    assert parse_cef(f"CEF:0|V|P|1|1|N|{severity}|")["severity"] == expected


def test_word_severity_maps_to_a_level() -> None:
    assert parse_cef("CEF:1|V|P|1|1|N|Very-High|")["severity"] == "CRITICAL"


def test_escaped_pipe_and_backslash_in_header() -> None:
    event = parse_cef(r"CEF:0|Ven\|dor|Pro\\duct|1|1|Name|1|")
    assert (event["details"]["devicevendor"], event["details"]["deviceproduct"]) == (
        "Ven|dor",
        "Pro\\duct",
    )


def test_extension_value_may_contain_spaces() -> None:
    event = parse_cef("CEF:0|V|P|1|1|N|1|msg=a message with spaces act=blocked")
    assert (event["details"]["msg"], event["details"]["act"]) == (
        "a message with spaces",
        "blocked",
    )


def test_extension_escapes_are_read() -> None:
    event = parse_cef(r"CEF:0|V|P|1|1|N|1|msg=a\=b c\\d line1\nline2\r end")
    assert event["details"]["msg"] == "a=b c\\d line1\nline2\r end"


def test_unescaped_equals_inside_a_value_is_kept() -> None:
    event = parse_cef("CEF:0|V|P|1|1|N|1|request=https://x.example/?a=b&c=d dpt=443")
    assert event["details"]["request"] == "https://x.example/?a=b&c=d"


def test_extension_key_may_hold_dots_and_brackets() -> None:
    event = parse_cef("CEF:0|V|P|1|1|N|1|ad.field[0]=x")
    assert event["details"]["ad.field[0]"] == "x"


def test_empty_extension_value_is_an_empty_string() -> None:
    event = parse_cef("CEF:0|V|P|1|1|N|1|suser= duser=bob")
    assert (event["details"]["suser"], event["details"]["duser"]) == ("", "bob")


def test_syslog_header_gives_time_and_host() -> None:
    event = parse_cef("<134>Sep 19 08:26:10 fw1 CEF:0|V|P|1|1|N|1|")
    assert (event["timestamp"], event["hostname"]) == ("Sep 19 08:26:10", "fw1")


def test_syslog_tag_is_kept_in_details() -> None:
    event = parse_cef("Sep 19 08:26:10 fw1 agent[12]: CEF:0|V|P|1|1|N|1|")
    assert event["details"]["syslogtag"] == "agent[12]:"


def test_unreadable_prefix_is_kept_as_syslog_header() -> None:
    event = parse_cef("garbage-prefix CEF:0|V|P|1|1|N|1|")
    assert event["details"]["syslogheader"] == "garbage-prefix"


def test_dvchost_and_rt_give_host_and_time() -> None:
    event = parse_cef("Sep 19 08:26:10 relay CEF:0|V|P|1|1|N|1|dvchost=fw2 rt=1700000000123")
    assert (event["hostname"], event["timestamp"]) == ("fw2", 1700000000123)


def test_missing_marker_is_an_error_at_column_1() -> None:
    error = error_of("not cef at all")
    assert (error.reason, str(error)) == (
        "invalid_cef",
        "invalid CEF at column 1: expected 'CEF:' followed by the header, found none",
    )


def test_short_header_is_an_error_at_the_end_of_the_line() -> None:
    assert str(error_of("CEF:0|V|P|1")) == (
        "invalid CEF at column 12: expected 7 header fields ending with '|', found 3"
    )


def test_non_numeric_version_is_an_error_at_the_version() -> None:
    assert str(error_of("CEF:x|V|P|1|1|N|1|")) == (
        "invalid CEF at column 5: expected the CEF version as a number, found 'x'"
    )


def test_bad_severity_is_an_error_at_the_severity() -> None:
    assert str(error_of("CEF:0|V|P|1|1|N|urgent|")) == (
        "invalid CEF at column 17: expected a severity from 0 to 10 or Unknown, Low, Medium,"
        " High, Very-High; found 'urgent'"
    )


def test_extension_not_starting_with_a_key_is_an_error() -> None:
    assert str(error_of("CEF:0|V|P|1|1|N|1|oops src=1.2.3.4")) == (
        "invalid CEF at column 19: expected the extension to start with key=value,"
        " found 'oops src=1.2.3.4'"
    )


def test_dangling_backslash_is_an_error_at_its_column() -> None:
    assert str(error_of("CEF:0|V|P|1|1|N|1|msg=abc\\")) == (
        "invalid CEF at column 26: a backslash ends the value: escape it as '\\\\'"
    )


def test_repeated_key_is_an_error_at_the_second_one() -> None:
    assert str(error_of("CEF:0|V|P|1|1|N|1|src=1.1.1.1 src=2.2.2.2")) == (
        "invalid CEF at column 31: extension key 'src' appears twice"
    )


def test_cef_event_normalizes_with_its_time_host_and_severity() -> None:
    line = "CEF:0|V|P|1|7|Port scan|8|dvchost=fw1 rt=1700000000123 src=192.0.2.1"
    event = normalize(
        parse_cef(line),
        event_id="e",
        received=datetime(2024, 1, 1, tzinfo=UTC),
        mozdefhostname="m",
    )
    assert (event["utctimestamp"], event["hostname"], event["severity"], event["summary"]) == (
        "2023-11-14T22:13:20.123000+00:00",
        "fw1",
        "ERROR",
        "Port scan",
    )
