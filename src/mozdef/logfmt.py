"""Logs as events: an event name and key=value fields, one line each.

    logger.info("intake.batch", extra=fields(accepted=1000, rejected=2, ms=41))

renders as `2026-12-03T13:38:59Z INFO intake.batch accepted=1000 rejected=2 ms=41`.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

_FIELDS = "mozdef_fields"


def fields(**values: Any) -> dict[str, Any]:
    """The `extra` argument that carries `values` to the formatter."""
    return {_FIELDS: values}


def _render(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


class EventFormatter(logging.Formatter):
    def converter(self, seconds: float | None) -> time.struct_time:
        return time.gmtime(seconds)

    def format(self, record: logging.LogRecord) -> str:
        stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ")
        parts = [stamp, record.levelname, record.getMessage()]
        extra: dict[str, Any] = getattr(record, _FIELDS, {})
        parts.extend(f"{key}={_render(value)}" for key, value in extra.items())
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str) -> None:
    """Send the project's logs to standard error, one event per line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(EventFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries' own progress lines (each migration step, each connection, each
    # request to OpenSearch) say nothing the project's events do not.
    for name in ("uvicorn.access", "alembic", "pika", "opensearch"):
        logging.getLogger(name).setLevel(logging.WARNING)
