"""The SQS intake: events from Amazon SQS queues, and from SNS topics delivered to them.

One thread per queue long-polls it (`sqs.wait_seconds`, up to `sqs.max_messages`
messages a call). A message body is a JSON object, a JSON array, NDJSON, a
CloudTrail-style `{"Records": [...]}` document (one event per record), or an SNS
notification envelope whose `Message` holds any of those, or plain text, which
becomes the summary of one event.

Durability: the messages of one receive are submitted to the intake together and
deleted only after `Intake.submit` returned, so SQS forgets a message only once its
events are durable. When the submit fails, the messages are made visible again and
the thread backs off before it receives again. Each event's id is the message's
SQS id and the event's position in the message (`<MessageId>-<n>`), so a message
delivered twice replaces what the first delivery stored instead of adding copies.

A message whose events cannot be used (invalid JSON, not an object, over the
intake limits) is not retried, since every delivery would fail the same way: its
bad events are counted as rejected with their reason and logged with the message
id, and the message is deleted with the others once its good events, if any,
are durable.

Errors talking to SQS (endpoint down, throttling, credentials) are logged and
retried with an exponential back-off; a queue's thread ends only on `stop`. With a
redrive policy on the queue, a long intake outage (disk full) moves messages to
the dead-letter queue after `maxReceiveCount` receives: set it generously.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import orjson
from botocore.config import Config

from mozdef.config.settings import IntakeSettings, SqsSettings
from mozdef.errors import ConfigError
from mozdef.intake.body import Accepted, Item, Rejection, check_event, split_body
from mozdef.intake.service import Intake, Submission
from mozdef.logfmt import fields

if TYPE_CHECKING:
    from types_boto3_sqs.client import SQSClient
    from types_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
        MessageTypeDef,
    )

logger = logging.getLogger(__name__)

# SQS's own limits for one ReceiveMessage call.
MAX_MESSAGES = 10
MAX_WAIT_SECONDS = 20
_IDLE_SECONDS = 1.0
_SNS_CONTROL = frozenset({"SubscriptionConfirmation", "UnsubscribeConfirmation"})


def message_items(body: bytes, limits: IntakeSettings) -> list[Item]:
    """The events of one message body, in order, each accepted or rejected."""
    stripped = body.strip()
    if not stripped:
        return [Rejection(0, "empty", "the message body holds no event")]
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return split_body(stripped, limits)
    if isinstance(value, list):
        return [check_event(i, item, None, limits) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return _object_items(value, stripped, limits)
    return [check_event(0, value, None, limits)]


def _object_items(value: dict[str, Any], raw: bytes, limits: IntakeSettings) -> list[Item]:
    kind = value.get("Type")
    if kind == "Notification" and isinstance(value.get("Message"), str):
        return _notification_items(value, limits)
    if kind in _SNS_CONTROL and "TopicArn" in value:
        return [Rejection(0, "sns_control", f"an SNS {kind} message, not an event")]
    records = value.get("Records")
    if len(value) == 1 and isinstance(records, list):
        return [check_event(i, record, None, limits) for i, record in enumerate(records)]
    return [check_event(0, value, raw if b"\n" not in raw else None, limits)]


def _notification_items(envelope: dict[str, Any], limits: IntakeSettings) -> list[Item]:
    """The events in an SNS notification's `Message`: JSON in any form that a body may
    take, or plain text that becomes one event with the notification's details."""
    message: str = envelope["Message"]
    if message.lstrip().startswith(("{", "[")):
        return message_items(message.encode(), limits)
    event: dict[str, Any] = {"summary": message, "details": _sns_details(envelope)}
    if isinstance(envelope.get("Timestamp"), str):
        event["timestamp"] = envelope["Timestamp"]
    return [check_event(0, event, None, limits)]


def _sns_details(envelope: dict[str, Any]) -> dict[str, Any]:
    details = {"topicarn": envelope.get("TopicArn"), "subject": envelope.get("Subject")}
    return {key: value for key, value in details.items() if isinstance(value, str)}


@dataclass(frozen=True)
class _Received:
    message_id: str
    receipt: str
    items: list[Item]


def sqs_client(settings: SqsSettings) -> SQSClient:
    """A client whose reads outlast a long poll of `settings.wait_seconds`."""
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=settings.wait_seconds + 20,
    )
    return boto3.session.Session().client(
        "sqs",
        region_name=settings.region,
        endpoint_url=settings.endpoint_url or None,
        config=config,
    )


