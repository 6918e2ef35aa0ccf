"""Splitting a request body into events, each checked against the intake limits.

A body is one JSON object, a JSON array of objects, or NDJSON (one object per
line). Every event is judged on its own: a bad one becomes a `Rejection` with
its 0-based position and reason, and the others of the same body go on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from mozdef.config.settings import IntakeSettings


@dataclass(frozen=True)
class Accepted:
    position: int
    event: dict[str, Any]
    # The event as one line of JSON, as it goes into the spool.
    line: bytes


@dataclass(frozen=True)
class Rejection:
    position: int
    reason: str
    message: str


Item = Accepted | Rejection


def split_body(body: bytes, limits: IntakeSettings) -> list[Item]:
    """The events of a JSON object, a JSON array or an NDJSON body, in order."""
    stripped = body.strip()
    if stripped.startswith(b"["):
        return _split_array(stripped, limits)
    if b"\n" in stripped:
        whole = _try_whole(stripped)
        if whole is None:
            return list(_split_lines(stripped, limits))
        return [check_event(0, whole, None, limits)]
    return list(_split_lines(stripped, limits))


def _try_whole(body: bytes) -> Any:
    """A pretty-printed single object, or None when the body is NDJSON."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _split_array(body: bytes, limits: IntakeSettings) -> list[Item]:
    try:
        values = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return [_undecodable(0, body, exc)]
    return [check_event(i, value, None, limits) for i, value in enumerate(values)]


def _split_lines(body: bytes, limits: IntakeSettings) -> Iterator[Item]:
    position = 0
    for raw in body.split(b"\n"):
        line = raw.strip()
        if not line:
            continue
        yield parse_line(position, line, limits)
        position += 1


def parse_line(position: int, line: bytes, limits: IntakeSettings) -> Item:
    """One NDJSON line: decoded, then checked."""
    if len(line) > limits.max_event_bytes:
        return _too_large(position, len(line), limits)
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return _undecodable(position, line, exc)
    return check_event(position, value, line, limits)


def check_event(position: int, value: Any, line: bytes | None, limits: IntakeSettings) -> Item:
    """`value` if it is an object within the limits; `line` is its JSON when known."""
    if not isinstance(value, dict):
        found = type(value).__name__
        return Rejection(position, "not_an_object", f"expected a JSON object, found {found}")
    problem = _shape_problem(value, line, limits)
    if problem is not None:
        return Rejection(position, *problem)
    if line is None:
        line = orjson.dumps(value)
        if len(line) > limits.max_event_bytes:
            return _too_large(position, len(line), limits)
    return Accepted(position, value, line)


def _shape_problem(
    value: dict[str, Any], line: bytes | None, limits: IntakeSettings
) -> tuple[str, str] | None:
    if line is not None and _surely_within(line, limits):
        return None
    depth, count = _measure(value, limits.max_depth, limits.max_fields)
    if depth > limits.max_depth:
        return "too_deep", f"nesting deeper than the limit intake.max_depth={limits.max_depth}"
    if count > limits.max_fields:
        return "too_many_fields", f"more than the limit intake.max_fields={limits.max_fields}"
    return None


def _surely_within(line: bytes, limits: IntakeSettings) -> bool:
    """A cheap bound from the raw JSON: every nesting level opens a bracket and every
    field is followed by a colon, so few of them prove the event is within the limits
    without walking it. Brackets and colons inside strings only make the bound loose."""
    opened = line.count(b"{") + line.count(b"[")
    return opened <= limits.max_depth and line.count(b":") <= limits.max_fields


def _measure(value: Any, max_depth: int, max_fields: int) -> tuple[int, int]:
    """Nesting depth and number of fields of `value`, stopping early past a limit."""
    depth, fields, stack = 0, 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        depth = max(depth, level)
        if depth > max_depth or fields > max_fields:
            break
        children = node.values() if isinstance(node, dict) else node
        fields += len(node) if isinstance(node, dict) else 0
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return depth, fields


def _too_large(position: int, size: int, limits: IntakeSettings) -> Rejection:
    return Rejection(
        position,
        "too_large",
        f"event of {size} bytes is over the limit intake.max_event_bytes={limits.max_event_bytes}",
    )


def _undecodable(position: int, data: bytes, exc: orjson.JSONDecodeError) -> Rejection:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return Rejection(position, "invalid_utf8", f"invalid UTF-8 at byte {bad.start}")
    return Rejection(position, "invalid_json", f"invalid JSON: {exc.msg} at char {exc.pos}")
