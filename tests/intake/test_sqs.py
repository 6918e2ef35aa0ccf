"""The SQS intake against a local SQS server (moto's), into a real Intake over a spool."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from mozdef.config.settings import IntakeSettings, SqsSettings
from mozdef.errors import ConfigError, QueueFullError
from mozdef.intake.body import Accepted, Rejection
from mozdef.intake.service import Intake, Submission, Submitted
from mozdef.intake.sqs import SqsIntake, message_items
from mozdef.queue.base import Record, RecordKind
from mozdef.queue.spool import SpoolReader, SpoolWriter

if TYPE_CHECKING:
    from tests.aws_server import AwsServer

pytest_plugins = ("tests.aws_server",)


class FailingIntake(Intake):
    """An intake whose first `failures` submits raise; with `after_publish`, the
    events are made durable first (a crash between storing and deleting)."""

    def __init__(self, queue: SpoolWriter, *, failures: int, after_publish: bool) -> None:
        super().__init__(queue)
        self.failures = failures
        self.after_publish = after_publish
        self.calls = 0

    def submit(
        self,
        submissions: Sequence[Submission],
        *,
        kind: RecordKind = "event",
        application: str | None = None,
    ) -> Submitted:
        self.calls += 1
        if self.calls > self.failures:
            return super().submit(submissions, kind=kind, application=application)
        if self.after_publish:
            super().submit(submissions, kind=kind, application=application)
        raise QueueFullError("spool", 0.1)


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[SpoolWriter]:
    writer = SpoolWriter(tmp_path / "spool")
    yield writer
    writer.close()


@pytest.fixture
def queue_url(aws: AwsServer) -> str:
    return aws.sqs().create_queue(QueueName=aws.unique_name("queue"))["QueueUrl"]


def settings(aws: AwsServer, *urls: str) -> SqsSettings:
    return SqsSettings(queue_urls=urls, endpoint_url=aws.url, wait_seconds=1, max_messages=10)


def spooled(spool: SpoolWriter, tmp_path: Path) -> list[Record]:
    delivery = SpoolReader(tmp_path / "spool").consume(1000, timeout=0)
    return [] if delivery is None else delivery.records


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def left_in_queue(aws: AwsServer, url: str) -> int:
    names: Any = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = aws.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


class Consume:
    """Starts an SqsIntake on the test's queue and waits until it deleted `deleted` messages."""

    def __init__(self, aws: AwsServer, queue_url: str, spool: SpoolWriter) -> None:
        self.settings = settings(aws, queue_url)
        self.spool = spool
        self.started: list[SqsIntake] = []

    def __call__(self, deleted: int, intake: Intake | None = None) -> SqsIntake:
        sqs = SqsIntake(intake or Intake(self.spool), self.settings, first_backoff=0.1)
        self.started.append(sqs)
        sqs.start()
        wait_until(lambda: sqs.deleted >= deleted)
        return sqs


@pytest.fixture
def consume(aws: AwsServer, queue_url: str, spool: SpoolWriter) -> Iterator[Consume]:
    runner = Consume(aws, queue_url, spool)
    yield runner
    for sqs in runner.started:
        sqs.stop()


def send(aws: AwsServer, url: str, *bodies: str) -> list[str]:
    return [aws.sqs().send_message(QueueUrl=url, MessageBody=b)["MessageId"] for b in bodies]


def bodies(records: list[Record]) -> list[dict[str, Any]]:
    return [orjson.loads(r.body) for r in records]


def test_a_json_object_message_becomes_one_event_with_the_message_id(
    aws: AwsServer, queue_url: str, spool: SpoolWriter, tmp_path: Path, consume: Consume
) -> None:
    [message_id] = send(aws, queue_url, '{"summary": "one", "hostname": "h1"}')
    consume(1)
    records = spooled(spool, tmp_path)
    assert [(r.id, r.client_id) for r in records] == [(f"{message_id}-0", True)]
    assert bodies(records) == [{"summary": "one", "hostname": "h1"}]


def test_an_array_message_becomes_one_event_per_element(
    aws: AwsServer, queue_url: str, spool: SpoolWriter, tmp_path: Path, consume: Consume
) -> None:
    [message_id] = send(aws, queue_url, '[{"summary": "a"}, {"summary": "b"}]')
    consume(1)
    records = spooled(spool, tmp_path)
    assert [r.id for r in records] == [f"{message_id}-0", f"{message_id}-1"]
    assert bodies(records) == [{"summary": "a"}, {"summary": "b"}]


def test_an_ndjson_message_becomes_one_event_per_line(
    aws: AwsServer, queue_url: str, spool: SpoolWriter, tmp_path: Path, consume: Consume
) -> None:
    send(aws, queue_url, '{"summary": "a"}\n{"summary": "b"}\n{"summary": "c"}\n')
    consume(1)
    assert bodies(spooled(spool, tmp_path)) == [
        {"summary": "a"},
        {"summary": "b"},
        {"summary": "c"},
    ]