class SqsIntake:
    """Consumes `settings.queue_urls` into `intake` on a thread per queue."""

    def __init__(
        self,
        intake: Intake,
        settings: SqsSettings,
        *,
        limits: IntakeSettings | None = None,
        client: SQSClient | None = None,
        first_backoff: float = 0.5,
        max_backoff: float = 60.0,
    ) -> None:
        _check(settings)
        self._intake = intake
        self._settings = settings
        self._limits = limits or IntakeSettings()
        self._client = client if client is not None else sqs_client(settings)
        self._backoff = (first_backoff, max_backoff)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        # Messages received (a redelivered one counts again) and deleted; SQS errors.
        self.received = 0
        self.deleted = 0
        self.errors = 0

    def start(self) -> None:
        self._stop.clear()
        for n, url in enumerate(self._settings.queue_urls):
            thread = threading.Thread(target=self._run, args=(url,), name=f"sqs-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("sqs.started", extra=fields(queues=len(self._threads)))

    def stop(self, *, timeout: float | None = None) -> None:
        """Stop receiving; waits for the polls in flight (at most `wait_seconds`)."""
        self._stop.set()
        wait = self._settings.wait_seconds + 30.0 if timeout is None else timeout
        for thread in self._threads:
            thread.join(timeout=wait)
        self._threads = [t for t in self._threads if t.is_alive()]
        logger.info("sqs.stopped", extra=fields(received=self.received, deleted=self.deleted))

    def poll(self, queue_url: str) -> int:
        """One receive from `queue_url`: submit its events, then delete its messages;
        returns the number of messages received."""
        answer = self._client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=self._settings.max_messages,
            WaitTimeSeconds=self._settings.wait_seconds,
        )
        started = time.monotonic()
        received = [self._parse(m) for m in answer.get("Messages", [])]
        if not received:
            return 0
        with self._lock:
            self.received += len(received)
        accepted = self._submit(queue_url, received)
        rejected = self._count_rejections(queue_url, received)
        self._delete(queue_url, received)
        ms = round((time.monotonic() - started) * 1000)
        logger.info(
            "sqs.batch",
            extra=fields(
                queue=queue_url,
                messages=len(received),
                accepted=accepted,
                rejected=rejected,
                ms=ms,
            ),
        )
        return len(received)

    def _run(self, queue_url: str) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                got = self.poll(queue_url)
            except Exception as error:
                # One queue's round is the isolation boundary: log, count, back off, go on.
                failures += 1
                self._pause(queue_url, error, failures)
                continue
            failures = 0
            if not got and self._settings.wait_seconds == 0:
                # Short polling: an empty queue answers at once; do not spin on it.
                self._stop.wait(_IDLE_SECONDS)

    def _pause(self, queue_url: str, error: Exception, failures: int) -> None:
        first, most = self._backoff
        delay = min(most, first * 2 ** (failures - 1))
        with self._lock:
            self.errors += 1
        logger.warning(
            "sqs.retry",
            extra=fields(queue=queue_url, error=str(error) or type(error).__name__, retry_in=delay),
        )
        self._stop.wait(delay)

    def _parse(self, message: MessageTypeDef) -> _Received:
        body = message.get("Body", "").encode()
        items = message_items(body, self._limits)
        return _Received(message["MessageId"], message["ReceiptHandle"], items)

    def _submit(self, queue_url: str, received: Sequence[_Received]) -> int:
        submissions = [
            Submission(item, client_id=f"{r.message_id}-{item.position}")
            for r in received
            for item in r.items
            if isinstance(item, Accepted)
        ]
        try:
            self._intake.submit(submissions)
        except Exception:
            self._release(queue_url, received)
            raise
        return len(submissions)

    def _release(self, queue_url: str, received: Sequence[_Received]) -> None:
        """Make messages whose events were not stored visible again at once (without
        this they wait for the queue's visibility timeout); best effort."""
        entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
            {"Id": str(n), "ReceiptHandle": r.receipt, "VisibilityTimeout": 0}
            for n, r in enumerate(received)
        ]
        try:
            self._client.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
        except Exception as error:
            logger.warning("sqs.release_failed", extra=fields(queue=queue_url, error=str(error)))

    def _count_rejections(self, queue_url: str, received: Sequence[_Received]) -> int:
        rejections = []
        for r in received:
            for item in r.items:
                if isinstance(item, Rejection):
                    rejections.append(item)
                    logger.warning("sqs.rejected", extra=_rejected_fields(queue_url, r, item))
        self._intake.count_rejections(rejections)
        return len(rejections)

    def _delete(self, queue_url: str, received: Sequence[_Received]) -> None:
        entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
            {"Id": str(n), "ReceiptHandle": r.receipt} for n, r in enumerate(received)
        ]
        answer = self._client.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        failed = answer.get("Failed", [])
        with self._lock:
            self.deleted += len(entries) - len(failed)
        if failed:
            # Those come back after the visibility timeout; their ids make the
            # second storing replace the first.
            reasons = sorted({f.get("Code", "") for f in failed})
            logger.warning(
                "sqs.delete_failed",
                extra=fields(queue=queue_url, messages=len(failed), codes=",".join(reasons)),
            )


def _rejected_fields(queue_url: str, received: _Received, item: Rejection) -> dict[str, Any]:
    return fields(
        queue=queue_url,
        message_id=received.message_id,
        position=item.position,
        reason=item.reason,
        error=item.message,
    )


def _check(settings: SqsSettings) -> None:
    if not 1 <= settings.max_messages <= MAX_MESSAGES:
        raise ConfigError("sqs.max_messages", settings.max_messages, "1 to 10 (SQS's limit)")
    if not 0 <= settings.wait_seconds <= MAX_WAIT_SECONDS:
        raise ConfigError("sqs.wait_seconds", settings.wait_seconds, "0 to 20 (SQS's limit)")
