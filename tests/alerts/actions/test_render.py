from mozdef.alerts.actions.render import alert_document, render
from tests.alerts.actions.alerts import make_alert


def test_a_whole_placeholder_keeps_the_value_type() -> None:
    document = alert_document(make_alert())

    assert render({"n": "{count}", "tags": "{tags}"}, document) == {"n": 12, "tags": ["ssh"]}


def test_placeholders_inside_text_are_written_as_text() -> None:
    document = alert_document(make_alert())

    text = render("{severity} from {details.sourceipaddress} ({count})", document)

    assert text == "WARNING from 203.0.113.9 (12)"


def test_a_missing_path_renders_empty() -> None:
    document = alert_document(make_alert())

    assert render("user={details.username}.", document) == "user=."


def test_list_items_are_reached_by_position() -> None:
    document = alert_document(make_alert())

    assert render("{events.0.documentsource.hostname}", document) == "web1"


def test_doubled_braces_are_literal() -> None:
    document = alert_document(make_alert())

    assert render("{{not}} {rule_id}", document) == "{not} bruteforce_ssh"


def test_the_document_has_iso_times() -> None:
    document = alert_document(make_alert())

    assert document["utctimestamp"] == "2026-03-01T12:00:00.000000+00:00"
