"""Sigma files read as YAML documents that remember where they are, so that a rule
that cannot be loaded is reported with its file and line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mozdef.errors import RuleError

RULE_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Document:
    path: Path | None
    # 1-based line where the document starts.
    line: int
    data: Any
    node: yaml.Node | None


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the YAML files under directories, each folder sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in RULE_SUFFIXES))
        else:
            found.append(path)
    return found


def read_documents(
    text: str, *, path: Path | None = None
) -> tuple[list[Document], RuleError | None]:
    """The documents of a YAML stream up to the first syntax error, and that error."""
    loader = yaml.SafeLoader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else 1
            documents.append(Document(path, line, loader.construct_document(node), node))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = f"not valid YAML: {error.problem or error}"
        return documents, RuleError(reason, path=_name(path), line=line)
    finally:
        loader.dispose()
    return documents, None


def field_line(document: Document, sigma_field: str) -> int | None:
    """The line, under `detection`, of the first key naming `sigma_field`."""
    detection = _child(document.node, "detection")
    for key in _keys_under(detection):
        if key.value.split("|")[0] == sigma_field:
            return int(key.start_mark.line) + 1
    return None


def _child(node: yaml.Node | None, name: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for key, value in node.value if key.value == name), None)


def _keys_under(node: yaml.Node | None) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield key
            yield from _keys_under(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _keys_under(item)


def _name(path: Path | None) -> str | None:
    return None if path is None else str(path)
