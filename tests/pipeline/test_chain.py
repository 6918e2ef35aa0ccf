import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from mozdef.pipeline import Pipeline

RECEIVED = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
RECEIVED_TEXT = "2024-06-15T12:00:00.000000+00:00"
Message = dict[str, Any]


class Recorder:
    """Appends its name to details.seen."""

    def __init__(self, name: str, priority: int, registration: Any = ("*",)) -> None:
        self.name = name
        self.priority = priority
        self.registration = registration

    def onMessage(self, message: Message, metadata: Message) -> tuple[Message | None, Message]:
        message["details"].setdefault("seen", []).append(self.name)
        return message, metadata


class Dropper:
    registration = ("*",)
    priority = 5

    def onMessage(self, message: Message, metadata: Message) -> tuple[Message | None, Message]:
        return None, metadata


class MutateThenRaise:
    registration = ("*",)
    priority = 5

    def onMessage(self, message: Message, metadata: Message) -> tuple[Message | None, Message]:
        message["summary"] = "changed"
        message["details"]["added"] = True
        metadata["index"] = "elsewhere"
        raise RuntimeError("boom")


class WrongResult:
    registration = ("*",)
    priority = 5

    def onMessage(self, message: Message, metadata: Message) -> Any:
        return "not a tuple of message and metadata"


class Reroute:
    registration = ("*",)
    priority = 5

    def onMessage(self, message: Message, metadata: Message) -> tuple[Message | None, Message]:
        return message, {"index": "alerts", "id": "fixed-id"}


def run(plugins: list[Any], raw: Message, **kw: Any) -> Any:
    pipeline = Pipeline(plugins, mozdefhostname="mozdef1")
    return pipeline, pipeline.process(raw, event_id="e1", received=RECEIVED, **kw)


def test_event_is_normalized_and_goes_to_the_events_index() -> None:
    _, (event, metadata) = run([], {"message": "hello", "host": "h1"})
    assert (event["summary"], event["hostname"], event["id"]) == ("hello", "h1", "e1")
    assert metadata == {"index": "events", "id": "e1"}


def test_plugins_run_in_priority_order() -> None:
    plugins = [Recorder("late", 30), Recorder("early", 1), Recorder("middle", 10)]
    _, (event, _) = run(plugins, {"summary": "x"})
    assert event["details"]["seen"] == ["early", "middle", "late"]


def test_plugins_of_equal_priority_keep_their_given_order() -> None:
    _, (event, _) = run([Recorder("a", 5), Recorder("b", 5)], {"summary": "x"})
    assert event["details"]["seen"] == ["a", "b"]


def test_plugin_names_in_run_order() -> None:
    pipeline, _ = run([Recorder("b", 2), Recorder("a", 1), Dropper()], {})
    assert pipeline.plugins == ["a", "b", "Dropper"]


def test_dropped_event_gives_none_and_is_counted() -> None:
    pipeline, result = run([Dropper(), Recorder("after", 9)], {"summary": "x"})
    assert result is None
    assert pipeline.stats.dropped_by_plugin == {"Dropper": 1}


def test_raising_plugin_leaves_the_event_as_it_was() -> None:
    _, (event, metadata) = run([MutateThenRaise()], {"summary": "original"})
    assert (event["summary"], event["details"], metadata["index"]) == ("original", {}, "events")


def test_raising_plugin_is_counted_and_later_plugins_run() -> None:
    pipeline, (event, _) = run([MutateThenRaise(), Recorder("after", 9)], {"summary": "x"})
    assert pipeline.stats.plugin_errors == {"MutateThenRaise": 1}
    assert event["details"]["seen"] == ["after"]


def test_raising_plugin_is_logged_with_its_name(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mozdef.pipeline.chain"):
        run([MutateThenRaise()], {"summary": "x"})
    record = caplog.records[0]
    assert record.getMessage() == "plugin.error"
    assert record.__dict__["mozdef_fields"] == {
        "plugin": "MutateThenRaise",
        "event_id": "e1",
        "error": "RuntimeError('boom')",
    }


def test_plugin_returning_something_else_counts_as_an_error() -> None:
    pipeline, (event, _) = run([WrongResult()], {"summary": "x"})
    assert (pipeline.stats.plugin_errors, event["summary"]) == ({"WrongResult": 1}, "x")


def test_plugin_may_change_index_and_id() -> None:
    _, (_, metadata) = run([Reroute()], {"summary": "x"})
    assert metadata == {"index": "alerts", "id": "fixed-id"}


def test_processed_counts_every_event_dropped_or_not() -> None:
    pipeline = Pipeline([Dropper()], mozdefhostname="m")
    for number in range(3):
        pipeline.process({}, event_id=f"e{number}", received=RECEIVED)
    assert pipeline.stats.processed == 3


def test_custom_document_is_kept_as_sent_with_stamps() -> None:
    raw = {"Message": "kept", "nested": {"a": 1}, "timestamp": "2024-01-02T03:04:05Z"}
    _, (document, metadata) = run([], raw, kind="custom", application="myapp")
    assert document == {
        "Message": "kept",
        "nested": {"a": 1},
        "timestamp": "2024-01-02T03:04:05Z",
        "id": "e1",
        "receivedtimestamp": RECEIVED_TEXT,
        "utctimestamp": "2024-01-02T03:04:05.000000+00:00",
    }
    assert metadata == {"index": "myapp", "id": "e1"}


def test_custom_document_without_time_gets_the_received_time() -> None:
    _, (document, _) = run([], {"a": 1}, kind="custom", application="myapp")
    assert document["utctimestamp"] == RECEIVED_TEXT


def test_custom_document_keeps_an_unreadable_utctimestamp() -> None:
    _, (document, _) = run([], {"utctimestamp": "soon"}, kind="custom", application="app")
    assert (document["utctimestamp"], document["originalutctimestamp"]) == (RECEIVED_TEXT, "soon")


def test_custom_document_goes_through_plugins() -> None:
    _, (document, _) = run([Recorder("r", 1)], {"details": {}}, kind="custom", application="a")
    assert document["details"]["seen"] == ["r"]


def test_custom_document_needs_an_application() -> None:
    with pytest.raises(ValueError, match="application=None"):
        run([], {}, kind="custom")
