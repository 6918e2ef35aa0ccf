"""Telling a firewall's API about blocks as they are added and removed.

A firewall that fetches `/api/v1/blocklist/ip.txt` needs nothing here. One with an
API to call is a `FirewallPush`: `push` after entries are added or extended,
`withdraw` after they are removed or pruned as expired. `HttpFirewallPush` POSTs

    {"action": "block" | "unblock", "entries": [{"id", "kind", "value", "reason",
     "created_by", "created", "expires"}, ...]}

to one URL and returns what happened; it never raises for the firewall's failures.
`QueuedPush` puts any FirewallPush behind a bounded queue and one thread, so the
request (or alert action) that changed the list does not wait for the firewall.

Known limit: a failed or dropped push is logged and counted, never tried again, so
a firewall that missed it stays out of step for that entry until the entry changes
again. A firewall that must never miss a change should fetch ip.txt, which is
always complete.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from mozdef.alerts.store import format_time
from mozdef.blocklist.model import BlockListEntry
from mozdef.logfmt import fields

log = logging.getLogger(__name__)

Action = Literal["block", "unblock"]
MAX_ERROR_TEXT = 300


@dataclass(frozen=True)
class PushResult:
    ok: bool
    # `http 200`, `queued`, or what went wrong.
    detail: str


class FirewallPush(Protocol):
    def push(self, added: Sequence[BlockListEntry]) -> PushResult: ...

    def withdraw(self, removed: Sequence[BlockListEntry]) -> PushResult: ...


def push_document(entry: BlockListEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "value": entry.value,
        "reason": entry.reason,
        "created_by": entry.created_by,
        "created": format_time(entry.created),
        "expires": None if entry.expires is None else format_time(entry.expires),
    }


class HttpFirewallPush:
    """POSTs each change as JSON to `url`; `headers` carry the firewall's credentials."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout, headers=dict(headers or {}))

    def push(self, added: Sequence[BlockListEntry]) -> PushResult:
        return self._send("block", added)

    def withdraw(self, removed: Sequence[BlockListEntry]) -> PushResult:
        return self._send("unblock", removed)

    def close(self) -> None:
        self._client.close()

    def _send(self, action: Action, entries: Sequence[BlockListEntry]) -> PushResult:
        body = {"action": action, "entries": [push_document(entry) for entry in entries]}
        try:
            response = self._client.post(self.url, json=body)
        except httpx.HTTPError as error:
            reason = f"cannot reach {self.url}: {error or type(error).__name__}"
            return _failed(action, len(entries), reason)
        if response.is_success:
            log.info(
                "blocklist.pushed",
                extra=fields(action=action, entries=len(entries), status=response.status_code),
            )
            return PushResult(True, f"http {response.status_code}")
        text = response.text[:MAX_ERROR_TEXT].strip()
        return _failed(action, len(entries), f"http {response.status_code} {text}".strip())


def _failed(action: Action, count: int, reason: str) -> PushResult:
    log.warning("blocklist.push_failed", extra=fields(action=action, entries=count, error=reason))
    return PushResult(False, reason)


@dataclass(frozen=True)
class _Job:
    action: Action
    entries: tuple[BlockListEntry, ...]


class QueuedPush:
    """Hands changes to `target` from a thread of its own; a full queue drops the
    change (logged, counted in `dropped`) rather than making the caller wait."""

    def __init__(self, target: FirewallPush, *, capacity: int = 1000) -> None:
        self.target = target
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=capacity)
        self._thread = threading.Thread(target=self._run, name="blocklist-push", daemon=True)
        self._thread.start()

    def push(self, added: Sequence[BlockListEntry]) -> PushResult:
        return self._submit(_Job("block", tuple(added)))

    def withdraw(self, removed: Sequence[BlockListEntry]) -> PushResult:
        return self._submit(_Job("unblock", tuple(removed)))

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until every queued change was handed over; False after `timeout` s."""
        jobs = self._jobs
        with jobs.all_tasks_done:
            return jobs.all_tasks_done.wait_for(lambda: jobs.unfinished_tasks == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Hand over what is queued (for up to `timeout` s), then stop the thread."""
        self.drain(timeout)
        try:
            self._jobs.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _submit(self, job: _Job) -> PushResult:
        if not job.entries:
            return PushResult(True, "nothing to send")
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            self.dropped += 1
            log.error(
                "blocklist.push_dropped",
                extra=fields(action=job.action, entries=len(job.entries), reason="queue full"),
            )
            return PushResult(False, "the push queue is full: change dropped")
        return PushResult(True, "queued")

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                self._deliver(job)
            finally:
                self._jobs.task_done()

    def _deliver(self, job: _Job) -> None:
        send = self.target.push if job.action == "block" else self.target.withdraw
        try:
            result = send(job.entries)
        except Exception as error:
            # One firewall call's failure must not stop the thread serving the next.
            log.exception("blocklist.push_crashed", extra=fields(action=job.action))
            result = PushResult(False, f"{type(error).__name__}: {error}")
        if result.ok:
            self.sent += 1
        else:
            self.failed += 1
