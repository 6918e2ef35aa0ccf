"""MITRE ATT&CK enterprise tactics, and which tactics a technique belongs to.

`data/attack/tactics.json` (built by scripts/build_attack_tactics.py from ATT&CK
Enterprise 18.1; see data/attack/NOTICE.md) is read once, on first use. A
sub-technique the table does not list takes its parent's tactics (`T1110.005` those of
`T1110`); a technique ATT&CK added after the table's release has none here.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

DATA = "data/attack/tactics.json"


@dataclass(frozen=True)
class Tactic:
    id: str  # TA0006
    short_name: str  # credential-access
    name: str  # Credential Access


@dataclass(frozen=True)
class _Table:
    version: str
    tactics: tuple[Tactic, ...]
    by_technique: dict[str, tuple[Tactic, ...]]


def tactics() -> tuple[Tactic, ...]:
    """Every enterprise tactic, in the order of ATT&CK's matrix."""
    return _loaded().tactics


def tactics_of(technique_id: str) -> tuple[Tactic, ...]:
    """The tactics of a technique (`T1110`, `t1110.001`); () when the table does not
    know it or its parent."""
    table = _loaded().by_technique
    key = technique_id.strip().upper()
    found = table.get(key)
    if found is None and "." in key:
        found = table.get(key.split(".", 1)[0])
    return found or ()


def version() -> str:
    """The ATT&CK release the table comes from."""
    return _loaded().version


@functools.cache
def _loaded() -> _Table:
    data: dict[str, Any] = json.loads(resources.files("mozdef").joinpath(DATA).read_text("utf-8"))
    ordered = tuple(Tactic(*row) for row in data["tactics"])
    by_short = {tactic.short_name: tactic for tactic in ordered}
    return _Table(
        version=str(data["attack_version"]),
        tactics=ordered,
        by_technique={
            key: tuple(by_short[name] for name in names)
            for key, names in data["techniques"].items()
        },
    )
