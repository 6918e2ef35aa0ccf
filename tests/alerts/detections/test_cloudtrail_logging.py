from mozdef.alerts.detections import cloudtrail_logging
from mozdef.events.schema import Event
from tests.alerts.detections.stored import NOW, event, stored, streamed


def _call(name: str, **details: object) -> Event:
    fields = {"eventname": name, "requestparameters": {"name": "main-trail"}, **details}
    return event(source="cloudtrail", category="AWSCloudtrail", details=fields)


def test_stop_logging_raises_a_critical_alert() -> None:
    drafts = cloudtrail_logging.rule().run(stored(_call("StopLogging")), now=NOW)

    assert [(d.summary, d.severity) for d in drafts] == [
        ("Cloudtrail Logging Disabled: main-trail", "CRITICAL")
    ]


def test_delete_trail_raises_an_alert() -> None:
    drafts = cloudtrail_logging.rule().run(stored(_call("DeleteTrail")), now=NOW)

    assert [d.summary for d in drafts] == ["Cloudtrail Trail Deleted: main-trail"]


def test_a_refused_stop_logging_raises_nothing() -> None:
    store = stored(_call("StopLogging", errorcode="AccessDenied"))

    assert cloudtrail_logging.rule().run(store, now=NOW) == []


def test_start_logging_raises_nothing() -> None:
    assert cloudtrail_logging.rule().run(stored(_call("StartLogging")), now=NOW) == []


def test_streaming_raises_on_stop_logging() -> None:
    assert (
        len(streamed(cloudtrail_logging.rule(), _call("StopLogging"), _call("StartLogging"))) == 1
    )
