"""YAML that remembers where each key was written, so that a problem names its line.

PyYAML's safe loader builds the data; mappings come back as LineMap, a dict that
also holds the 1-based line of the mapping and of each of its keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode

from mozdef.errors import RuleError


class LineMap(dict[str, Any]):
    def __init__(self, items: dict[str, Any], *, line: int, key_lines: dict[str, int]) -> None:
        super().__init__(items)
        self.line = line
        self.key_lines = key_lines

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    pairs = loader.construct_pairs(node, deep=True)
    key_lines = {
        str(key.value): key.start_mark.line + 1 for key, _ in node.value if hasattr(key, "value")
    }
    return LineMap(
        {str(key): value for key, value in pairs},
        line=node.start_mark.line + 1,
        key_lines=key_lines,
    )


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_yaml(path: Path) -> list[tuple[int, Any]]:
    """The documents of the YAML file at `path`, each with its first line; RuleError
    names the line of a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleError(f"cannot read: {error}", path=str(path)) from error
    try:
        return [_document(node) for node in _compose(text)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = f"YAML syntax: {error.problem or error.context}"
        raise RuleError(reason, path=str(path), line=line) from error


def _compose(text: str) -> list[yaml.Node]:
    loader = _Loader(text)
    try:
        nodes: list[yaml.Node] = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
        return nodes
    finally:
        loader.dispose()


def _document(node: yaml.Node) -> tuple[int, Any]:
    loader = _Loader("")
    try:
        return node.start_mark.line + 1, loader.construct_document(node)
    finally:
        loader.dispose()
