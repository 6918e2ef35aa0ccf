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
