"""Build the VERIS taxonomy the incident model uses, from the VERIS reference data.

    python3 scripts/build_veris.py [SOURCE_FOLDER]

SOURCE_FOLDER (default /work/shared/data/veris) holds the VERIS files as published:
verisc-enum.json (the schema's enumerations), the VERIS to ATT&CK mapping csv,
SOURCE.md (where they come from) and LICENSE.txt. The script writes
src/mozdef/data/veris/veris.json and NOTICE.md; run it again when the data changes.

veris.json holds:
- `nodes`: every group and value of the enumerations in the source's order, as
  [path, label, description, is_value]; a path joins keys and the value with dots
  (`action.hacking.variety.Brute force`), a label is the value itself or the key made
  readable (`data_disclosure` -> `Data disclosure`), a description comes from the csv.
- `attack`: path -> ATT&CK technique ids the csv relates to it (paths in canonical case;
  the csv spells some of them with other capitals).
- `techniques`: technique id -> name.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "mozdef" / "data" / "veris"
DEFAULT_SOURCE = Path("/work/shared/data/veris")
ENUMS = "verisc-enum.json"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    mapping_file = _mapping_file(source)
    nodes = list(_nodes(json.loads((source / ENUMS).read_text(encoding="utf-8")), ""))
    rows = _read_csv(mapping_file)
    canonical = {node[0].lower(): node[0] for node in nodes}

    descriptions, attack, techniques, unknown = _mapping(rows, canonical)
    for node in nodes:
        node[2] = descriptions.get(node[0], "")
    versions = rows[0] if rows else {}
    data = {
        "veris_version": versions.get("mapping_framework_version", ""),
        "attack_version": versions.get("attack_version", ""),
        "attack_domain": versions.get("technology_domain", ""),
        "source": _source_line(source),
        "nodes": nodes,
        "attack": attack,
        "techniques": dict(sorted(techniques.items())),
    }
    TARGET.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    (TARGET / "veris.json").write_text(text + "\n", encoding="utf-8")
    (TARGET / "NOTICE.md").write_text(_notice(source), encoding="utf-8")
    print(
        f"veris.json: {len(nodes)} nodes, {len(attack)} mapped paths, {len(techniques)} techniques"
    )
    for path in sorted(unknown):
        print(f"not in the enumerations, left out: {path}", file=sys.stderr)
    return 0


def _mapping_file(source: Path) -> Path:
    found = sorted(source.glob("veris-*_attack-*.csv"))
    if not found:
        raise SystemExit(f"{source}: no veris-*_attack-*.csv mapping file")
    return found[-1]


def _nodes(tree: Any, prefix: str) -> Any:
    """[path, label, description, is_value] for each group and value under `tree`."""
    if isinstance(tree, dict):
        for key, child in tree.items():
            path = f"{prefix}.{key}" if prefix else key
            yield [path, _readable(key), "", False]
            yield from _nodes(child, path)
        return
    for value in tree:
        yield [f"{prefix}.{value}", value, "", True]


def _readable(key: str) -> str:
    words = key.replace("_", " ")
    return words[:1].upper() + words[1:]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _mapping(
    rows: list[dict[str, str]], canonical: dict[str, str]
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str], set[str]]:
    descriptions: dict[str, str] = {}
    attack: dict[str, list[str]] = {}
    techniques: dict[str, str] = {}
    unknown: set[str] = set()
    for row in rows:
        path = canonical.get(row["capability_id"].strip().lower())
        if path is None:
            unknown.add(row["capability_id"])
            continue
        descriptions.setdefault(path, row["capability_description"].strip())
        technique = row["attack_object_id"].strip()
        if row["mapping_type"] != "related-to" or not technique:
            continue
        techniques[technique] = row["attack_object_name"].strip()
        listed = attack.setdefault(path, [])
        if technique not in listed:
            listed.append(technique)
    return descriptions, attack, techniques, unknown


def _source_line(source: Path) -> str:
    text = (source / "SOURCE.md").read_text(encoding="utf-8")
    commit = re.search(r"commit ([0-9a-f]{7,40})", text)
    return f"vz-risk/veris@{commit.group(1) if commit else 'unknown'}"


def _notice(source: Path) -> str:
    text = (source / "SOURCE.md").read_text(encoding="utf-8")
    commit = re.search(r"commit ([0-9a-f]{7,40})( \([0-9-]+\))?", text)
    at = commit.group(0) if commit else "an unrecorded commit"
    licence = (source / "LICENSE.txt").read_text(encoding="utf-8").strip()
    return (
        "# VERIS taxonomy: attribution and licence\n\n"
        "`veris.json` in this folder is derived from VERIS, the Vocabulary for Event "
        "Recording and Incident Sharing, by the Verizon RISK team: the enumerations of "
        f"its schema (verisc-enum.json) and its mapping to MITRE ATT&CK enterprise "
        f"techniques, from the repository vz-risk/veris at {at}.\n\n"
        "The data was reshaped (flattened into dotted paths with labels, the mapping "
        "joined to those paths) by `scripts/build_veris.py`; the names and values are "
        "VERIS's own. VERIS is licensed under the Creative Commons "
        "Attribution-ShareAlike 4.0 International licence (CC BY-SA 4.0), and so is "
        "this derived file. ATT&CK is a trademark of The MITRE Corporation.\n\n"
        "## Licence text\n\n"
        f"{licence}\n"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv))
