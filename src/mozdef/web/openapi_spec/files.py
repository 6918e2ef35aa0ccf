"""The YAML files of the OpenAPI description, read once and checked.

`components.yaml` holds the introduction (`info`), the `tags` and the shared
`components`. Every other `*.yaml` file maps "METHOD /path", as the route table
writes the path, to an OpenAPI operation, where two shorthands are taken:
- `json: <schema>` in an answer or a request body stands for its application/json
  content (mozdef.web.openapi writes it out);
- `same_as: "METHOD /path"` starts from that operation, for the routes that serve
  the same thing under another path or method; the alias keeps its own
  `operationId`, or gets the one derived from its method and path.

A key described twice, a key that is not "METHOD /path" and a `same_as` naming
nothing stop the load with a DescriptionError naming the file and the key.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mozdef.errors import MozDefError

ROOT = Path(__file__).parent
COMPONENTS_FILE = "components.yaml"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class DescriptionError(MozDefError):
    """A part of the OpenAPI description that cannot be used; names where it is."""

    def __init__(self, source: str, entry: str, message: str) -> None:
        super().__init__(f"{source}: {entry}: {message}")
        self.source = source
        self.entry = entry


@dataclass(frozen=True)
class Spec:
    """The shared parts (`info`, `tags`, `components`), and the operations by key."""

    base: dict[str, Any]
    operations: dict[str, dict[str, Any]]


@functools.cache
def load_spec(root: Path = ROOT) -> Spec:
    """The files of `root`; their contents are shared between callers: copy before
    changing them."""
    base = _yaml(root / COMPONENTS_FILE)
    operations: dict[str, dict[str, Any]] = {}
    where: dict[str, str] = {}
    for file in sorted(root.glob("*.yaml")):
        if file.name == COMPONENTS_FILE:
            continue
        for key, operation in _yaml(file).items():
            _check_key(file.name, key, where)
            where[key] = file.name
            operations[key] = operation
    resolved = {key: _resolved(key, operations, where, ()) for key in operations}
    return Spec(base, resolved)


def _yaml(file: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DescriptionError(file.name, "-", str(exc)) from exc
    if not isinstance(loaded, dict):
        raise DescriptionError(file.name, "-", "expected a mapping at the top")
    return loaded


def _check_key(file: str, key: str, where: Mapping[str, str]) -> None:
    method, _, path = str(key).partition(" ")
    if method not in METHODS or not path.startswith("/"):
        raise DescriptionError(file, key, 'expected "METHOD /path", such as "GET /status"')
    if key in where:
        raise DescriptionError(file, key, f"described in {where[key]} already")


def _resolved(
    key: str,
    operations: Mapping[str, dict[str, Any]],
    where: Mapping[str, str],
    seen: tuple[str, ...],
) -> dict[str, Any]:
    """The operation of `key`, its `same_as` replaced by what it names."""
    operation = operations[key]
    target = operation.get("same_as")
    if target is None:
        return operation
    if target not in operations or target in seen:
        problem = "names no described operation" if target not in operations else "loops"
        raise DescriptionError(where[key], key, f"same_as {target!r} {problem}")
    start = _resolved(target, operations, where, (*seen, key))
    start = {name: value for name, value in start.items() if name != "operationId"}
    own = {name: value for name, value in operation.items() if name != "same_as"}
    return {**start, **own}
