"""The VERIS taxonomy for tagging incidents, with the ATT&CK techniques it relates to.

VERIS (the Vocabulary for Event Recording and Incident Sharing, by the Verizon RISK
team, CC BY-SA 4.0: see data/veris/NOTICE.md) names what happened in an incident as
enumerations: groups (`action.hacking.variety`) holding values (`Brute force`). A
tag is a value's path, `action.hacking.variety.Brute force`. The package data file
`data/veris/veris.json` (built by scripts/build_veris.py) is read once, on first use.

Paths are matched without regard to case and kept in the taxonomy's own spelling
(`canonical`). `attack_for(path)` gives the ATT&CK enterprise techniques the VERIS
mapping relates to the path or to one of its groups (a mapping of
`attribute.confidentiality.data_disclosure` applies to each of its values).

The mapping names techniques, not tactics; mozdef.incidents.attack gives a technique's
tactics.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

DATA = "data/veris/veris.json"
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Technique:
    id: str
    name: str


@dataclass(frozen=True)
class VerisNode:
    """A group (`is_value` False, with children) or a value of the taxonomy."""

    path: str
    label: str
    description: str
    is_value: bool
    children: tuple[VerisNode, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    root: VerisNode
    nodes: dict[str, VerisNode]
    by_lower: dict[str, str]
    attack: dict[str, tuple[Technique, ...]]
    techniques: dict[str, Technique]
    veris_version: str
    attack_version: str


def taxonomy() -> VerisNode:
    """The whole tree; the root's path is the empty string."""
    return _loaded().root


def versions() -> tuple[str, str]:
    """The VERIS and ATT&CK versions of the mapping."""
    loaded = _loaded()
    return loaded.veris_version, loaded.attack_version


def canonical(path: str) -> str | None:
    """The taxonomy's spelling of `path` (a group or a value), or None when unknown."""
    return _loaded().by_lower.get(path.strip().lower())


def node(path: str) -> VerisNode | None:
    found = canonical(path)
    return None if found is None else _loaded().nodes[found]


def is_valid(path: str) -> bool:
    """Whether `path` names a value, the kind of path an incident can be tagged with."""
    found = node(path)
    return found is not None and found.is_value


def search(text: str, *, limit: int = SEARCH_LIMIT) -> list[VerisNode]:
    """Values whose path, label or description hold every word of `text`, best first:
    label matches before path matches before description matches."""
    words = text.lower().split()
    if not words:
        return []
    ranked: list[tuple[int, int, VerisNode]] = []
    for position, found in enumerate(_values()):
        rank = _rank(found, words)
        if rank is not None:
            ranked.append((rank, position, found))
    ranked.sort(key=lambda entry: entry[:2])
    return [found for _, _, found in ranked[:limit]]


def attack_for(path: str) -> tuple[Technique, ...]:
    """Techniques related to `path` and to the groups above it; () for an unknown path."""
    found = canonical(path)
    if found is None:
        return ()
    mapping = _loaded().attack
    parts = found.split(".")
    related: dict[str, Technique] = {}
    for end in range(len(parts), 0, -1):
        for technique in mapping.get(".".join(parts[:end]), ()):
            related.setdefault(technique.id, technique)
    return tuple(related.values())


def technique(technique_id: str) -> Technique | None:
    """A technique the mapping names, by id (`T1110`, `T1110.001`)."""
    return _loaded().techniques.get(technique_id.strip().upper())


def _rank(found: VerisNode, words: list[str]) -> int | None:
    label = found.label.lower()
    path = found.path.lower()
    description = found.description.lower()
    if all(word in path or word in description for word in words):
        if label.startswith(words[0]) or label == " ".join(words):
            return 0
        if all(word in label for word in words):
            return 1
        return 2 if all(word in path for word in words) else 3
    return None


@functools.cache
def _values() -> tuple[VerisNode, ...]:
    return tuple(found for found in _loaded().nodes.values() if found.is_value)


@functools.cache
def _loaded() -> Taxonomy:
    data: dict[str, Any] = json.loads(resources.files("mozdef").joinpath(DATA).read_text("utf-8"))
    techniques = {key: Technique(key, name) for key, name in data["techniques"].items()}
    nodes = _nodes(data["nodes"])
    return Taxonomy(
        root=nodes[""],
        nodes=nodes,
        by_lower={path.lower(): path for path in nodes if path},
        attack={
            path: tuple(techniques[key] for key in keys) for path, keys in data["attack"].items()
        },
        techniques=techniques,
        veris_version=data["veris_version"],
        attack_version=data["attack_version"],
    )


def _nodes(rows: list[list[Any]]) -> dict[str, VerisNode]:
    """The nodes by path, children built before their parents (rows come parent first)."""
    children: dict[str, list[VerisNode]] = {}
    nodes: dict[str, VerisNode] = {}
    for path, label, description, is_value in reversed(rows):
        made = VerisNode(
            path, label, description, is_value, tuple(reversed(children.pop(path, [])))
        )
        nodes[path] = made
        children.setdefault(_parent(path), []).append(made)
    nodes[""] = VerisNode("", "VERIS", "", False, tuple(reversed(children.pop("", []))))
    return dict(reversed(list(nodes.items())))


def _parent(path: str) -> str:
    return path.rpartition(".")[0]


def walk(start: VerisNode | None = None) -> Iterator[VerisNode]:
    """Every node under `start` (the root by default), parents before children."""
    for child in (start or taxonomy()).children:
        yield child
        yield from walk(child)
