"""The project's exception tree: one root, one branch per failure domain.

Every exception carries its context as attributes so that callers can log it
as fields and the HTTP layer can answer with a precise message.
"""

from __future__ import annotations


class MozDefError(Exception):
    """Root of every error the project raises on purpose."""


class ConfigError(MozDefError):
    """A configuration value is invalid; names the key, the value and what was expected."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        super().__init__(f"invalid configuration {key}={value!r}: expected {expected}")
        self.key = key
        self.value = value
        self.expected = expected


class QuerySyntaxError(MozDefError):
    """A query string could not be parsed; `position` is a 0-based character offset."""

    def __init__(self, query: str, position: int, expected: str) -> None:
        super().__init__(f"query syntax error at position {position}: expected {expected}")
        self.query = query
        self.position = position
        self.expected = expected


class QueryError(MozDefError):
    """A well-formed query that cannot be run (bad range bound, bad CIDR, bad time)."""


class QueryValueError(QueryError):
    """One value in a query cannot be used as written: names the value and what was expected."""

    def __init__(self, value: str, expected: str) -> None:
        super().__init__(f"invalid value {value!r} in query: expected {expected}")
        self.value = value
        self.expected = expected


class PluginError(MozDefError):
    """A plugin failed to load; names the plugin and the reason."""

    def __init__(self, plugin: str, reason: str) -> None:
        super().__init__(f"plugin {plugin}: {reason}")
        self.plugin = plugin
        self.reason = reason


class StorageError(MozDefError):
    """The event store failed or refused an operation."""


class StorageUnavailableError(StorageError):
    """The store's server cannot be reached; names its URL and what went wrong."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach the event store at {url}: {reason}; is it running?")
        self.url = url
        self.reason = reason


class StorageBusyError(StorageUnavailableError):
    """The store's server is up but cannot take the request now (a full write queue,
    a disk flood-stage block, shards not yet assigned); trying later may succeed."""

    def __init__(self, url: str, reason: str) -> None:
        StorageError.__init__(self, f"the event store at {url} cannot take it now: {reason}")
        self.url = url
        self.reason = reason


class StoreLockedError(StorageError):
    """Another process holds the writer of the store; `path` is the store's folder."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class ArchiveError(StorageError):
    """An archive is missing, damaged or does not match its manifest."""


class IntakeError(MozDefError):
    """An event or batch was refused at intake; `reason` is a short machine-readable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class QueueFullError(MozDefError):
    """A bounded buffer is full; the caller should retry after `retry_after` seconds."""

    def __init__(self, stage: str, retry_after: float) -> None:
        super().__init__(f"{stage} is full; retry after {retry_after:g}s")
        self.stage = stage
        self.retry_after = retry_after


class RuleError(MozDefError):
    """A rule could not be loaded or run; names the rule, its file and line when known."""

    def __init__(
        self,
        reason: str,
        *,
        rule_id: str | None = None,
        path: str | None = None,
        line: int | None = None,
    ) -> None:
        where = [part for part in (path, None if line is None else f"line {line}") if part]
        prefix = ", ".join(where) or (f"rule {rule_id}" if rule_id else "rule")
        super().__init__(f"{prefix}: {reason}")
        self.reason = reason
        self.rule_id = rule_id
        self.path = path
        self.line = line


class AlertError(MozDefError):
    """An operation on a stored alert was refused; names the alert."""

    def __init__(self, alert_id: str, reason: str) -> None:
        super().__init__(f"alert {alert_id}: {reason}")
        self.alert_id = alert_id
        self.reason = reason


class AlertNotFoundError(AlertError):
    def __init__(self, alert_id: str) -> None:
        super().__init__(alert_id, "no such alert")


class AppDbError(MozDefError):
    """The application database could not be opened, migrated or written."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"application database {url}: {reason}")
        self.url = url
        self.reason = reason


class ActionError(MozDefError):
    """An alert action could not deliver; `retryable` says whether trying again may help."""

    def __init__(self, action: str, reason: str, *, retryable: bool = True) -> None:
        super().__init__(f"action {action}: {reason}")
        self.action = action
        self.reason = reason
        self.retryable = retryable


class AccountError(MozDefError):
    """A change to a user or an API token was refused; `subject` names the user or token,
    `problem` is a short code: invalid, not_found, exists or last_admin."""

    def __init__(self, subject: str, problem: str, message: str) -> None:
        super().__init__(f"{subject}: {message}")
        self.subject = subject
        self.problem = problem


class AlertChangeTimeoutError(AlertError):
    """A status change asked of the process that writes alerts was not applied in time;
    `seconds` is how long the asker waited."""

    def __init__(self, alert_id: str, seconds: float, reason: str) -> None:
        super().__init__(alert_id, reason)
        self.seconds = seconds


class QueueUnavailableError(MozDefError):
    """The queue's broker cannot be reached or did not confirm in time; names its URL
    (without the password) and what went wrong. The caller should answer 503 and retry."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach the queue broker at {url}: {reason}")
        self.url = url
        self.reason = reason


class CaseError(MozDefError):
    """A change to an incident or investigation was refused; names the case (None while
    creating one), the field and the reason. `problem` is a short code: invalid,
    not_found, conflict or state (the case's state forbids it, as promoting twice)."""

    def __init__(
        self,
        kind: str,
        case_id: str | None,
        field: str,
        reason: str,
        *,
        problem: str = "invalid",
    ) -> None:
        subject = f"{kind} {case_id}" if case_id else f"new {kind}"
        super().__init__(f"{subject}: {field}: {reason}" if field else f"{subject}: {reason}")
        self.kind = kind
        self.case_id = case_id
        self.field = field
        self.reason = reason
        self.problem = problem


class CaseNotFoundError(CaseError):
    def __init__(self, kind: str, case_id: str) -> None:
        super().__init__(kind, case_id, "", "no such " + kind, problem="not_found")


class CaseConflictError(CaseError):
    """Fields changed by someone else since the version an update was based on;
    `current` maps each such field to its current (value, version)."""

    def __init__(self, kind: str, case_id: str, current: dict[str, tuple[object, int]]) -> None:
        names = ", ".join(sorted(current))
        super().__init__(
            kind,
            case_id,
            names,
            "changed since the version given; nothing was saved, apply again on the current values",
            problem="conflict",
        )
        self.current = current


class ListEntryError(MozDefError):
    """A change to the block list, its protected ranges or the watch list was refused.

    `field` names the input at fault (`value`, `expires`, ...; empty when none is),
    `value` what was given, `problem` a short code: invalid, protected (blocking it
    would touch `protected_range`), overlap (a protected range over active blocks),
    exists, not_found or removed (already unblocked)."""

    def __init__(
        self,
        field: str,
        value: object,
        message: str,
        *,
        problem: str = "invalid",
        protected_range: str | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.value = value
        self.problem = problem
        self.protected_range = protected_range