def test_an_sns_notification_delivers_the_event_in_its_message(
    aws: AwsServer, queue_url: str, spool: SpoolWriter, tmp_path: Path, consume: Consume
) -> None:
    sns = aws.sns()
    topic = sns.create_topic(Name=aws.unique_name("topic"))["TopicArn"]
    arn = aws.sqs().get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"])
    sns.publish(TopicArn=topic, Message=json.dumps({"summary": "from sns", "tags": ["x"]}))
    consume(1)
    assert bodies(spooled(spool, tmp_path)) == [{"summary": "from sns", "tags": ["x"]}]


def test_an_sns_text_message_becomes_the_summary_with_the_topic() -> None:
    envelope = {
        "Type": "Notification",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts",
        "Subject": "disk",
        "Message": "disk full on web1",
        "Timestamp": "2026-12-03T10:00:00.000Z",
    }
    [item] = message_items(orjson.dumps(envelope), IntakeSettings())
    assert isinstance(item, Accepted)
    assert item.event == {
        "summary": "disk full on web1",
        "details": {"topicarn": "arn:aws:sns:us-east-1:123456789012:alerts", "subject": "disk"},
        "timestamp": "2026-12-03T10:00:00.000Z",
    }


def test_cloudtrail_records_become_one_event_each() -> None:
    body = b'{"Records": [{"eventName": "ConsoleLogin"}, {"eventName": "StopLogging"}]}'
    items = message_items(body, IntakeSettings())
    assert [i.event for i in items if isinstance(i, Accepted)] == [
        {"eventName": "ConsoleLogin"},
        {"eventName": "StopLogging"},
    ]


def test_an_sns_subscription_confirmation_is_rejected_not_stored() -> None:
    body = b'{"Type": "SubscriptionConfirmation", "TopicArn": "arn:t", "Token": "x"}'
    [item] = message_items(body, IntakeSettings())
    assert isinstance(item, Rejection) and item.reason == "sns_control"


def test_invalid_json_is_counted_and_deleted_and_the_rest_go_on(
    aws: AwsServer, queue_url: str, spool: SpoolWriter, tmp_path: Path, consume: Consume
) -> None:
    intake = Intake(spool)
    send(aws, queue_url, '{"summary": "broken"', '{"summary": "fine"}')
    consume(2, intake)
    assert dict(intake.rejected) == {"invalid_json": 1}
    assert bodies(spooled(spool, tmp_path)) == [{"summary": "fine"}]
    assert left_in_queue(aws, queue_url) == 0


def test_a_message_is_received_again_when_submit_failed(
    aws: AwsServer, queue_url: str, spool: SpoolWriter, tmp_path: Path, consume: Consume
) -> None:
    intake = FailingIntake(spool, failures=1, after_publish=False)
    [message_id] = send(aws, queue_url, '{"summary": "retried"}')
    sqs = consume(1, intake)
    assert (intake.calls, sqs.received, sqs.errors) == (2, 2, 1)
    assert [r.id for r in spooled(spool, tmp_path)] == [f"{message_id}-0"]
    assert left_in_queue(aws, queue_url) == 0


def test_a_redelivered_message_keeps_its_event_ids(
    aws: AwsServer, queue_url: str, spool: SpoolWriter, tmp_path: Path, consume: Consume
) -> None:
    intake = FailingIntake(spool, failures=1, after_publish=True)
    [message_id] = send(aws, queue_url, '[{"summary": "a"}, {"summary": "b"}]')
    consume(1, intake)
    records = spooled(spool, tmp_path)
    first = f"{message_id}-0", f"{message_id}-1"
    assert [(r.id, r.client_id) for r in records] == [(i, True) for i in first + first]


def test_a_missing_queue_is_retried_until_it_exists(
    aws: AwsServer, spool: SpoolWriter, tmp_path: Path
) -> None:
    name = aws.unique_name("later")
    url = f"{aws.url}/123456789012/{name}"
    sqs = SqsIntake(Intake(spool), settings(aws, url), first_backoff=0.1, max_backoff=0.2)
    sqs.start()
    try:
        wait_until(lambda: sqs.errors >= 2)
        assert aws.sqs().create_queue(QueueName=name)["QueueUrl"] == url
        send(aws, url, '{"summary": "after the outage"}')
        wait_until(lambda: sqs.deleted == 1)
    finally:
        sqs.stop()
    assert bodies(spooled(spool, tmp_path)) == [{"summary": "after the outage"}]


def test_more_messages_than_sqs_allows_per_receive_is_a_configuration_error(
    spool: SpoolWriter,
) -> None:
    with pytest.raises(ConfigError, match=r"sqs\.max_messages=11"):
        SqsIntake(Intake(spool), SqsSettings(queue_urls=("q",), max_messages=11))
